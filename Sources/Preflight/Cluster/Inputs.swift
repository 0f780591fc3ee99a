// The coordinator's inputs, checked before anything runs: the configuration (plus resource
// files not yet installed), the resources asked for, the inventory's ssh settings per node.
import DRBD
import Foundation
import NodeNetwork
import SystemIO

public struct ClusterOptions: Sendable {
    public var configPath: String
    public var newFiles: [String] = []
    public var resources: [String] = []
    public var inventoryPath: String?
    public var execTemplate: String?
    public var timeoutMs = 2000
    public var parallel = 16
    /// This executable, for the exec template (the node side is this same binary).
    public var selfPath: String
    /// How the caller's user names the inputs an error or a fix points to (the CLI: its flags).
    public var inputs: PreflightInputNames = .plain
    public init(configPath: String, selfPath: String) { self.configPath = configPath; self.selfPath = selfPath }
}

/// A problem that stops the preflight before it starts: printed once, exit 1. It is a
/// `Diagnostic` (where, what, the fix) like every problem in a user's file; the place is said as
/// far as it is known (FILE:LINE:COL, FILE:LINE, FILE, or nothing for a command-line value).
public struct PreflightError: Error, CustomStringConvertible, Sendable {
    public var diagnostic: Diagnostic
    /// Said after the fix (how many more problems the file has, say).
    public var note: String?
    /// The place is in the message already, and no severity is said (a refused inventory value).
    private var placeInMessage = false

    public init(_ diagnostic: Diagnostic, note: String? = nil) { self.diagnostic = diagnostic; self.note = note }

    /// An error at `file` (line and column 0: the file as a whole; "" for no file).
    init(at file: String, line: Int = 0, column: Int = 0, _ message: String, fix: String?, note: String? = nil) {
        self.init(Diagnostic(.error, at: SourceLocation(file: file, line: line, column: column), message, fix: fix), note: note)
    }

    /// A problem whose text names its place itself.
    init(placed message: String, fix: String) {
        self.init(at: "", message, fix: fix)
        placeInMessage = true
    }

    /// A transport that cannot be built, at `file`:`line` when a file gave it.
    init(at file: String = "", line: Int = 0, _ e: TransportError) { self.init(at: file, line: line, e.message, fix: e.fix) }

    public var description: String {
        diagnostic.text(place: !placeInMessage, severity: !placeInMessage) + (note.map { " (\($0))" } ?? "")
    }
}

extension Diagnostic {
    /// The house style `FILE:LINE:COL: error: WHAT (fix: HOW)` with the place said as far as it
    /// is known: a 0 column or line, or an empty file, is left out with its colon.
    func text(place: Bool = true, severity: Bool = true) -> String {
        let l = location
        let at = !place || l.file.isEmpty ? ""
            : l.file + (l.line > 0 ? ":\(l.line)" + (l.column > 0 ? ":\(l.column)" : "") : "") + ": "
        return at + (severity ? "\(self.severity.rawValue): " : "") + message + (fix.map { " (fix: \($0))" } ?? "")
    }
}

enum Inputs {
    /// The configuration with every new resource file's resources added; any parse error stops.
    static func configuration(_ o: ClusterOptions) throws(PreflightError) -> Configuration {
        let names = o.inputs, listing = "\(names.check) \(names.drbd.config)"
        var config = try load(o.configPath, what: "the DRBD configuration", option: names.drbd.config,
                              inputs: names.drbd, listing: listing)
        for f in o.newFiles {
            let extra = try load(f, what: "the new resource file", option: names.newFile, inputs: names.drbd,
                                 listing: listing)
            config.resources += extra.resources
            config.files += extra.files
            config.dialect = max(config.dialect, extra.dialect)
        }
        return config
    }

    /// The configuration at `path`; a missing file's fix names `option`. `listing`: what lists
    /// every problem of a file (followed by the file), named in the note of a file with many.
    static func load(_ path: String, what: String, option: String, inputs: InputNames,
                     listing: String? = nil) throws(PreflightError) -> Configuration {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              FileManager.default.isReadableFile(atPath: path) else {
            throw PreflightError(at: path, "cannot read \(what)", fix: "pass an existing file with \(option)")
        }
        let loaded = ConfigLoader.load(path, from: DiskFileSource(), inputs: inputs)
        if let e = loaded.errors.first {
            let more = loaded.errors.count > 1
                ? listing.map { "\(loaded.errors.count - 1) more; '\($0) \(path)' lists them all" } : nil
            throw PreflightError(at: e.location.file, line: e.location.line, e.message, fix: e.fix, note: more)
        }
        guard let c = loaded.configuration else { throw PreflightError(at: path, "nothing could be read", fix: "check the file") }
        return c
    }

