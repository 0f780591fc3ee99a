// What the checks report (Finding) and what they are given: facts about the local machine
// (LocalSocket, LocalFacts) and the options of one run.

/// What a check found: a `Diagnostic` about one check, resource and host. Its fields stay flat
/// (file, line, column) because they are the JSON contract of `drbd check --json`.
public struct Finding: Hashable, Codable, Sendable {
    public var severity: Diagnostic.Severity
    public var check: CheckName
    public var resource: String?
    public var host: String?
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var fix: String

    public init(_ severity: Diagnostic.Severity, _ check: CheckName, resource: String?, host: String?,
                at loc: SourceLocation, _ message: String, fix: String) {
        self.severity = severity; self.check = check; self.resource = resource; self.host = host
        self.file = loc.file; self.line = loc.line; self.column = loc.column
        self.message = message; self.fix = fix
    }

    enum CodingKeys: String, CodingKey { case severity, check, resource, host, file, line, column, message, fix }

    /// Every key is always present; resource and host are null when they do not apply.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(severity, forKey: .severity)
        try c.encode(check, forKey: .check)
        try c.encode(resource, forKey: .resource)
        try c.encode(host, forKey: .host)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(column, forKey: .column)
        try c.encode(message, forKey: .message)
        try c.encode(fix, forKey: .fix)
    }

    public var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }
    /// The finding as the shared vocabulary says it (without the check, resource and host).
    public var diagnostic: Diagnostic { Diagnostic(severity, at: location, message, fix: fix) }

    /// `FILE:LINE: SEVERITY: CHECK: resource R on host H: MESSAGE (fix: FIX)`.
    public var line1: String {
        var subject = ""
        if let resource { subject += "resource \(resource)" }
        if let host { subject += (subject.isEmpty ? "" : " on ") + "host \(host)" }
        if !subject.isEmpty { subject += ": " }
        return "\(file):\(line): \(severity.rawValue): \(check.rawValue): \(subject)\(message) (fix: \(fix))"
    }
}

/// A socket seen on this machine (from NETLINK_SOCK_DIAG or /proc/net/tcp{,6}).
public struct LocalSocket: Hashable, Codable, Sendable {
    public var ip: String
    public var port: Int
    public var ipv6: Bool
    public var listening: Bool
    /// TCP state name (LISTEN, ESTABLISHED, ...).
    public var state: String
    /// Socket inode; 0 for sockets without a file: kernel sockets, which is what DRBD uses.
    public var inode: UInt64
    public var uid: Int
    /// Owning process, when it could be found ("sshd[812]").
    public var owner: String?
    public init(ip: String, port: Int, ipv6: Bool, listening: Bool, state: String, inode: UInt64,
                uid: Int, owner: String? = nil) {
        self.ip = ip; self.port = port; self.ipv6 = ipv6; self.listening = listening
        self.state = state; self.inode = inode; self.uid = uid; self.owner = owner
    }
    public var isWildcard: Bool { ip == "0.0.0.0" || ip == "::" }
    /// DRBD's sockets are kernel sockets: they have no file, so inode 0.
    public var isKernelSocket: Bool { inode == 0 }
}

/// What the engine learned about the machine the check runs on.
public struct LocalFacts: Sendable {
    /// Canonical addresses on this machine's interfaces.
    public var addresses: Set<String>
    public var sockets: [LocalSocket]
    /// Size in bytes of a device or file, nil when it does not exist or cannot be read.
    public var sizeOf: @Sendable (String) -> UInt64?
    public init(addresses: Set<String>, sockets: [LocalSocket], sizeOf: @escaping @Sendable (String) -> UInt64?) {
        self.addresses = addresses; self.sockets = sockets; self.sizeOf = sizeOf
    }
}

public struct CheckOptions: Sendable {
    /// The host whose sections the local checks use (uname nodename by default).
    public var host: String?
    /// The module's minor_count (or --minor-count).
    public var minorCount: Int?
    /// Facts about this machine; nil runs only the configuration checks.
    public var local: LocalFacts?
    /// How the caller names its inputs in a finding's fix ("pass --host ...").
    public var inputs: InputNames
    public init(host: String? = nil, minorCount: Int? = nil, local: LocalFacts? = nil, inputs: InputNames = .plain) {
        self.host = host; self.minorCount = minorCount; self.local = local; self.inputs = inputs
    }
}
