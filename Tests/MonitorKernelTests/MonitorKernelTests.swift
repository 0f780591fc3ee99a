// `xg-scale monitor` on the real kernel: the seed's two-switch topology in throwaway namespaces,
// the binary under `ip netns exec`, a real rsyslogd on the node namespace's loopback.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct MonitorKernelTests {
    /// Cut the active uplink: link-down, redundancy OK -> DEGRADED, the blocked port listening ->
    /// learning -> forwarding; restore: link-up, DEGRADED -> OK. The same events reach a real
    /// rsyslogd over UDP and TCP (RFC 5424, PRI of facility local3, structured data), and a
    /// restart of rsyslogd between the cut and the restore loses nothing on TCP.
    @Test func cutAndRestoreTheActiveUplink() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "ss", "rsyslogd"]) else { return }
        let topology = try TwoSwitches(tag: "mon")
        defer { topology.close() }
        #expect(try topology.waitConverged(), "STP did not converge")
        let syslog = try Rsyslog(namespace: topology.node.name)
        defer { syslog.stop() }
        let profile = try writeProfile(stpProfile)
        defer { try? FileManager.default.removeItem(at: profile) }
        let monitor = try MonitorRun(topology.node, [
            "--json", "--no-local-syslog", "--profile", profile.path, "--topology-poll", "0.5",
            "--facility", "local3",
            "--syslog-server", "udp://127.0.0.1:\(syslog.udpPort)",
            "--syslog-server", "tcp://127.0.0.1:\(syslog.tcpPort)"])
        defer { monitor.stop() }
        let initial = monitor.wait(timeout: 10) { $0.event == "redundancy" && $0.group == "xenbr0" }
        try #require(initial?.to == "ok", "initial: \(String(describing: initial)) stderr: \(monitor.stderr)")
        #expect(initial?.from == nil)

        // Cut peth0 at switch1.
        let cutMark = monitor.events.count
        try topology.setSwitchPort("peth0", up: false)
        let forwarding = monitor.wait(timeout: 15, after: cutMark) {
            $0.event == "stp-state" && $0.interface == "peth1" && $0.to == "forwarding"
        }
        let afterCut = Array(monitor.events[cutMark...])
        #expect(forwarding != nil, "after the cut: \(afterCut)")
        let linkDown = afterCut.firstIndex { $0.event == "link-down" && $0.interface == "peth0" }
        let degraded = afterCut.firstIndex { $0.event == "redundancy" && $0.group == "xenbr0" }
        let learning = afterCut.firstIndex { $0.event == "stp-state" && $0.interface == "peth1" && $0.to == "learning" }
        let peth1 = transitions(afterCut.filter { $0.event == "stp-state" && $0.interface == "peth1" }.compactMap(\.to))
        #expect(isSubsequence(["listening", "learning", "forwarding"], of: peth1), "peth1: \(peth1)")
        #expect(afterCut.first { $0.event == "stp-state" && $0.interface == "peth1" }?.from == "blocking")
        if let linkDown, let degraded, let learning {
            #expect(linkDown < degraded, "\(afterCut)")
            #expect(degraded < learning, "\(afterCut)")
            #expect(afterCut[linkDown].severity == "warning")
            #expect(afterCut[linkDown].group == "xenbr0")
            #expect(afterCut[degraded].from == "ok" && afterCut[degraded].to == "degraded")
            #expect(afterCut[degraded].severity == "err")
            #expect(afterCut[degraded].raw["usable"] as? Int == 1 && afterCut[degraded].raw["uplinks"] as? Int == 2)
            #expect(afterCut[learning].severity == "info")
        } else {
            Issue.record("missing link-down, redundancy or learning: \(afterCut)")
        }
        // No second redundancy change while peth1 takes over: it stays DEGRADED.
        #expect(afterCut.filter { $0.event == "redundancy" }.count == 1, "\(afterCut)")
        // The root port moved to peth1: the topology poll reads the bridge (the kernel never
        // tells); peth0 is disabled.
        #expect(afterCut.contains { $0.event == "stp-state" && $0.interface == "peth0" && $0.to == "disabled" })

        // rsyslogd got them over UDP and TCP: local3 = 19, err = 3 -> PRI 155; warning -> 156.
        let degradedLines = syslog.waitForLines(2) {
            $0.hasPrefix("155|local3|err|xg-scale|redundancy|[xgscale@32473 ") && $0.contains("group=\"xenbr0\"")
                && $0.contains("from=\"ok\"") && $0.contains("to=\"degraded\"")
        }
        #expect(degradedLines.count == 2, "rsyslog: \(syslog.lines)")
        let downLines = syslog.waitForLines(2) {
            $0.hasPrefix("156|local3|warning|xg-scale|link-down|") && $0.contains("interface=\"peth0\"")
                && $0.contains("carrier-changes=\"")
        }
        #expect(downLines.count == 2, "rsyslog: \(syslog.lines)")
        #expect(syslog.waitForLines(2) { $0.hasPrefix("158|local3|info|xg-scale|stp-state|") && $0.contains("interface=\"peth1\"") && $0.contains("to=\"forwarding\"") }.count == 2)

        // The server restarts; then restore peth0.
        try syslog.restart()
        let restoreMark = monitor.events.count
        try topology.setSwitchPort("peth0", up: true)
        let ok = monitor.wait(timeout: 15, after: restoreMark) { $0.event == "redundancy" && $0.group == "xenbr0" }
        let afterRestore = Array(monitor.events[restoreMark...])
        #expect(ok?.from == "degraded" && ok?.to == "ok", "\(afterRestore)")
        #expect(ok?.severity == "notice")
        let linkUp = afterRestore.firstIndex { $0.event == "link-up" && $0.interface == "peth0" }
        #expect(linkUp != nil, "\(afterRestore)")
        #expect(afterRestore.first { $0.event == "link-up" }?.severity == "notice")
        // local3 notice -> 157: at least the TCP copy arrives after the restart.
        let okLines = syslog.waitForLines(1) {
            $0.hasPrefix("157|local3|notice|xg-scale|redundancy|") && $0.contains("from=\"degraded\"") && $0.contains("to=\"ok\"")
        }
        #expect(okLines.count >= 1, "rsyslog: \(syslog.lines.suffix(10))")

        #expect(monitor.events.allSatisfy { isContractTime($0.time) })
        #expect(monitor.badLines.isEmpty, "\(monitor.badLines)")
        monitor.process.signal(SIGTERM)
        #expect(monitor.process.waitForExit(timeout: 5) == 0, "stderr: \(monitor.stderr)")
    }

    /// SIGTERM stops it promptly with exit status 0, after delivering what it had to say.
    @Test func sigtermStopsCleanlyWithEventsFlushed() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "ss", "rsyslogd"]) else { return }
        let topology = try TwoSwitches(tag: "term")
        defer { topology.close() }
        let syslog = try Rsyslog(namespace: topology.node.name)
        defer { syslog.stop() }
        let profile = try writeProfile(stpProfile)
        defer { try? FileManager.default.removeItem(at: profile) }
        let monitor = try MonitorRun(topology.node, [
            "--json", "--no-local-syslog", "--profile", profile.path,
            "--syslog-server", "tcp://127.0.0.1:\(syslog.tcpPort)"])
        defer { monitor.stop() }
        #expect(monitor.wait(timeout: 10) { $0.event == "redundancy" } != nil, "stderr: \(monitor.stderr)")
        try topology.setSwitchPort("peth1", up: false)
        let down = monitor.wait(timeout: 10) { $0.event == "link-down" && $0.interface == "peth1" }
        #expect(down != nil)
        // At once, while the TCP copy may still be queued.
        let t0 = Date()
        monitor.process.signal(SIGTERM)
        let status = monitor.process.waitForExit(timeout: 5)
        #expect(status == 0, "stderr: \(monitor.stderr)")
        #expect(Date().timeIntervalSince(t0) < 2.5)
        #expect(monitor.stderr.isEmpty, "\(monitor.stderr)")
        let lines = syslog.waitForLines(1, timeout: 5) { $0.contains("|link-down|") && $0.contains("interface=\"peth1\"") }
        #expect(lines.count == 1, "rsyslog: \(syslog.lines)")
    }

    /// `--oneshot`: 0 with both uplinks up, 1 with one cut, 2 with both cut; `--json` gives the
    /// same as one object.
    @Test func oneshotExitCodesFollowTheUplinks() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let topology = try TwoSwitches(tag: "one")
        defer { topology.close() }
        let profile = try writeProfile(stpProfile)
        defer { try? FileManager.default.removeItem(at: profile) }
        func oneshot(json: Bool = false, discover: Bool = false) throws -> ProcessResult {
            try topology.node.run([xgScaleBinary(), "monitor", "--oneshot"] + (json ? ["--json"] : [])
                                  + (discover ? [] : ["--profile", profile.path]))
        }
        var r = try oneshot()
        #expect(try waitUntil(timeout: 5) { r = try oneshot(); return r.status == 0 }, "\(r)")
        #expect(r.stdout.hasPrefix("REDUNDANCY OK - xenbr0 OK\n"), "\(r.stdout)")
        #expect(r.stdout.contains("2/2 uplinks usable [peth0, peth1]"))
        #expect(r.stderr.isEmpty)

        try topology.setSwitchPort("peth0", up: false)
        #expect(try waitUntil(timeout: 5) { r = try oneshot(); return r.status == 1 }, "\(r)")
        #expect(r.stdout.hasPrefix("REDUNDANCY DEGRADED - xenbr0 DEGRADED\n"), "\(r.stdout)")
        #expect(r.stdout.contains("[peth0 unusable, peth1]"))
        let j = try oneshot(json: true)
        #expect(j.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "degraded")
        let groups = object["groups"] as? [[String: Any]] ?? []
        #expect(groups.first?["name"] as? String == "xenbr0")
        #expect(groups.first?["usable"] as? [String] == ["peth1"])

        try topology.setSwitchPort("peth1", up: false)
        #expect(try waitUntil(timeout: 5) { r = try oneshot(); return r.status == 2 }, "\(r)")
        #expect(r.stdout.hasPrefix("REDUNDANCY DOWN - xenbr0 DOWN\n"), "\(r.stdout)")

        // Without a profile discovery finds the same group: the veth uplinks' peers live in
        // the switch namespace. Both cut: DOWN, naming both.
        let d = try oneshot(discover: true)
        #expect(d.status == 2)
        #expect(d.stdout.contains("0/2 uplinks usable [peth0 unusable, peth1 unusable]"), "\(d.stdout)")
    }

    /// A profile whose group the node lacks: `--oneshot` says DOWN naming what is missing; the
    /// daemon reports it as a group-config event at once; a misconfigured group too.
    @Test func profileWithAMissingOrMisconfiguredGroup() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let topology = try TwoSwitches(tag: "prof")
        defer { topology.close() }
        let bond = try writeProfile("""
            version: 1
            redundancy: bond
            uplinks: [peth0, peth1]
            bridge: {name: xenbr0, stp: off}
            bond: {name: bond0, mode: active-backup, miimon: 100}
            host: {}

            """)
        defer { try? FileManager.default.removeItem(at: bond) }
        let r = try topology.node.run([xgScaleBinary(), "monitor", "--oneshot", "--profile", bond.path])
        #expect(r.status == 2, "\(r)")
        #expect(r.stdout.hasPrefix("REDUNDANCY DOWN - bond0 DOWN\n"), "\(r.stdout)")
        #expect(r.stdout.contains("missing: no interface bond0 on this node"), "\(r.stdout)")

        let wrongUplink = try writeProfile(stpProfile.replacingOccurrences(of: "[peth0, peth1]", with: "[peth0, peth2]"))
        defer { try? FileManager.default.removeItem(at: wrongUplink) }
        let monitor = try MonitorRun(topology.node, ["--json", "--no-local-syslog", "--profile", wrongUplink.path])
        defer { monitor.stop() }
        let config = monitor.wait(timeout: 10) { $0.event == "group-config" }
        #expect(config?.group == "xenbr0", "stderr: \(monitor.stderr)")
        #expect(config?.severity == "err")
        #expect(config?.raw["reason"] as? String == "missing: uplink peth2 does not exist")

        // Bad input: one error naming the file and line, exit 1, nothing on stdout.
        let broken = try writeProfile("version: 1\nredundancy: ring\n")
        defer { try? FileManager.default.removeItem(at: broken) }
        let b = try topology.node.run([xgScaleBinary(), "monitor", "--oneshot", "--profile", broken.path])
        #expect(b.status == 1)
        #expect(b.stdout.isEmpty)
        #expect(b.stderr.contains("\(broken.path):2:"), "\(b.stderr)")
    }

    /// A tiny receive buffer and 50 veths flapping at once: the monitor logs `resync`, and once
    /// the links are quiet its metrics file says what the kernel says, link by link.
    @Test func overrunResyncsToTheKernelsState() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("monovr")
        defer { ns.close() }
        let count = 50
        try ns.addVethPairs(count)
        try ns.assertNoDefaultRoute()
        // In a directory of our own: /tmp is writable by others, which the monitor refuses.
        let dir = try privateDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let metrics = dir.appendingPathComponent("m.prom")
        let monitor = try MonitorRun(ns, ["--json", "--no-local-syslog", "--all-links", "--receive-buffer", "1024",
                                          "--flap-threshold", "1000", "--metrics-file", metrics.path])
        defer { monitor.stop() }
        #expect(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: metrics.path) }, "stderr: \(monitor.stderr)")

        let flaps = peerFlaps(count: count)
        var rounds = 0
        repeat {
            try ns.exec(["ip", "-batch", "-"], input: flaps)
            rounds += 1
        } while monitor.wait(timeout: 2, { $0.event == "resync" }) == nil && rounds < 5
        let resync = monitor.events.first { $0.event == "resync" }
        #expect(resync?.severity == "notice", "no resync after \(rounds) rounds; stderr: \(monitor.stderr)")
        #expect((resync?.raw["interfaces"] as? Int ?? 0) >= 2 * count)
        // Leave some links without carrier so the final state is not the initial one.
        try ns.exec(["ip", "-batch", "-"], input: "link set p7 down\nlink set p19 down\n")

        func kernel() throws -> [String: (carrier: Int, changes: Int)] {
            try ns.vethCarriers().mapValues { ($0.carrier, $0.up + $0.down) }
        }
        func mine() -> [String: (carrier: Int, changes: Int)] {
            let text = (try? String(contentsOf: metrics, encoding: .utf8)) ?? ""
            var carrier: [String: Int] = [:], changes: [String: Int] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""),
                      let value = Int(line.split(separator: " ").last ?? "") else { continue }
                let name = String(line[line.index(after: open)..<close])
                if line.hasPrefix("xgscale_link_carrier{") { carrier[name] = value }
                if line.hasPrefix("xgscale_link_carrier_changes_total{") { changes[name] = value }
            }
            var result: [String: (Int, Int)] = [:]
            for (name, c) in carrier where name.hasPrefix("v") { result[name] = (c, changes[name] ?? -1) }
            return result
        }
        var k: [String: (carrier: Int, changes: Int)] = [:], m: [String: (carrier: Int, changes: Int)] = [:]
        let equal = try waitUntil(timeout: 10, interval: 0.1) {
            k = try kernel(); m = mine()
            return k.count == count && k.keys.sorted() == m.keys.sorted()
                && k.allSatisfy { m[$0.key]?.carrier == $0.value.carrier && m[$0.key]?.changes == $0.value.changes }
        }
        let diff = k.keys.sorted().filter { m[$0]?.carrier != k[$0]?.carrier || m[$0]?.changes != k[$0]?.changes }
            .map { "\($0): kernel \(k[$0]!) monitor \(String(describing: m[$0]))" }
        #expect(equal, "differs: \(diff)")
        #expect(m["v7"]?.carrier == 0 && m["v19"]?.carrier == 0 && m["v8"]?.carrier == 1)
        // And --oneshot's fresh read agrees (no group here: DOWN, exit 2).
        #expect(try ns.run([xgScaleBinary(), "monitor", "--oneshot"]).status == 2)
        #expect(monitor.badLines.isEmpty)
    }
}
