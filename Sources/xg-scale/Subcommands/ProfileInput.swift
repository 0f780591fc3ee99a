import ArgumentParser
import Foundation
import NodeNetwork
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

/// PROFILE [--inventory FILE --node NAME], shared by `render`, `validate` and `plan`. (`apply`
/// declares the same arguments itself: see ApplyCommand.)
struct ProfileInput: ParsableArguments {
    @Argument(help: Self.profileHelp)
    var profile: String

    @Option(help: Self.inventoryHelp)
    var inventory: String?

    @Option(help: Self.nodeHelp)
    var node: String?

    @Option(help: Self.inventoryFormatHelp)
    var inventoryFormat: InventoryFormat?

    static let profileHelp = ArgumentHelp("""
        The profile (YAML, schema version 1; see xg-scale-profile(5)): a regular file of at most \
        16 MiB. As root, apply, plan and monitor read the profile and inventory only when owned \
        by root and not writable by group or others.
        """, valueName: "profile")
    static let inventoryHelp = ArgumentHelp("Inventory file that gives ${NAME} its value per node (needs --node): xg-scale's format or an Ansible YAML inventory.",
                                            valueName: "file")
    static let nodeHelp = ArgumentHelp("Node of the inventory to render for (needs --inventory).", valueName: "name")
    static let inventoryFormatHelp = ArgumentHelp("""
        The --inventory file's format: 'xg-scale' (cluster, vars, nodes) or 'ansible' (an Ansible \
        YAML inventory: groups with hosts, children and vars, plus host_vars/HOST.yml and \
        group_vars/GROUP.yml beside it; --node is the inventory hostname). Detected when not given.
        """, valueName: "format")

    func validate() throws { try source.validate() }

    var source: ProfileSource {
        ProfileSource(profile: profile, inventory: inventory, node: node, inventoryFormat: inventoryFormat)
    }

    var sourceDescription: String { source.sourceDescription }

    func load(trust: FileTrust = .whenRoot) throws -> LoadedProfile { try source.load(trust: trust) }

    func read(trust: FileTrust = .whenRoot) throws(ProfileError) -> LoadedProfile { try source.read(trust: trust) }
}

/// The values of ProfileInput's arguments.
struct ProfileSource: Equatable, Sendable {
    var profile: String
    var inventory: String? = nil
    var node: String? = nil
    var inventoryFormat: InventoryFormat? = nil

    /// The checks ArgumentParser runs after parsing (ProfileInput.validate, ApplyCommand.validate).
    func validate() throws {
        if inventory != nil && node == nil {
            throw ValidationError("--inventory needs --node NAME (the node to render for)")
        }
        if node != nil && inventory == nil {
            throw ValidationError("--node needs --inventory FILE (the file that lists the nodes)")
        }
        if inventoryFormat != nil && inventory == nil {
            throw ValidationError("--inventory-format needs --inventory FILE")
        }
    }

    /// Names the input in rendered headers: "stp-two-switches.yaml (node dom0 of inventory.yaml)".
    var sourceDescription: String {
        let base = fileName(profile)
        if let node, let inventory {
            return "\(base) (node \(node) of \(fileName(inventory)))"
        }
        return base
    }

    /// Read, substitute and validate. Prints every diagnostic on stderr; on error exits 1.
    /// `trust`: `.whenRoot` (apply, plan: root acts on the files) or `.any` (render, validate).
    func load(trust: FileTrust = .whenRoot) throws -> LoadedProfile {
        try loadProfile(profile, inventory: inventory, node: node, format: inventoryFormat, trust: trust)
    }

    /// Read, substitute and validate, printing nothing: every problem is in the thrown error.
    func read(trust: FileTrust = .whenRoot) throws(ProfileError) -> LoadedProfile {
        try readProfile(profile, inventory: inventory, node: node, format: inventoryFormat, trust: trust)
    }
}

/// The profile at `path`, its ${NAME} values from `node` of `inventory` when both are given:
/// read, substituted and validated. Prints every diagnostic on stderr; on error exits 1.
func loadProfile(_ path: String, inventory: String?, node: String?, format: InventoryFormat? = nil,
                 trust: FileTrust = .whenRoot) throws -> LoadedProfile {
    do {
        let loaded = try readProfile(path, inventory: inventory, node: node, format: format, trust: trust)
        printDiagnostics(loaded.warnings)
        return loaded
    } catch {
        printDiagnostics(error.diagnostics)
        throw ExitCode.failure
    }
}

