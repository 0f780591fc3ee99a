// How the coordinator reaches a node: an argv that runs `xg-scale preflight-node` there. Over
// OpenSSH (`ssh -o BatchMode=yes TARGET xg-scale preflight-node`) or an exec template
// (`ip netns exec {node}` + this executable). Never a shell string built from configuration
// values: names that a shell would read specially are refused.
import Foundation

/// A node that cannot be reached safely: what is wrong and the fix (a `PreflightError` adds the
/// place, when a file gave the value).
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var fix: String
    public init(_ message: String, fix: String) { self.message = message; self.fix = fix }
    public var description: String { "\(message) (fix: \(fix))" }
}

/// How to reach one node (from the inventory: vars ssh-target, ssh-command, xg-scale).
public struct NodeAccess: Sendable, Equatable {
    public var sshTarget: String?
    public var sshCommand: [String]?
    public var remoteBinary: String?
    public init(sshTarget: String? = nil, sshCommand: [String]? = nil, remoteBinary: String? = nil) {
        self.sshTarget = sshTarget; self.sshCommand = sshCommand; self.remoteBinary = remoteBinary
    }
}

public enum Transport: Sendable, Equatable {
    /// The exec template (the CLI's `--exec TEMPLATE`), split into words; `{node}` is replaced
    /// in each word.
    case exec(template: [String], selfPath: String)
    case ssh(access: [String: NodeAccess], connectTimeoutSeconds: Int)

    /// Characters a node name may have: a shell gives none of them a meaning, and it cannot
    /// start with '-' (it would be read as an option).
    public static func isSafeName(_ s: String, extra: String = "") -> Bool {
        guard let f = s.first, f != "-" else { return false }
        return s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-\(extra)".unicodeScalars.contains($0)
        }
    }

    /// Split an exec template (or an ssh-command) into an argv. Words are separated by
    /// blanks; quotes, backslashes and other shell syntax are refused: nothing is interpreted.
    /// `what` names the value in an error; `execInput`, the input an empty one's fix shows.
    public static func parseTemplate(_ text: String, what: String, needsNode: Bool,
                                     execInput: String? = nil) throws(TransportError) -> [String] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else {
            throw TransportError("\(what) is empty", fix: "pass a command, e.g. \(execInput.map { $0 + " " } ?? "")'ip netns exec {node}'")
        }
        let shellSyntax = "'\"\\`$;&|<>()*?!~#\n"
        if let bad = text.first(where: { shellSyntax.contains($0) }) {
            throw TransportError("\(what) '\(text)' contains '\(bad)': it is split on blanks into an argv and run without a shell, so quoting, variables and redirections mean nothing", fix: "write the words plainly, e.g. 'ip netns exec {node}'")
        }
        if needsNode && !words.contains(where: { $0.contains("{node}") }) {
            throw TransportError("\(what) '\(text)' has no {node}", fix: "put {node} where the node's name goes, e.g. 'ip netns exec {node}'")
        }
        return words
    }

    /// The argv that starts the node side for `node`.
    public func argv(for node: String) throws(TransportError) -> [String] {
        guard Transport.isSafeName(node) else {
            throw TransportError("host name '\(node)' has characters a shell would interpret or starts with '-'", fix: "use letters, digits, '.', '_' and '-' in drbd.conf host names")
        }
        switch self {
        case .exec(let template, let selfPath):
            return template.map { $0.replacingAll("{node}", with: node) } + [selfPath, "preflight-node"]
        case .ssh(let access, let timeout):
            let a = access[node] ?? NodeAccess()
            let target = a.sshTarget ?? node
            guard Transport.isSafeName(target, extra: "@:") else {
                throw TransportError("ssh target '\(target)' of node \(node) has characters a shell would interpret", fix: "use user@host with letters, digits, '.', '_', '-'")
            }
            let remote = a.remoteBinary ?? "xg-scale"
            guard Transport.isSafeName(remote, extra: "/+") || remote.hasPrefix("/") && Transport.isSafeName(String(remote.dropFirst()), extra: "/+") else {
                throw TransportError("xg-scale path '\(remote)' of node \(node) has characters a shell would interpret", fix: "give a plain path")
            }
            return (a.sshCommand ?? ["ssh"]) + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=\(timeout)", "-T",
                                                 target, remote, "preflight-node"]
        }
    }
}

extension String {
    func replacingAll(_ what: String, with: String) -> String {
        var out = "", rest = Substring(self)
        while let r = rest.range(of: what) {
            out += rest[..<r.lowerBound]; out += with; rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