    /// The names of the resources asked for, each checked to exist; nil when none was given (all resources).
    static func selection(_ names: [String], in c: Configuration) throws(PreflightError) -> Set<String>? {
        guard !names.isEmpty else { return nil }
        let known = Set(c.resources.map(\.name))
        for n in names where !known.contains(n) {
            throw PreflightError(at: c.files.first ?? "", "no resource '\(n)' in the configuration",
                                 fix: "use one of: \(known.sorted().joined(separator: ", "))")
        }
        return Set(names)
    }

    /// ssh settings per node from the inventory's vars: ssh-target, ssh-command, xg-scale; in an
    /// Ansible inventory also ansible_host, ansible_user (target user@host, unless ssh-target is
    /// set) and ansible_port (`-p PORT`).
    static func access(_ path: String?, inputs: PreflightInputNames = .plain) throws(PreflightError) -> [String: NodeAccess] {
        guard let path else { return [:] }
        let inv = try inventory(path, inputs: inputs)
        var out: [String: NodeAccess] = [:]
        for n in inv.nodes {
            for name in ["ansible_host", "ansible_user", "ansible_port"] {
                if let why = n.refused[name] { throw PreflightError(placed: why, fix: ValueRule.fix) }
            }
            let vars = inv.vars.merging(n.vars) { $1 }
            var a = NodeAccess(sshTarget: vars["ssh-target"] ?? ansibleTarget(vars, node: n.name), remoteBinary: vars["xg-scale"])
            if let cmd = vars["ssh-command"] {
                do {
                    a.sshCommand = try Transport.parseTemplate(cmd, what: "\(path): nodes.\(n.name).vars.ssh-command",
                                                               needsNode: false, execInput: inputs.exec)
                }
                catch { throw PreflightError(at: path, line: n.location.line, error) }
            }
            if let port = vars["ansible_port"] {
                guard let p = Int(port), (1...65535).contains(p) else {
                    throw PreflightError(at: path, line: n.location.line, "ansible_port of \(n.name) is '\(port)', not a port number",
                                         fix: "write a number from 1 to 65535")
                }
                a.sshCommand = (a.sshCommand ?? ["ssh"]) + ["-p", String(p)]
            }
            out[n.name] = a
        }
        return out
    }

    /// The inventory and its sidecar vars files, through the reader of every user file
    /// (UserFiles: regular files, size cap, and as root the StrictModes trust check).
    static func inventory(_ path: String, inputs: PreflightInputNames = .plain) throws(PreflightError) -> Inventory {
        func text(_ file: String, what: String) throws -> String? {
            guard let bytes = try UserFiles.read(file, what: what, trust: .whenRoot) else { return nil }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SystemError(refusing: file, because: "the \(what) is not UTF-8 text", fix: "save it as UTF-8")
            }
            return text
        }
        let main: String?
        do { main = try text(path, what: "inventory") } catch {
            let e = error as? SystemError
            throw PreflightError(at: "", e?.summary ?? "\(error)", fix: e.flatMap { $0.fix.isEmpty ? nil : $0.fix })
        }
        guard let main else {
            throw PreflightError(at: path, "cannot read the inventory", fix: "pass an existing file with \(inputs.inventory)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            return try Inventory.parse(text: main, file: path, format: nil, sidecar: { rel throws(ProfileError) -> String? in
                let full = folder.appendingPathComponent(rel).path
                guard UserFiles.listFolder(full) == nil else { return nil }
                do { return try text(full, what: "inventory vars file") } catch {
                    throw ProfileError([Diagnostic(.error, at: SourceLocation(file: full, line: 1, column: 1), "\(error)")])
                }
            }, listing: { rel in UserFiles.listFolder(folder.appendingPathComponent(rel).path) })
        } catch {
            throw error.errors.first.map { PreflightError($0) } ?? PreflightError(at: path, "invalid inventory", fix: nil)
        }
    }

    /// user@host from ansible_user and ansible_host; nil when neither is set.
    static func ansibleTarget(_ vars: [String: String], node: String) -> String? {
        guard vars["ansible_host"] != nil || vars["ansible_user"] != nil else { return nil }
        let host = vars["ansible_host"] ?? node
        return vars["ansible_user"].map { "\($0)@\(host)" } ?? host
    }

    static func transport(_ o: ClusterOptions) throws(PreflightError) -> Transport {
        if let t = o.execTemplate {
            do {
                let words = try Transport.parseTemplate(t, what: o.inputs.exec, needsNode: true, execInput: o.inputs.exec)
                return .exec(template: words, selfPath: o.selfPath)
            } catch { throw PreflightError(error) }
        }
        return .ssh(access: try access(o.inventoryPath, inputs: o.inputs), connectTimeoutSeconds: 10)
    }
}
