// Syslog severities and facilities (RFC 5424 section 6.2.1), and the policy that maps monitor
// events to severities.

/// Syslog severity. The raw value is the RFC 5424 / syslog(3) code; `name` is the syslog name
/// used in JSON (`crit`, `err`, `warning`, `notice`, `info`). Not the shared vocabulary's
/// `Diagnostic.Severity` (error/warning of a problem in a user's file): this one grades the
/// events the monitor logs, a different scale for a different reader, so it stays its own type.
public enum Severity: Int, Sendable, CaseIterable, Comparable, Codable {
    case emerg = 0, alert, crit, err, warning, notice, info, debug

    public var name: String {
        switch self {
        case .emerg: return "emerg"
        case .alert: return "alert"
        case .crit: return "crit"
        case .err: return "err"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        case .debug: return "debug"
        }
    }

    public init?(name: String) {
        guard let s = Severity.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }

    /// More severe sorts first: `.crit < .err`.
    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let s = Severity(name: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                   debugDescription: "unknown severity \(text)"))
        }
        self = s
    }
}

/// Syslog facility (RFC 5424 table 1), by the names syslog.conf uses.
public enum Facility: Int, Sendable, CaseIterable {
    case kern = 0, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp
    case local0 = 16, local1, local2, local3, local4, local5, local6, local7

    public var name: String { String(describing: self) }

    public init?(name: String) {
        guard let f = Facility.allCases.first(where: { $0.name == name.lowercased() }) else {
            return nil
        }
        self = f
    }
}

/// PRI value of a syslog message: facility * 8 + severity.
public func syslogPRI(facility: Facility, severity: Severity) -> Int {
    facility.rawValue * 8 + severity.rawValue
}

/// How events map to severities. Defaults follow the monitor's contract: redundancy DOWN = crit,
/// DEGRADED = err (or warning), link down = warning, restored = notice, STP transitions = info.
public struct SeverityPolicy: Sendable, Equatable {
    /// Severity of a group going DEGRADED: `.err` (default) or `.warning`.
    public var degraded: Severity

    public init(degraded: Severity = .err) {
        self.degraded = degraded
    }

    public func redundancy(to state: RedundancyState, initial: Bool) -> Severity {
        switch state {
        case .down: return .crit
        case .degraded: return degraded
        case .ok: return initial ? .info : .notice
        }
    }
}
