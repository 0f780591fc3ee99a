// The monitor's events and their JSON-lines contract.
//
// Contract (extend, never rename): one JSON object per line with
//   time      RFC 3339 UTC with microseconds, e.g. "2026-11-20T15:39:10.123456Z"
//   event     one of EventKind's raw values
//   severity  syslog name: crit, err, warning, notice, info
//   interface, group   where they apply
//   from, to  for changes
//   counters  as integer members (carrier-changes, flaps, dropped, ...)
//   fields    further string members (bridge, bond, reason, kind, ...)
import Foundation

public enum EventKind: String, Sendable, CaseIterable, Codable {
    case linkDown = "link-down"
    case linkUp = "link-up"
    case linkFlapping = "link-flapping"
    case stpState = "stp-state"
    case topologyChange = "topology-change"
    case rootChange = "root-change"
    case bondFailover = "bond-failover"
    case bondSlave = "bond-slave"
    case redundancy
    case resync
    /// A profile group is missing or misconfigured (extension of the issue's list).
    case groupConfig = "group-config"
    /// Events were dropped because the remote syslog queue was full (reported on resumption).
    case eventsDropped = "events-dropped"
    /// 802.3ad: the LACP partner (system MAC or key) of a bond changed.
    case lacpPartner = "lacp-partner"
    /// 802.3ad: the bond's active aggregator changed (id or number of ports).
    case lacpAggregator = "lacp-aggregator"
    /// 802.3ad: a slave left (or joined) the bond's active aggregator.
    case lacpSlave = "lacp-slave"
    /// 802.3ad: a slave's churn machine says churned (or no longer).
    case lacpChurn = "lacp-churn"
    /// The ARP monitor judged a slave down (or up) while its carrier stayed up.
    case arpLink = "arp-link"
}

public struct MonitorEvent: Sendable, Equatable {
    /// Members with a fixed meaning; counters and fields may not reuse them.
    public static let reservedKeys: Set<String> = ["time", "event", "severity", "interface", "group",
                                                   "from", "to"]

    public var time: Date
    public var event: EventKind
    public var severity: Severity
    public var interface: String?
    public var group: String?
    public var from: String?
    public var to: String?
    public var counters: [String: Int]
    public var fields: [String: String]

    public init(time: Date, event: EventKind, severity: Severity, interface: String? = nil,
                group: String? = nil, from: String? = nil, to: String? = nil,
                counters: [String: Int] = [:], fields: [String: String] = [:]) {
        precondition(Set(counters.keys).isDisjoint(with: MonitorEvent.reservedKeys)
                     && Set(fields.keys).isDisjoint(with: MonitorEvent.reservedKeys)
                     && Set(fields.keys).isDisjoint(with: counters.keys),
                     "counter or field name collides with a contract key")
        self.time = time; self.event = event; self.severity = severity
        self.interface = interface; self.group = group; self.from = from; self.to = to
        self.counters = counters; self.fields = fields
    }

    /// All members except time, event and severity, sorted by key: the key=value fields of the
    /// syslog line and the structured data of RFC 5424.
    public var parameters: [(key: String, value: String)] {
        var p: [(String, String)] = []
        if let interface { p.append(("interface", interface)) }
        if let group { p.append(("group", group)) }
        if let from { p.append(("from", from)) }
        if let to { p.append(("to", to)) }
        for (k, v) in counters { p.append((k, String(v))) }
        for (k, v) in fields { p.append((k, v)) }
        return p.sorted { $0.0 < $1.0 }.map { (key: $0.0, value: $0.1) }
    }

