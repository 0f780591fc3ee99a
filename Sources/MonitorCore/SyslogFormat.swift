// Syslog wire formats, as pure functions: the local RFC 3164-style line that syslog(3) sends to
// /dev/log, RFC 5424 for remote servers, and RFC 6587 octet-counting for TCP.
import Foundation

public struct SyslogFormat: Sendable {
    /// Private SD-ID of the structured data: 32473 is the IANA Private Enterprise Number
    /// reserved for documentation (RFC 5612). A site with its own PEN passes its own.
    public static let defaultSDID = "xgscale@32473"

    public var facility: Facility
    public var appName: String
    public var processID: Int
    /// HOSTNAME field of RFC 5424 (the local syslog daemon adds its own for RFC 3164).
    public var hostname: String
    public var sdID: String
    /// Seconds east of UTC for the local RFC 3164 stamp (syslog(3) writes local time).
    public var utcOffsetSeconds: Int

    public init(facility: Facility = .daemon, appName: String = "xg-scale", processID: Int,
                hostname: String, sdID: String = SyslogFormat.defaultSDID, utcOffsetSeconds: Int = 0) {
        self.facility = facility; self.appName = appName; self.processID = processID
        self.hostname = hostname; self.sdID = sdID; self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// Human text with key=value fields: "peth0: link down event=link-down interface=peth0 ...".
    public static func text(_ e: MonitorEvent) -> String {
        var parts = [e.summary, "event=\(e.event.rawValue)"]
        for (k, v) in e.parameters { parts.append("\(k)=\(quoteIfNeeded(v))") }
        return parts.joined(separator: " ")
    }

    static func quoteIfNeeded(_ v: String) -> String {
        if !v.isEmpty && !v.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" }) {
            return v
        }
        return "\"" + v.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// What syslog(3) sends to /dev/log: "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG".
    public func localLine(_ e: MonitorEvent) -> String {
        "<\(syslogPRI(facility: facility, severity: e.severity))>"
            + RFC3339.bsdString(e.time, utcOffsetSeconds: utcOffsetSeconds)
            + " \(appName)[\(processID)]: " + Self.text(e)
    }

    /// RFC 5424: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG", MSGID = event name.
    public func rfc5424(_ e: MonitorEvent) -> String {
        var sd = "[\(Self.sdName(sdID, fallback: "xgscale@32473"))"
        sd += " event=\"\(Self.escapeSDValue(e.event.rawValue))\""
        sd += " severity=\"\(e.severity.name)\""
        for (k, v) in e.parameters {
            sd += " \(Self.sdName(k, fallback: "x"))=\"\(Self.escapeSDValue(v))\""
        }
        sd += "]"
        return "<\(syslogPRI(facility: facility, severity: e.severity))>1 "
            + RFC3339.string(e.time) + " "
            + Self.headerField(hostname, max: 255) + " "
            + Self.headerField(appName, max: 48) + " "
            + Self.headerField(String(processID), max: 128) + " "
            + Self.headerField(e.event.rawValue, max: 32) + " "
            + sd + " " + e.summary
    }

    /// PARAM-VALUE escaping (RFC 5424 6.3.3): '"', '\' and ']' get a backslash.
    public static func escapeSDValue(_ v: String) -> String {
        var out = ""
        for ch in v {
            if ch == "\"" || ch == "\\" || ch == "]" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// SD-NAME: 1-32 printable US-ASCII characters except '=', ' ', ']', '"'.
    public static func sdName(_ s: String, fallback: String) -> String {
        let kept = s.unicodeScalars.filter {
            $0.value >= 33 && $0.value <= 126 && $0 != "=" && $0 != "]" && $0 != "\""
        }
        let name = String(String.UnicodeScalarView(kept.prefix(32)))
        return name.isEmpty ? fallback : name
    }

    /// A header field: printable US-ASCII without spaces, at most `max` characters, "-" if empty.
    static func headerField(_ s: String, max: Int) -> String {
        let kept = s.unicodeScalars.filter { $0.value >= 33 && $0.value <= 126 }
        let v = String(String.UnicodeScalarView(kept.prefix(max)))
        return v.isEmpty ? "-" : v
    }

    /// RFC 6587 octet-counting frame: "LEN SP MSG", LEN the byte count of MSG.
    public static func octetCounted(_ message: String) -> [UInt8] {
        let body = Array(message.utf8)
        return Array("\(body.count) ".utf8) + body
    }
}
