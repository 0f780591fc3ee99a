// `--syslog-server udp://HOST:PORT` / `tcp://HOST:PORT`, parsed.

public struct SyslogServer: Sendable, Equatable, CustomStringConvertible {
    public enum Transport: String, Sendable { case udp, tcp }
    public var transport: Transport
    public var host: String
    public var port: Int

    public init(transport: Transport, host: String, port: Int) {
        self.transport = transport; self.host = host; self.port = port
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// "udp://HOST:PORT", "tcp://HOST:PORT", "tcp://[2001:db8::1]:6514"; the port defaults to 514.
    public init(parsing text: String) throws {
        let fix = "(fix: write udp://HOST:PORT or tcp://HOST:PORT, e.g. tcp://192.0.2.1:514)"
        guard let sep = text.range(of: "://"),
              let t = Transport(rawValue: String(text[..<sep.lowerBound]).lowercased()) else {
            throw ParseError(description: "syslog server '\(text)' has no udp:// or tcp:// scheme \(fix)")
        }
        var rest = Substring(text[sep.upperBound...])
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var host: Substring
        var portText: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw ParseError(description: "syslog server '\(text)': unclosed '[' \(fix)")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw ParseError(description: "syslog server '\(text)': junk after ']' \(fix)")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]; portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw ParseError(description: "syslog server '\(text)' has no host \(fix)") }
        var port = 514
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw ParseError(description: "syslog server '\(text)': port '\(portText)' is not 1-65535 \(fix)")
            }
            port = p
        }
        self.init(transport: t, host: String(host), port: port)
    }

    public var description: String {
        "\(transport.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
