// Where a lab's record lives and how it is written: <root>/<name>/state.json, root =
// $XG_SCALE_LAB_ROOT or /run/xg-scale/lab, a directory owned by root and writable by nobody
// else (SystemIO.Trust), the record replaced atomically (SystemIO.Files) at every step.
import Foundation
import SystemIO

/// A lab-level error a user can cause: printed once, exit 1.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct LabStore: Sendable {
    public static let defaultRoot = "/run/xg-scale/lab"
    public let root: String
    public let name: String

    public init(name: String, root: String? = nil) throws {
        try LabStore.validate(name: name)
        let env = ProcessInfo.processInfo.environment["XG_SCALE_LAB_ROOT"]
        self.root = root ?? (env.flatMap { $0.isEmpty ? nil : $0 } ?? LabStore.defaultRoot)
        self.name = name
    }

    /// Lab names become namespace names (xgl-NAME-…): lower-case letters, digits and '-'.
    public static func validate(name: String) throws {
        let ok = !name.isEmpty && name.count <= 16 && name.first != "-"
            && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard ok else {
            throw LabError("invalid lab name '\(name)': use 1 to 16 lower-case letters, digits and '-' (not first), e.g. --name lab2")
        }
    }

    public var directory: String { root + "/" + name }
    public var statePath: String { directory + "/state.json" }
    /// A file in the lab's directory.
    public func path(_ file: String) -> String { directory + "/" + file }

    /// Create the lab's directory; refuse when it exists (the name is taken).
    public func create() throws {
        try Trust.ensureDirectory(root, what: "lab root directory")
        if mkdir(directory, 0o700) != 0 {
            if errno == EEXIST {
                throw LabError("a lab named '\(name)' exists already (\(directory)): use it, remove it with `xg-scale lab down --name \(name)`, or choose another --name")
            }
            throw LabError("cannot create \(directory): \(String(cString: strerror(errno))) (lab up needs root)")
        }
        try Trust.check(directory, what: "lab directory")
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: directory) }

    /// The record, or nil when there is no lab of this name (or it crashed before its first write).
    public func load() throws -> LabState? {
        guard exists else { return nil }
        try Trust.check(directory, what: "lab directory")
        guard let bytes = try Files.read(statePath, what: "lab state", maxBytes: 4 << 20, trusted: true) else { return nil }
        do {
            return try JSONDecoder().decode(LabState.self, from: Data(bytes))
        } catch {
            throw LabError("\(statePath): not a lab record (\(error)); remove the lab with `xg-scale lab down --name \(name)`")
        }
    }

    /// Replace the record atomically (temp file, fsync, rename).
    public func save(_ state: LabState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Files.writeAtomically(Array(try encoder.encode(state)) + [10], to: statePath, mode: 0o600)
    }

    /// Remove the lab's directory and everything in it.
    public func remove() throws {
        guard exists else { return }
        try FileManager.default.removeItem(atPath: directory)
        Files.syncDirectory(root)
        // The root (and /run/xg-scale above the default one) go too once no lab is left;
        // rmdir(2) leaves a directory that still holds anything.
        if rmdir(root) == 0, root == LabStore.defaultRoot { _ = rmdir(Trust.parent(of: root)) }
    }
}
