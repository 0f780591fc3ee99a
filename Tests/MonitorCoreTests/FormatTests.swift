import Testing
import Foundation
import NodeNetwork
@testable import MonitorCore

@Suite struct FormatTests {
    // 2026-11-20T15:39:10.123456Z
    let t = Date(timeIntervalSince1970: 1_795_189_150.123456)

    @Test func rfc3339HasMicrosecondsAndUTC() {
        #expect(RFC3339.string(t) == "2026-11-20T15:39:10.123456Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        // Rounding to the microsecond carries into the next second.
        #expect(RFC3339.string(Date(timeIntervalSince1970: 951_782_399.9999997))
                == "2000-02-29T00:00:00.000000Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: 951_782_399.5)) == "2000-02-28T23:59:59.500000Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500000Z")
        // Agrees with Foundation's formatter on the whole seconds.
        let f = ISO8601DateFormatter()
        for s in stride(from: 0.0, to: 4_000_000_000, by: 123_456_789.0) {
            #expect(RFC3339.string(Date(timeIntervalSince1970: s)).replacingOccurrences(of: ".000000", with: "")
                    == f.string(from: Date(timeIntervalSince1970: s)))
        }
    }

    @Test func bsdStampPadsTheDayWithASpace() {
        #expect(RFC3339.bsdString(Date(timeIntervalSince1970: 1_793_869_387), utcOffsetSeconds: 0)
                == "Nov  5 09:03:07")
        #expect(RFC3339.bsdString(t, utcOffsetSeconds: 3600) == "Nov 20 16:39:10")
    }

    @Test func jsonLineContract() throws {
        let e = MonitorEvent(time: t, event: .redundancy, severity: .err, group: "xenbr0",
                             from: "ok", to: "degraded", counters: ["uplinks": 2, "usable": 1],
                             fields: ["kind": "stp"])
        let line = e.jsonLine()
        #expect(!line.contains("\n"))
        #expect(line == #"{"event":"redundancy","from":"ok","group":"xenbr0","kind":"stp","severity":"err","time":"2026-11-20T15:39:10.123456Z","to":"degraded","uplinks":2,"usable":1}"#)
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(obj["interface"] == nil)
        #expect(obj["usable"] as? Int == 1)
    }

    @Test func everyEventKindHasTheIssuesName() {
        let names = Set(EventKind.allCases.map(\.rawValue))
        for n in ["link-down", "link-up", "link-flapping", "stp-state", "topology-change",
                  "root-change", "bond-failover", "bond-slave", "redundancy", "resync"] {
            #expect(names.contains(n))
        }
        #expect(Severity.allCases.map(\.name).filter { ["crit", "err", "warning", "notice", "info"].contains($0) }.count == 5)
    }

    @Test func priFromFacilityAndSeverity() {
        #expect(syslogPRI(facility: .daemon, severity: .crit) == 26)
        #expect(syslogPRI(facility: .daemon, severity: .info) == 30)
        #expect(syslogPRI(facility: .local3, severity: .warning) == 156)
        #expect(Facility(name: "LOCAL7") == .local7)
        #expect(Facility(name: "nope") == nil)
    }

    @Test func localLineIsWhatSyslog3Sends() {
        let f = SyslogFormat(facility: .daemon, processID: 4242, hostname: "node1")
        let e = MonitorEvent(time: t, event: .linkDown, severity: .warning, interface: "peth0",
                             group: "xenbr0", from: "up", to: "down", counters: ["carrier-changes": 1])
        #expect(f.localLine(e) == "<28>Nov 20 15:39:10 xg-scale[4242]: peth0: link down event=link-down "
                + "carrier-changes=1 from=up group=xenbr0 interface=peth0 to=down")
    }

    @Test func keyValueQuoting() {
        let e = MonitorEvent(time: t, event: .groupConfig, severity: .err, group: "g",
                             fields: ["reason": #"uplink "x" is a=b"#])
        #expect(SyslogFormat.text(e).hasSuffix(#"reason="uplink \"x\" is a=b""#))
    }

    @Test func rfc5424WithStructuredData() {
        let f = SyslogFormat(facility: .local0, processID: 7, hostname: "node1")
        let e = MonitorEvent(time: t, event: .bondFailover, severity: .warning, interface: "bond0",
                             group: "bond0", from: "peth0", to: "peth1")
        #expect(f.rfc5424(e) == "<132>1 2026-11-20T15:39:10.123456Z node1 xg-scale 7 bond-failover "
                + #"[xgscale@32473 event="bond-failover" severity="warning" from="peth0" group="bond0" "#
                + #"interface="bond0" to="peth1"] bond0: failover peth0 -> peth1"#)
    }

    @Test func sdParamValuesAreEscaped() {
        #expect(SyslogFormat.escapeSDValue(#"a"b\c]d"#) == #"a\"b\\c\]d"#)
        let f = SyslogFormat(processID: 1, hostname: "")
        let e = MonitorEvent(time: t, event: .groupConfig, severity: .err, group: "g]1",
                             fields: ["reason": #"say "hi""#])
        let m = f.rfc5424(e)
        #expect(m.contains(#" group="g\]1""#))
        #expect(m.contains(#" reason="say \"hi\"""#))
        #expect(m.contains(" - xg-scale 1 group-config ["))  // empty hostname -> NILVALUE
        #expect(SyslogFormat.sdName("a b=c]d\"e" + String(repeating: "x", count: 40), fallback: "f").count == 32)
    }

    @Test func octetCountingCountsBytesNotCharacters() {
        #expect(SyslogFormat.octetCounted("<30>1 x") == Array("7 <30>1 x".utf8))
        #expect(SyslogFormat.octetCounted("é") == Array("2 é".utf8))
    }

    @Test func metricsText() {
        var s = bondNode(active: "peth1", carrier0: false)
        s.interfaces.append(contentsOf: stpNode().interfaces.filter { $0.name == "xenbr0" })
        s.interfaces.append(Interface(name: "p2", kind: .device, master: "xenbr0",
                                      port: BridgePortSettings(state: .blocking), carrier: true))
        let groups = Redundancy.statuses(in: s, profile: nil)
        let text = MetricsText.render(state: s, groups: groups, flapping: ["peth0"],
                                      links: { $0.kind == .device }, droppedEvents: 3)
        #expect(text.contains("xgscale_link_carrier{interface=\"peth0\"} 0\n"))
        #expect(text.contains("xgscale_link_carrier{interface=\"peth1\"} 1\n"))
        #expect(text.contains("xgscale_link_carrier_changes_total{interface=\"peth0\"} 2\n"))
        #expect(text.contains("xgscale_link_flapping{interface=\"peth0\"} 1\n"))
        #expect(text.contains("xgscale_stp_port_state{bridge=\"xenbr0\",interface=\"p2\"} 4\n"))
        #expect(text.contains("xgscale_bond_active_slave{bond=\"bond0\",slave=\"peth0\"} 0\n"))
        #expect(text.contains("xgscale_bond_active_slave{bond=\"bond0\",slave=\"peth1\"} 1\n"))
        #expect(text.contains("xgscale_redundancy_state{group=\"bond0\",kind=\"bond\"} 1\n"))
        #expect(text.contains("xgscale_redundancy_state{group=\"xenbr0\",kind=\"stp\"} 1\n"))
        #expect(text.contains("xgscale_monitor_events_dropped_total 3\n"))
        #expect(text.contains("# TYPE xgscale_link_carrier_changes_total counter\n"))
    }
}
