import Testing
import Foundation
import Glibc
import MonitorCore
@testable import LinkMonitor
import TestSupport

private func event(_ n: Int, _ kind: EventKind = .linkDown, severity: Severity = .warning) -> MonitorEvent {
    MonitorEvent(time: Date(), event: kind, severity: severity, interface: "peth\(n)",
                 group: "xenbr0", from: "up", to: "down", counters: ["seq": n],
                 fields: ["note": #"a "quoted" ]value\"#])
}

private let format = SyslogFormat(facility: .local3, processID: Int(getpid()), hostname: "node1")

@Suite(.serialized) struct SyslogEmitterTests {
    @Test func rsyslogReceivesPRIAndStructuredDataOverUDPAndTCP() throws {
        guard try prerequisites(root: false, programs: ["rsyslogd"]) else { return }
        let rs = try Rsyslog()
        let udp = try UDPSyslogEmitter(host: "127.0.0.1", port: rs.udpPort, format: format)
        let tcp = TCPSyslogEmitter(host: "127.0.0.1", port: rs.tcpPort, format: format)
        udp.emit(event(1))
        tcp.emit(event(2, .redundancy, severity: .crit))
        let got = rs.waitForLines(2)
        tcp.close(timeout: 2); udp.close(timeout: 0)
        #expect(got.count == 2)
        let viaUDP = try #require(got.first { $0.contains("seq=\"1\"") })
        let viaTCP = try #require(got.first { $0.contains("seq=\"2\"") })
        // local3 (19) * 8 + warning (4) = 156; local3 * 8 + crit (2) = 154.
        #expect(viaUDP.hasPrefix("156|local3|warning|xg-scale|link-down|[xgscale@32473 "))
        #expect(viaTCP.hasPrefix("154|local3|crit|xg-scale|redundancy|[xgscale@32473 "))
        // rsyslog keeps the structured data as sent, escapes included.
        #expect(viaUDP.contains(#"event="link-down" severity="warning" from="up" group="xenbr0" interface="peth1" note="a \"quoted\" \]value\\" seq="1" to="down"]"#))
        #expect(viaUDP.hasSuffix("|peth1: link down"))
        #expect(viaTCP.hasSuffix("|group xenbr0: redundancy DOWN (was UP)"))
    }

    @Test func tcpLosesNothingAcrossAServerRestart() throws {
        guard try prerequisites(root: false, programs: ["rsyslogd"]) else { return }
        let rs = try Rsyslog()
        let tcp = TCPSyslogEmitter(host: "127.0.0.1", port: rs.tcpPort, format: format, maxBackoff: 0.2)
        defer { tcp.close(timeout: 1) }
        for n in 0..<50 { tcp.emit(event(n)) }
        #expect(rs.waitForLines(50, matching: { $0.contains("seq=") }).count == 50)
        // The server goes away; events keep coming while it is down.
        rs.stop()
        for n in 50..<120 { tcp.emit(event(n)) }
        try rs.start()
        for n in 120..<150 { tcp.emit(event(n)) }
        let got = rs.waitForLines(150, timeout: 15, matching: { $0.contains("seq=") })
        let seqs = got.compactMap { line -> Int? in
            guard let r = line.range(of: "seq=\"") else { return nil }
            return Int(line[r.upperBound...].prefix { $0.isNumber })
        }
        #expect(seqs == Array(0..<150), "every event exactly once, in order")
        #expect(tcp.connects >= 2)
        #expect(tcp.dropped == 0)
    }

    @Test func fullQueueDropsAreCountedAndReportedWhenDeliveryResumes() throws {
        guard try prerequisites(root: false, programs: ["rsyslogd"]) else { return }
        let rs = try Rsyslog()
        rs.stop()
        let tcp = TCPSyslogEmitter(host: "127.0.0.1", port: rs.tcpPort, format: format, capacity: 5,
                                   maxBackoff: 0.2)
        defer { tcp.close(timeout: 1) }
        for n in 0..<8 { tcp.emit(event(n)) }
        #expect(tcp.dropped == 3)
        try rs.start()
        let got = rs.waitForLines(6)
        #expect(got.filter { $0.contains("|link-down|") }.count == 5)
        let report = try #require(got.first { $0.contains("|events-dropped|") })
        #expect(report.contains(#"dropped="3""#))
        #expect(report.hasPrefix("155|local3|err|"))
        #expect(report.hasSuffix("3 events dropped while the syslog server was unreachable"))
    }

    @Test func localLineThroughRsyslogUnixSocket() throws {
        guard try prerequisites(root: false, programs: ["rsyslogd"]) else { return }
        let rs = try Rsyslog()
        let local = LocalSyslogEmitter(path: rs.socketPath, format: format)
        local.emit(event(7))
        let got = rs.waitForLines(1)
        local.close(timeout: 0)
        let line = try #require(got.first)
        #expect(line.hasPrefix("156|local3|warning|xg-scale|-|-|"))
        #expect(line.contains("peth7: link down event=link-down from=up group=xenbr0 interface=peth7"))
        #expect(line.contains("seq=7"))
        #expect(local.failures == 0)
    }
}

@Suite struct LocalSocketTests {
    @Test func localEmitterSendsTheSyslog3LineToAnInjectedSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xgt-log-\(getpid()).sock").path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd); unlink(path) }
        let addr = try Sockets.unixAddress(path)
        #expect(addr.withSockaddr { bind(fd, $0, $1) } == 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let f = SyslogFormat(facility: .daemon, processID: 99, hostname: "h", utcOffsetSeconds: 0)
        let local = LocalSyslogEmitter(path: path, format: f)
        let e = MonitorEvent(time: Date(timeIntervalSince1970: 1_795_189_150), event: .redundancy,
                             severity: .crit, group: "bond0", from: "degraded", to: "down")
        local.emit(e)
        var buf = [UInt8](repeating: 0, count: 2048)
        let n = recv(fd, &buf, buf.count, 0)
        #expect(n > 0)
        #expect(String(decoding: buf.prefix(max(n, 0)), as: UTF8.self)
                == "<26>Nov 20 15:39:10 xg-scale[99]: group bond0: redundancy DOWN (was DEGRADED) "
                + "event=redundancy from=degraded group=bond0 to=down")
        // No socket at the path: the line is lost and counted, as with syslog(3).
        let gone = LocalSyslogEmitter(path: path + ".none", format: f)
        gone.emit(e)
        #expect(gone.failures == 1)
    }
}