    /// One line of JSON (no newline), keys sorted.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    /// A short human sentence for syslog, e.g. "peth0: link down".
    public var summary: String {
        let i = interface ?? "?", g = group ?? "?"
        switch event {
        case .linkDown:
            return counters["carrier-changes", default: 1] > 1
                ? "\(i): link down (\(counters["carrier-changes"]!) carrier changes merged)"
                : "\(i): link down"
        case .linkUp:
            return counters["carrier-changes", default: 1] > 1
                ? "\(i): link up (\(counters["carrier-changes"]!) carrier changes merged)"
                : "\(i): link up"
        case .linkFlapping:
            if to == "flapping" {
                return "\(i): link flapping (\(counters["flaps"] ?? 0) carrier changes), further changes suppressed"
            }
            return "\(i): link stable again after \(counters["flaps"] ?? 0) carrier changes, carrier \(fields["carrier"] ?? "?")"
        case .stpState:
            return "\(g) port \(i): STP \(from ?? "?") -> \(to ?? "?")"
        case .topologyChange:
            return "\(g): STP topology change"
        case .rootChange:
            return "\(g): STP root changed \(from ?? "-") -> \(to ?? "-")"
        case .bondFailover:
            return "\(g): failover \(from ?? "none") -> \(to ?? "none")"
        case .bondSlave:
            return "\(g) slave \(i): MII \(from ?? "?") -> \(to ?? "?")"
        case .redundancy:
            let state = (to ?? "?").uppercased()
            if let from { return "group \(g): redundancy \(state) (was \(from.uppercased()))" }
            return "group \(g): redundancy \(state)"
        case .resync:
            return "netlink receive buffer overrun: full state re-read, changes follow"
        case .groupConfig:
            return "group \(g): \(fields["reason"] ?? "misconfigured")"
        case .eventsDropped:
            return "\(counters["dropped"] ?? 0) events dropped while the syslog server was unreachable"
        case .lacpPartner, .lacpAggregator, .lacpSlave, .lacpChurn, .arpLink:
            return bondStateSummary
        }
    }
}

extension MonitorEvent: Encodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(RFC3339.string(time), forKey: Key("time"))
        try c.encode(event.rawValue, forKey: Key("event"))
        try c.encode(severity.name, forKey: Key("severity"))
        try c.encodeIfPresent(interface, forKey: Key("interface"))
        try c.encodeIfPresent(group, forKey: Key("group"))
        try c.encodeIfPresent(from, forKey: Key("from"))
        try c.encodeIfPresent(to, forKey: Key("to"))
        for (k, v) in counters { try c.encode(v, forKey: Key(k)) }
        for (k, v) in fields { try c.encode(v, forKey: Key(k)) }
    }
}

/// Calendar arithmetic without locale or time zone database: RFC 3339 and RFC 3164 stamps.
public enum RFC3339 {
    /// Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    struct Parts { var year, month, day, hour, minute, second, micro: Int }

    static func parts(_ date: Date, offsetSeconds: Int = 0) -> Parts {
        // Whole microseconds since the epoch, rounded, so 0.9999996 s carries into the next second.
        let totalMicro = Int((date.timeIntervalSince1970 * 1_000_000).rounded())
            + offsetSeconds * 1_000_000
        var secs = totalMicro / 1_000_000
        var micro = totalMicro % 1_000_000
        if micro < 0 { micro += 1_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civil(days: days)
        return Parts(year: y, month: m, day: d, hour: rem / 3600, minute: rem % 3600 / 60,
                     second: rem % 60, micro: micro)
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// "2026-11-20T15:39:10.123456Z".
    public static func string(_ date: Date) -> String {
        let p = parts(date)
        return "\(pad(p.year, 4))-\(pad(p.month, 2))-\(pad(p.day, 2))T\(pad(p.hour, 2)):"
            + "\(pad(p.minute, 2)):\(pad(p.second, 2)).\(pad(p.micro, 6))Z"
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                         "Nov", "Dec"]

    /// RFC 3164 / syslog(3) stamp in local time: "Nov  5 09:03:07" (day padded with a space).
    public static func bsdString(_ date: Date, utcOffsetSeconds: Int) -> String {
        let p = parts(date, offsetSeconds: utcOffsetSeconds)
        let day = p.day < 10 ? " \(p.day)" : "\(p.day)"
        return "\(months[p.month - 1]) \(day) \(pad(p.hour, 2)):\(pad(p.minute, 2)):\(pad(p.second, 2))"
    }
}
