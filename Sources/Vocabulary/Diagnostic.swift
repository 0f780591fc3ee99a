// One problem found in a user's file, in the house style
// `FILE:LINE:COL: error: WHAT IS WRONG (fix: WHAT TO DO)`.

/// How bad a problem in a user's file is (spelled `Diagnostic.Severity` too). This is NOT syslog
/// severity: MonitorCore's `Severity` (emerg … debug) grades the events the monitor logs, another
/// concept with its own type, and this name leaves that one free.
public enum DiagnosticSeverity: String, Sendable, Hashable, Codable, Comparable {
    /// The file works, but against advice (e.g. 802.1D timer relations the kernel does not enforce).
    case warning
    /// The file cannot be used; nothing is rendered or checked further.
    case error

    public static func < (a: DiagnosticSeverity, b: DiagnosticSeverity) -> Bool { a == .warning && b == .error }
}

/// One problem in a profile, inventory or drbd.conf: where, how bad, what, and the fix.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public typealias Severity = DiagnosticSeverity

    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    public var fix: String?

    public init(_ severity: Severity, at location: SourceLocation, _ message: String, fix: String? = nil) {
        self.severity = severity; self.location = location; self.message = message; self.fix = fix
    }

    public var description: String {
        var s = "\(location): \(severity.rawValue): \(message)"
        if let fix { s += " (fix: \(fix))" }
        return s
    }

    /// Sorted by place, duplicates removed (stable for equal places).
    public static func sorted(_ list: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        let unique = list.filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { a, b in
            if a.element.location != b.element.location { return a.element.location < b.element.location }
            return a.offset < b.offset
        }.map(\.element)
    }
}