/// `loadProfile` printing nothing: every problem is in the thrown error.
func readProfile(_ path: String, inventory: String?, node: String?, format: InventoryFormat? = nil,
                 trust: FileTrust = .whenRoot) throws(ProfileError) -> LoadedProfile {
    do {
        var variables: Variables?
        if let inventory, let node {
            variables = try readInventory(inventory, format: format, trust: trust).variables(forNode: node)
        }
        return try ProfileLoader.load(text: try readFile(path, what: "profile", trust: trust), file: path,
                                      variables: variables)
    } catch let error as ProfileError {
        throw error
    } catch {
        throw ProfileError([Diagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1),
                                       "\(error)")])
    }
}

/// ArgumentParser's value lists for a String enum, written for the concrete type: its generic
/// defaults instantiate a key path and walk the cases at run time (four protocol-conformance scans
/// of the whole binary, ~1.2 M instructions, in every parse of a command with the option).
extension InventoryFormat: ExpressibleByArgument {
    /// The raw values in declaration order, as `allCases.map(\.rawValue.defaultValueDescription)`.
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
    /// None: each value is described by its raw value, so ArgumentParser's default lists none.
    public static var allValueDescriptions: [String: String] { [:] }
}

/// An inventory in `format` (nil: detected), with an Ansible inventory's host_vars/ and
/// group_vars/ files read beside it under the same trust rules.
func readInventory(_ path: String, format: InventoryFormat?, trust: FileTrust = .whenRoot) throws -> Inventory {
    let text = try readFile(path, what: "inventory", trust: trust)
    // Only an Ansible inventory reads beside itself: no URL otherwise (~0.7 M instructions).
    func inFolder(_ rel: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(rel).path
    }
    return try Inventory.parse(text: text, file: path, format: format, sidecar: { rel throws(ProfileError) -> String? in
        let full = inFolder(rel)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        do { return try readFile(full, what: "inventory vars file", trust: trust) } catch let e as ProfileError { throw e } catch {
            throw ProfileError([Diagnostic(.error, at: SourceLocation(file: full, line: 1, column: 1), "\(error)")])
        }
    }, listing: { rel in UserFiles.listFolder(inFolder(rel)) })
}

/// The file name `path` ends with, as URL(fileURLWithPath:).lastPathComponent gives it, without
/// Foundation's URL (~0.7 M instructions the first time) when the path ends with a plain name.
func fileName(_ path: String) -> String {
    let last = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    if last.isEmpty || last == "." || last == ".." || last.contains("\0") {
        return URL(fileURLWithPath: path).lastPathComponent
    }
    return last
}

/// A file's text, or a ProfileError naming it: a regular file only (a FIFO or device is refused
/// at once), at most `UserFiles.maxBytes`, trusted when `trust` asks for it.
func readFile(_ path: String, what: String = "profile", trust: FileTrust = .whenRoot) throws -> String {
    func failure(_ message: String, fix: String) -> ProfileError {
        ProfileError([Diagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1), message, fix: fix)])
    }
    let bytes: [UInt8]
    do {
        guard let read = try UserFiles.read(path, what: what, trust: trust) else {
            throw failure("cannot read the file: no such file", fix: "check the path and that it is a readable file")
        }
        bytes = read
    } catch let error as SystemError {
        let fix = error.fix.isEmpty ? "check the path and that it is a readable file" : error.fix
        let root = trust.required && error.reason.contains(" by ") ? " (as root, xg-scale reads only files no one else can write)" : ""
        throw failure(error.operation == "refuse" ? "refused: \(error.reason)\(root)" : "cannot read the file: \(error.reason)",
                      fix: fix)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw failure("the file is not UTF-8 text", fix: "save it as UTF-8")
    }
    return text
}

/// How many diagnostics a human is shown; the rest are counted (validate --json lists all).
let diagnosticsShown = 50

func printDiagnostics(_ diagnostics: [Diagnostic]) {
    guard !diagnostics.isEmpty else { return }
    printStderr(diagnostics.prefix(diagnosticsShown).map(\.description).joined(separator: "\n"))
    if diagnostics.count > diagnosticsShown {
        printStderr(moreLine(diagnostics.count - diagnosticsShown, of: "diagnostics", all: "validate --json"))
    }
}

/// "and N more diagnostics (validate --json lists all)".
func moreLine(_ n: Int, of what: String, all: String) -> String {
    "and \(n) more \(what) (\(all) lists all)"
}

func printError(_ message: String) {
    printStderr("xg-scale: error: " + message)
}
