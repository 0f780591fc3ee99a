// The kernel event source on the real kernel: `link-watch` (the LinkEventStream as JSON lines)
// runs under `ip netns exec` in throwaway namespaces; iproute2 and sysfs are the oracles.
import Foundation
import Testing
import NodeNetwork
import TestSupport

/// Carrier counters as sysfs shows them inside the namespace.
func sysfsCounter(_ ns: Namespace, _ name: String, _ counter: String) throws -> Int? {
    let r = try ns.exec(["cat", "/sys/class/net/\(name)/\(counter)"])
    return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
}

func ipLinks(_ ns: Namespace) throws -> [[String: Any]] {
    let r = try ns.exec(["ip", "-j", "link", "show"])
    return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
}

@Suite(.serialized) struct LinkEventTests {
    /// The initial snapshot is the state `show` reads.
    @Test func initialSnapshotIsTheCurrentState() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("lwsnap")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", """
            ip link add br0 type bridge stp_state 1 forward_delay 200
            ip link add va type veth peer name vb
            ip link set va master br0
            ip link set vb up; ip link set va up; ip link set br0 up
            ip addr add 192.0.2.10/24 dev br0
            """])
        try ns.assertNoDefaultRoute()
        let watcher = try Watcher(ns)
        defer { watcher.stop() }
        let snapshot = try #require(watcher.snapshot(), "no snapshot; stderr: \(watcher.stderr)")
        let r = try ns.exec([xgScaleBinary(), "show", "--json", "--all"])
        let shown = try JSONDecoder().decode(NetworkState.self, from: Data(r.stdout.utf8))
        // STP timers move between the two reads; compare what does not.
        func stable(_ s: NetworkState) -> [String] {
            s.interfaces.map { "\($0.name) \($0.kind) up=\($0.up) master=\($0.master ?? "-") carrier=\(String(describing: $0.carrier)) addrs=\($0.addresses ?? [])" }
        }
        #expect(stable(snapshot) == stable(shown))
        #expect(snapshot["br0"]?.addresses == ["192.0.2.10/24"])
        #expect(snapshot["va"]?.master == "br0")
    }

    /// Cutting a veth's peer drops its carrier: the stream says so with the kernel's counters.
    /// (Through `next(timeout:)` and through the AsyncThrowingStream of `subscribe`.)
    @Test(arguments: [false, true]) func carrierDownAndUpAreNotifiedWithCounters(async: Bool) throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("lwcar")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", "ip link add va type veth peer name vb; ip link set vb up; ip link set va up"])
        try ns.assertNoDefaultRoute()
        let watcher = try Watcher(ns, ["--no-addresses"] + (async ? ["--async"] : []))
        defer { watcher.stop() }
        let before = try #require(watcher.snapshot()?["va"], "stderr: \(watcher.stderr)")
        #expect(before.carrier == true)
        let downs = try #require(before.carrierDownCount)
        let ups = try #require(before.carrierUpCount)

        try ns.exec(["ip", "link", "set", "vb", "down"])
        let sawDown = watcher.wait(timeout: 5) { _ in
            watcher.updates("va").contains { $0.carrier == false && $0.carrierDownCount == downs + 1 }
        }
        #expect(sawDown, "updates: \(watcher.updates("va"))")
        #expect(watcher.updates("va").last { $0.carrier == false }?.operstate == "lowerlayerdown")
        #expect(watcher.updates("vb").contains { !$0.up && $0.operstate == "down" })

        try ns.exec(["ip", "link", "set", "vb", "up"])
        let sawUp = watcher.wait(timeout: 5) { _ in
            watcher.updates("va").contains { $0.carrier == true && $0.carrierUpCount == ups + 1 }
        }
        #expect(sawUp, "updates: \(watcher.updates("va"))")
        #expect(transitions(watcher.updates("va").compactMap(\.carrier)) == [false, true])
        // The counters the stream reports are the kernel's.
        let last = try #require(watcher.updates("va").last)
        let kernelDowns = try sysfsCounter(ns, "va", "carrier_down_count")
        let kernelUps = try sysfsCounter(ns, "va", "carrier_up_count")
        #expect(last.carrierDownCount == kernelDowns)
        #expect(last.carrierUpCount == kernelUps)
        #expect(watcher.badLines.isEmpty)
    }

    /// `stop()` ends an async subscription: its notifications finish and the reader exits.
    @Test func stoppingAnAsyncSubscriptionEndsItsNotifications() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("lwstop")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", "ip link add va type veth peer name vb; ip link set vb up"])
        try ns.assertNoDefaultRoute()
        let watcher = try Watcher(ns, ["--no-addresses", "--async", "--stop-after", "1"])
        defer { watcher.stop() }
        _ = try #require(watcher.snapshot(), "stderr: \(watcher.stderr)")
        try ns.exec(["ip", "link", "set", "va", "up"])
        let stopped = watcher.wait(timeout: 5) { $0.contains { $0.type == "stopped" } }
        #expect(stopped, "lines: \(watcher.lines.map(\.type)) stderr: \(watcher.stderr)")
        #expect(watcher.waitForExit(timeout: 5) == 0)
    }

    /// A new port of an STP bridge goes listening -> learning -> forwarding (forward delay 2 s):
    /// the kernel tells each step only as an AF_BRIDGE message, and the stream delivers them.
    @Test func stpPortStateTransitionsAreNotified() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("lwstp")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", """
            ip link add br0 type bridge stp_state 1 forward_delay 200 hello_time 100 max_age 600
            ip link set br0 up
            ip link add p1 type veth peer name p1peer
            ip link set p1peer up
            """])
        try ns.assertNoDefaultRoute()
        let watcher = try Watcher(ns, ["--no-addresses"])
        defer { watcher.stop() }
        _ = try #require(watcher.snapshot(), "stderr: \(watcher.stderr)")
        try ns.exec(["sh", "-ec", "ip link set p1 master br0; ip link set p1 up"])
        let forwarding = watcher.wait(timeout: 12) { _ in
            watcher.updates("p1").last?.port?.state == .forwarding
        }
        let states = transitions(watcher.updates("p1").compactMap { $0.port?.state })
        #expect(forwarding, "p1 went through \(states)")
        #expect(isSubsequence([.listening, .learning, .forwarding], of: states), "p1 went through \(states)")
        #expect(!states.contains(.blocking))
        // Learning lasts one forward delay (2 s): the stream saw it when it happened.
        let times = watcher.lines.filter { $0.update?.interface.name == "p1" }
        let learningAt = try #require(times.first { $0.update?.interface.port?.state == .learning }?.time)
        let forwardingAt = try #require(times.first { $0.update?.interface.port?.state == .forwarding }?.time)
        #expect(forwardingAt - learningAt > 1.5 && forwardingAt - learningAt < 3, "\(forwardingAt - learningAt) s")
        #expect(watcher.lines.contains { $0.update?.interface.name == "p1" && $0.update?.source == "bridge-port" })
        let r = try ns.exec(["bridge", "-j", "link", "show", "dev", "p1"])
        #expect(r.stdout.contains("\"state\":\"forwarding\""))
    }

    /// The seed's two-switch topology: cut the active uplink; the stream reports its carrier
    /// loss, then the blocked uplink going listening -> learning -> forwarding, and the
    /// topology poll sees the root port move.
    @Test func cuttingTheActiveUplinkIsSeenInOrder() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let topology = try TwoSwitches(tag: "lw")
        defer { topology.close() }
        let sw = topology.switches, node = topology.node
        let watcher = try Watcher(node, ["--no-addresses", "--topology", "0.2"])
        defer { watcher.stop() }
        _ = try #require(watcher.snapshot(), "stderr: \(watcher.stderr)")
        let converged = watcher.wait(timeout: 20) { _ in
            let s = watcher.currentState()
            return s?["peth0"]?.port?.state == .forwarding && s?["peth1"]?.port?.state == .blocking
        }
        let state = watcher.currentState()
        #expect(converged, "peth0 \(String(describing: state?["peth0"]?.port)) peth1 \(String(describing: state?["peth1"]?.port))")
        let rootPortBefore = try #require(watcher.lines.last { $0.type == "topology" }?.bridges?.first { $0.name == "xenbr0" }?.settings.rootPort)
        let cutAt = watcher.lines.count

        try sw.exec(["ip", "link", "set", "sw1p1", "down"])
        let failedOver = watcher.wait(timeout: 15) { _ in
            watcher.currentState()?["peth1"]?.port?.state == .forwarding
        }
        let after = Array(watcher.lines[cutAt...])
        let peth1 = transitions(after.compactMap { $0.update?.interface }.filter { $0.name == "peth1" }.compactMap { $0.port?.state })
        #expect(failedOver, "peth1 went through \(peth1)")
        #expect(isSubsequence([.listening, .learning, .forwarding], of: peth1), "peth1 went through \(peth1)")
        // The kernel announces peth0's carrier loss after the bridge reacted to it (peth1 may
        // already be listening), but one forward delay before peth1 learns.
        let carrierLost = after.firstIndex { $0.update?.interface.name == "peth0" && $0.update?.interface.carrier == false }
        let learning = after.firstIndex { $0.update?.interface.name == "peth1" && $0.update?.interface.port?.state == .learning }
        #expect(carrierLost != nil && learning != nil && carrierLost! < learning!)
        let peth0 = try #require(watcher.currentState()?["peth0"])
        #expect(peth0.port?.state == .disabled)
        #expect(peth0.carrier == false)
        let kernelPeth0 = try #require(try ipLinks(node).first { $0["ifname"] as? String == "peth0" })
        #expect(peth0.operstate == (kernelPeth0["operstate"] as? String)?.lowercased())
        // The root port moved to peth1 (the kernel never notifies it: the poll saw it).
        let moved = watcher.wait(timeout: 5) { lines in
            lines.last { $0.type == "topology" }?.bridges?.first { $0.name == "xenbr0" }?.settings.rootPort != rootPortBefore
        }
        let rootPortAfter = watcher.lines.last { $0.type == "topology" }?.bridges?.first { $0.name == "xenbr0" }?.settings.rootPort
        #expect(moved, "root port \(rootPortBefore) -> \(String(describing: rootPortAfter))")
        let r = try node.exec(["ip", "-j", "-d", "link", "show", "xenbr0"])
        #expect(r.stdout.contains("\"root_port\":\(rootPortAfter ?? -1)"))
    }

    /// A shrunken receive buffer that is not read while 50 links flap overruns: the stream says
    /// so, re-reads, and the fresh snapshot is what `ip -j link` and sysfs say.
    @Test func overrunIsReportedAndResyncedToTheKernelsState() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("lwovr")
        defer { ns.close() }
        let count = 50
        try ns.addVethPairs(count)
        try ns.assertNoDefaultRoute()
        let hold = FileManager.default.temporaryDirectory
            .appendingPathComponent("xgt-\(getpid())-\(UUID().uuidString)-hold").path
        defer { try? FileManager.default.removeItem(atPath: hold) }
        let watcher = try Watcher(ns, ["--no-addresses", "--buffer", "1024", "--hold", hold])
        defer { watcher.stop() }
        _ = try #require(watcher.snapshot(), "stderr: \(watcher.stderr)")

        // Flap every peer (each v<i> loses and regains its carrier), twice, while nothing reads.
        // Leave v7 without carrier, so the final state is not the initial one.
        let flaps = peerFlaps(count: count) + "link set p7 down\n"
        try ns.exec(["ip", "-batch", "-"], input: flaps)
        FileManager.default.createFile(atPath: hold, contents: nil)

        let overran = watcher.wait(timeout: 10) { $0.contains { $0.type == "overrun" } }
        #expect(overran, "lines: \(watcher.lines.count) stderr: \(watcher.stderr)")
        let resync = try #require(watcher.lines.last { $0.type == "overrun" }?.snapshot)
        #expect((watcher.lines.last { $0.type == "overrun" }?.overruns ?? 0) >= 1)

        // The fresh snapshot equals the kernel's state.
        let kernel = try ipLinks(ns)
        #expect(Set(resync.interfaces.map(\.name)) == Set(kernel.compactMap { $0["ifname"] as? String }))
        for link in kernel {
            let name = try #require(link["ifname"] as? String)
            let mine = try #require(resync[name])
            let flags = link["flags"] as? [String] ?? []
            #expect(mine.up == flags.contains("UP"), "\(name)")
            #expect(mine.mtu == link["mtu"] as? Int, "\(name)")
            #expect(mine.mac == link["address"] as? String, "\(name)")
        }
        #expect(resync["v7"]?.carrier == false)
        #expect(resync["v8"]?.carrier == true)
        for (name, sysfs) in try ns.vethCarriers() {
            #expect(resync[name]?.carrierUpCount == sysfs.up, "\(name) up count")
            #expect(resync[name]?.carrierDownCount == sysfs.down, "\(name) down count")
        }
        // The operstate follows the carrier asynchronously (the kernel's linkwatch, up to a second
        // later under load), so the resync may predate it: the stream's view (the resync plus
        // the updates after it) must reach the kernel's operstate of every link.
        func operstatesAgree() -> Bool {
            guard let now = watcher.currentState(), let links = try? ipLinks(ns) else { return false }
            return links.allSatisfy { link in
                guard let name = link["ifname"] as? String else { return false }
                return now[name]?.operstate == (link["operstate"] as? String)?.lowercased()
            }
        }
        #expect(waitUntil(timeout: 15, interval: 0.2) { operstatesAgree() }, "operstates never agreed with ip -j link")
        // And the stream's final view (snapshot plus later updates) is still the kernel's.
        let final = try #require(watcher.currentState())
        let v7Downs = try sysfsCounter(ns, "v7", "carrier_down_count")
        #expect(final["v7"]?.carrier == false && final["v7"]?.carrierDownCount == v7Downs)
        #expect(watcher.badLines.isEmpty)
    }

    /// Overruns while the stream keeps reading: after the first ENOBUFS the kernel marks the
    /// socket congested and reports no further drop until a read finds the queue empty, which
    /// a running resync dump never lets happen. Changes dropped in that time must still reach
    /// the stream's view (it re-reads on any drop): its final state is sysfs', link by link.
    @Test func overrunsWhileReadingLoseNoChange() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("lwsil")
        defer { ns.close() }
        let count = 50
        try ns.addVethPairs(count)
        try ns.assertNoDefaultRoute()
        let watcher = try Watcher(ns, ["--no-addresses", "--buffer", "1024"])
        defer { watcher.stop() }
        _ = try #require(watcher.snapshot(), "stderr: \(watcher.stderr)")

        let flaps = peerFlaps(count: count)
        for round in 0..<6 {
            try ns.exec(["ip", "-batch", "-"], input: flaps)
            // Then a few links go down, while the resync of the flaps may still run.
            let down = [round * 7 % count, (round * 7 + 19) % count]
            try ns.exec(["ip", "-batch", "-"], input: down.map { "link set p\($0) down\n" }.joined())
            try ns.exec(["ip", "-batch", "-"], input: down.map { "link set p\($0) up\n" }.joined())
        }
        try ns.exec(["ip", "-batch", "-"], input: "link set p7 down\nlink set p19 down\n")
        #expect(watcher.lines.contains { $0.type == "overrun" }, "no overrun; stderr: \(watcher.stderr)")

        func kernel() throws -> [String: [Int]] {
            try ns.vethCarriers().mapValues { [$0.carrier, $0.up, $0.down] }
        }
        func mine() -> [String: [Int]] {
            var result: [String: [Int]] = [:]
            for i in watcher.currentState()?.interfaces ?? [] where i.name.hasPrefix("v") {
                result[i.name] = [i.carrier == true ? 1 : 0, i.carrierUpCount ?? -1, i.carrierDownCount ?? -1]
            }
            return result
        }
        var k: [String: [Int]] = [:], m: [String: [Int]] = [:]
        let equal = try waitUntil(timeout: 10, interval: 0.1) {
            k = try kernel(); m = mine()
            return k.count == count && k == m
        }
        let diff = k.keys.sorted().filter { m[$0] != k[$0] }
            .map { "\($0): kernel \(k[$0]!) stream \(m[$0] ?? [])" }
        #expect(equal, "differs (carrier, up, down): \(diff)")
        #expect(m["v7"]?.first == 0 && m["v19"]?.first == 0 && m["v8"]?.first == 1)
        #expect(watcher.badLines.isEmpty)
    }
}
