import Testing
@testable import MonitorCore

@Suite struct SyslogServerTests {
    @Test func parsesUDPAndTCPURLs() throws {
        #expect(try SyslogServer(parsing: "udp://192.0.2.1:5514") == SyslogServer(transport: .udp, host: "192.0.2.1", port: 5514))
        #expect(try SyslogServer(parsing: "TCP://log.example.net") == SyslogServer(transport: .tcp, host: "log.example.net", port: 514))
        #expect(try SyslogServer(parsing: "tcp://[2001:db8::1]:6514").host == "2001:db8::1")
        #expect(try SyslogServer(parsing: "tcp://[2001:db8::1]:6514").description == "tcp://[2001:db8::1]:6514")
    }

    @Test func badURLsSayHowToFixThem() {
        for bad in ["192.0.2.1:514", "http://x:1", "udp://:514", "udp://x:0", "udp://x:port", "tcp://[::1"] {
            #expect(throws: SyslogServer.ParseError.self) { try SyslogServer(parsing: bad) }
        }
        do { _ = try SyslogServer(parsing: "udp://x:99999"); Issue.record("accepted") } catch {
            #expect("\(error)".contains("(fix: write udp://HOST:PORT or tcp://HOST:PORT"))
        }
    }
}
