// `xg-scale show` on the real kernel, in throwaway network namespaces: topologies are built with
// `ip`/`bridge`, read back by the binary running under `ip netns exec`, and every field a user
// would check is asserted.
import Foundation
import Testing
import NodeNetwork
import TestSupport

/// Run `xg-scale show --json` inside `ns` and decode it.
func showState(_ ns: Namespace, all: Bool = false) throws -> NetworkState {
    let r = try ns.exec([xgScaleBinary(), "show", "--json"] + (all ? ["--all"] : []))
    return try JSONDecoder().decode(NetworkState.self, from: Data(r.stdout.utf8))
}

/// Within ±1 clock tick (USER_HZ = 100: one centisecond) of `expected` seconds.
func nearly(_ value: Double?, _ expected: Double) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= 0.0101
}

@Suite(.serialized) struct ShowTests {
    /// A node bridge with STP and non-default timers, two veth uplinks as ports with priority
    /// and cost, and the host's veth pair with an address and a default route.
    @Test func showReportsBridgeUplinksVethAddressesAndRoute() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("show")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", """
            ip link add xenbr0 type bridge stp_state 1 priority 28672 forward_delay 300 \
                hello_time 150 max_age 1100
            ip link add peth0 type veth peer name sw0
            ip link add peth1 type veth peer name sw1
            ip link add veth0 type veth peer name vif0.0
            ip link set peth0 master xenbr0
            ip link set peth1 master xenbr0
            ip link set vif0.0 master xenbr0
            bridge link set dev peth0 priority 16 cost 100
            bridge link set dev peth1 priority 48 cost 250
            ip link set sw0 up
            for i in xenbr0 peth0 peth1 veth0 vif0.0; do ip link set $i up; done
            ip link set veth0 mtu 1400
            ip addr add 192.0.2.10/24 dev veth0
            ip addr add 2001:db8::10/64 dev veth0 nodad
            ip route add default via 192.0.2.1
            """])
        let state = try showState(ns)
        let names = state.interfaces.map(\.name)
        #expect(!names.contains("lo"), "loopback is not a redundancy link")

        let bridge = try #require(state["xenbr0"])
        #expect(bridge.kind == .bridge)
        #expect(bridge.up)
        #expect(bridge.master == nil)
        let stp = try #require(bridge.bridge)
        #expect(stp.stp)
        #expect(stp.stpMode == "kernel")
        #expect(stp.priority == 28672)
        #expect(nearly(stp.forwardDelay, 3))
        #expect(nearly(stp.helloTime, 1.5))
        #expect(nearly(stp.maxAge, 11))
        let mac = try #require(bridge.mac)
        // The bridge ID is priority (hex) . bridge MAC; alone on its segment it is the root.
        #expect(stp.bridgeID == "7000." + mac.replacingOccurrences(of: ":", with: ""))
        #expect(stp.rootID == stp.bridgeID)
        #expect(stp.rootPort == 0)

        for (name, priority, cost) in [("peth0", 16, 100), ("peth1", 48, 250)] {
            let port = try #require(state[name])
            #expect(port.kind == .veth)
            #expect(port.master == "xenbr0")
            #expect(port.up)
            #expect(port.port?.priority == priority)
            #expect(port.port?.cost == cost)
            #expect(port.peer == (name == "peth0" ? "sw0" : "sw1"))
        }
        // peth0's peer is up: carrier, and STP takes the port out of disabled. peth1's is down.
        #expect(state["peth0"]?.carrier == true)
        #expect(state["peth0"]?.port?.state != nil && state["peth0"]?.port?.state != .disabled)
        #expect(state["peth1"]?.carrier == false)
        #expect(state["peth1"]?.port?.state == .disabled)

        let veth0 = try #require(state["veth0"])
        #expect(veth0.kind == .veth)
        #expect(veth0.peer == "vif0.0")
        #expect(veth0.master == nil)
        #expect(veth0.mtu == 1400)
        #expect(veth0.addresses == ["192.0.2.10/24", "2001:db8::10/64"])
        #expect(state["vif0.0"]?.master == "xenbr0")
        #expect(state["vif0.0"]?.peer == "veth0")
        #expect(state.routes == [Route(destination: "default", gateway: "192.0.2.1", device: "veth0")])

        // Cross-check every link against iproute2's own JSON.
        let ip = try ns.exec(["ip", "-j", "-d", "link", "show"])
        let links = try #require(try JSONSerialization.jsonObject(with: Data(ip.stdout.utf8)) as? [[String: Any]])
        for link in links {
            let name = try #require(link["ifname"] as? String)
            if name == "lo" { continue }
            let mine = try #require(state[name], "show lost \(name)")
            #expect(mine.index == link["ifindex"] as? Int)
            #expect(mine.mtu == link["mtu"] as? Int)
            #expect(mine.mac == link["address"] as? String)
            #expect(mine.master == link["master"] as? String)
            #expect(mine.operstate == (link["operstate"] as? String)?.lowercased())
        }
        try expectShowMatchesKernel(ns)
    }

    /// Everything else `show` reports, against the independent reading (ip -j -d link/addr/route,
    /// bridge -j link, sysfs): kind, up, peer, addresses, default routes, bridge STP priority and
    /// timers, port priority, cost and STP state. Port states move on their own (listening ->
    /// learning), so show is taken between two kernel readings that agree.
    func expectShowMatchesKernel(_ ns: Namespace) throws {
        var shown = NetworkState(), kernel = try KernelView.read(ns)
        func portStates(_ k: KernelView) -> [String: String] { k.links.compactMapValues { $0.port?.state } }
        let stable = try waitUntil(timeout: 10, interval: 0.1) {
            let first = try KernelView.read(ns)
            shown = try showState(ns)
            kernel = try KernelView.read(ns)
            return portStates(first) == portStates(kernel)
        }
        #expect(stable, "the STP port states never held still for one reading")
        #expect(Set(shown.interfaces.map(\.name)) == Set(kernel.links.keys).subtracting(["lo"]))
        for mine in shown.interfaces {
            let k = try #require(kernel[mine.name])
            #expect(mine.kind.rawValue == (k.kind ?? "device"), "\(mine.name) kind")
            #expect(mine.up == k.up, "\(mine.name) up")
            #expect(mine.peer == k.peer, "\(mine.name) peer")
            #expect(Set(mine.addresses ?? []) == Set(k.addresses), "\(mine.name) addresses")
            if let b = k.bridge {
                let sys = try KernelView.sysfs(ns, mine.name, "bridge")
                let m = try #require(mine.bridge, "\(mine.name) shown without bridge settings")
                #expect(m.stp == b.stp && "\(m.stp ? 1 : 0)" == sys["stp_state"], "\(mine.name) stp")
                #expect(m.priority == b.priority && "\(b.priority)" == sys["priority"], "\(mine.name) priority")
                for (name, value, ip, file) in [("forward-delay", m.forwardDelay, b.forwardDelay, "forward_delay"),
                                                ("hello-time", m.helloTime, b.helloTime, "hello_time"),
                                                ("max-age", m.maxAge, b.maxAge, "max_age")] {
                    #expect(nearly(value, ip), "\(mine.name) \(name): show \(value ?? -1), ip \(ip)")
                    #expect(nearly(value, (Double(sys[file] ?? "") ?? -100) / 100), "\(mine.name) \(name) sysfs \(sys[file] ?? "-")")
                }
            } else {
                #expect(mine.bridge == nil, "\(mine.name) is no bridge")
            }
            if let p = k.port {
                let sys = try KernelView.sysfs(ns, mine.name, "brport")
                #expect(mine.port?.priority == p.priority && "\(p.priority)" == sys["priority"], "\(mine.name) port priority")
                #expect(mine.port?.cost == p.cost && "\(p.cost)" == sys["path_cost"], "\(mine.name) port cost")
                #expect(mine.port?.state?.rawValue == p.state, "\(mine.name) port state: show \(mine.port?.state?.rawValue ?? "-"), bridge \(p.state)")
            } else {
                #expect(mine.port == nil, "\(mine.name) is no bridge port")
            }
        }
        let shownRoutes = Set(shown.routes.filter { $0.destination == "default" }.map { "\($0.gateway) dev \($0.device ?? "-")" })
        #expect(shownRoutes == kernel.defaultRoutes, "default routes: show \(shownRoutes), ip \(kernel.defaultRoutes)")
    }

    /// The human output names each bridge port under its bridge with STP state, priority, cost.
    @Test func humanOutputIsATreeOfBridgeAndPorts() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("text")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", """
            ip link add br0 type bridge stp_state 0
            ip link add peth0 type veth peer name sw0
            ip link set peth0 master br0
            bridge link set dev peth0 priority 40 cost 7
            """])
        let out = try ns.exec([xgScaleBinary(), "show"]).stdout
        let lines = out.split(separator: "\n").map(String.init)
        let bridgeLine = try #require(lines.firstIndex { $0.hasPrefix("br0 ") })
        #expect(lines[bridgeLine].contains("bridge  down"))
        #expect(lines[bridgeLine].contains("stp off"))
        #expect(lines[bridgeLine + 1].hasPrefix("  peth0 "))
        #expect(lines[bridgeLine + 1].contains("stp disabled  prio 40  cost 7"))
        #expect(lines.contains { $0.hasPrefix("sw0 ") && $0.contains("peer peth0") })
        #expect(!lines.contains { $0.hasPrefix("lo ") })
        let all = try ns.exec([xgScaleBinary(), "show", "--all"]).stdout
        #expect(all.split(separator: "\n").contains { $0.hasPrefix("lo ") && $0.contains("loopback  up") })
        try expectShowMatchesKernel(ns)
    }

    @Test func allIncludesLoopback() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("all")
        defer { ns.close() }
        #expect(try showState(ns).interfaces.isEmpty)
        let lo = try #require(try showState(ns, all: true)["lo"])
        #expect(lo.kind == .other)
        #expect(lo.kernelKind == "loopback")
        #expect(lo.index == 1)
        #expect(lo.addresses == ["127.0.0.1/8", "::1/128"])
    }

    @Test func badOptionIsOneErrorOnStderr() throws {
        let r = try run([xgScaleBinary(), "show", "--jsn"])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("--jsn"))
    }
}
