// Issue 14 on the real kernel: `xg-scale monitor` without a profile on the two-switch lab,
// whose uplinks are veths with their peers in the switch namespace.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct DiscoveryKernelTests {
    /// Redundancy OK at start (no "0 uplink(s)", nothing at crit); cutting the active uplink
    /// at its switch is a link-down at warning (JSON and a real rsyslogd) and DEGRADED;
    /// restoring it is OK again; peth1 deleted and created again (a new ifindex) is followed.
    @Test func twoSwitchLabWithoutAProfile() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "rsyslogd"]) else { return }
        let topology = try TwoSwitches(tag: "disc")
        defer { topology.close() }
        #expect(try topology.waitConverged(), "STP did not converge")
        let syslog = try Rsyslog(namespace: topology.node.name)
        defer { syslog.stop() }
        let monitor = try MonitorRun(topology.node, [
            "--json", "--no-local-syslog", "--topology-poll", "0.5",
            "--syslog-server", "udp://127.0.0.1:\(syslog.udpPort)"])
        defer { monitor.stop() }
        let initial = monitor.wait(timeout: 10) { $0.event == "redundancy" && $0.group == "xenbr0" }
        try #require(initial?.to == "ok", "initial: \(monitor.events) stderr: \(monitor.stderr)")
        #expect(initial?.raw["uplinks"] as? Int == 2 && initial?.raw["usable"] as? Int == 2)
        #expect(!monitor.events.contains { $0.event == "group-config" || $0.severity == "crit" }, "\(monitor.events)")

        // Cut peth0 at switch1.
        let cutMark = monitor.events.count
        try topology.setSwitchPort("peth0", up: false)
        let down = monitor.wait(timeout: 10, after: cutMark) { $0.event == "link-down" && $0.interface == "peth0" }
        #expect(down?.severity == "warning" && down?.group == "xenbr0", "\(monitor.events[cutMark...])")
        let degraded = monitor.wait(timeout: 10, after: cutMark) { $0.event == "redundancy" && $0.group == "xenbr0" }
        #expect(degraded?.from == "ok" && degraded?.to == "degraded", "\(monitor.events[cutMark...])")
        // The real syslog server got the cut at warning (daemon = 3: PRI 28), not info.
        let lines = syslog.waitForLines(1) {
            $0.hasPrefix("28|daemon|warning|xg-scale|link-down|") && $0.contains("interface=\"peth0\"")
        }
        #expect(lines.count == 1, "rsyslog: \(syslog.lines)")
        #expect(!syslog.lines.contains { $0.contains("|link-down|") && $0.contains("|info|") })

        let restoreMark = monitor.events.count
        try topology.setSwitchPort("peth0", up: true)
        let ok = monitor.wait(timeout: 10, after: restoreMark) { $0.event == "redundancy" && $0.group == "xenbr0" }
        #expect(ok?.from == "degraded" && ok?.to == "ok", "\(monitor.events[restoreMark...])")

        // peth1 deleted (with its switch end) and created again: a new ifindex, same name.
        let oldIndex = try ifindex(topology.node, "peth1")
        let deleteMark = monitor.events.count
        try topology.node.exec(["ip", "link", "del", "peth1"])
        let lost = monitor.wait(timeout: 10, after: deleteMark) { $0.event == "redundancy" && $0.group == "xenbr0" }
        #expect(lost?.to == "degraded", "\(monitor.events[deleteMark...])")
        let createMark = monitor.events.count
        try topology.switches.exec(["sh", "-ec", """
            ip link add sw2p1 type veth peer name peth1 netns \(topology.node.name)
            ip link set sw2p1 master switch2
            ip link set sw2p1 up
            """])
        try topology.node.exec(["sh", "-ec", "ip link set peth1 master xenbr0; ip link set peth1 up"])
        #expect(try ifindex(topology.node, "peth1") != oldIndex)
        let back = monitor.wait(timeout: 15, after: createMark) { $0.event == "redundancy" && $0.group == "xenbr0" }
        #expect(back?.to == "ok", "\(monitor.events[createMark...]) stderr: \(monitor.stderr)")
        let cutAgain = monitor.events.count
        try topology.setSwitchPort("peth1", up: false)
        let down1 = monitor.wait(timeout: 10, after: cutAgain) { $0.event == "link-down" && $0.interface == "peth1" }
        #expect(down1?.severity == "warning", "\(monitor.events[cutAgain...])")

        #expect(monitor.badLines.isEmpty)
        monitor.process.signal(SIGTERM)
        #expect(monitor.process.waitForExit(timeout: 5) == 0, "stderr: \(monitor.stderr)")
    }

    func ifindex(_ ns: Namespace, _ name: String) throws -> Int? {
        let r = try ns.exec(["ip", "-j", "link", "show", "dev", name])
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        return list?.first?["ifindex"] as? Int
    }
}
