// The `ip` render of every STP example profile, fed to `ip -batch -` in a throwaway network
// namespace whose uplinks exist as veth pairs, produces what the profile asked for: links,
// masters, MTU, bridge STP settings, port priority and cost, addresses and the default route.
// Needs root; skipped without it (fails under CI=true).
import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

func loadExample(_ name: String, node: String = "dom0") throws -> Profile {
    let dir = packageRoot().appendingPathComponent("profiles")
    let inventory = try Inventory.parse(text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8),
                                        file: "inventory.yaml")
    return try ProfileLoader.load(text: String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8),
                                  file: name, variables: inventory.variables(forNode: node)).profile
}

/// `ip -d -j link show` inside the namespace, by interface name.
func links(_ ns: Namespace) throws -> [String: [String: Any]] {
    let out = try ns.exec(["ip", "-d", "-j", "link", "show"]).stdout
    let list = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
    return Dictionary(uniqueKeysWithValues: list.map { ($0["ifname"] as! String, $0) })
}

/// Create the uplinks as veth pairs (NAME <-> NAMEp), as physical NICs would already exist.
func makeUplinks(_ profile: Profile, in ns: Namespace) throws {
    for uplink in profile.uplinks {
        try ns.exec(["ip", "link", "add", uplink, "type", "veth", "peer", "name", uplink + "p"])
    }
}

/// Check the kernel state in `ns` against every attribute of `desired` that the kernel reports.
func expectKernelMatches(_ desired: NetworkState, in ns: Namespace) throws {
    let kernel = try links(ns)
    for want in desired.interfaces {
        let have = try #require(kernel[want.name], "\(want.name) missing; kernel has \(kernel.keys.sorted())")
        let info = have["linkinfo"] as? [String: Any]
        if want.kind != .device {
            #expect(info?["info_kind"] as? String == want.kind.rawValue, "\(want.name) kind")
        }
        #expect(have["master"] as? String == want.master, "\(want.name) master")
        if let mtu = want.mtu { #expect(have["mtu"] as? Int == mtu, "\(want.name) mtu") }
        let flags = have["flags"] as? [String] ?? []
        #expect(flags.contains("UP") == want.up, "\(want.name) up: \(flags)")
        if let b = want.bridge {
            let data = try #require(info?["info_data"] as? [String: Any])
            #expect(data["stp_state"] as? Int == (b.stp ? 1 : 0), "\(want.name) stp_state")
            if let v = b.priority { #expect(data["priority"] as? Int == v) }
            // ip reports the bridge timers in centiseconds.
            if let v = b.forwardDelay { #expect(data["forward_delay"] as? Int == Int(v * 100)) }
            if let v = b.helloTime { #expect(data["hello_time"] as? Int == Int(v * 100)) }
            if let v = b.maxAge { #expect(data["max_age"] as? Int == Int(v * 100)) }
        }
        if let p = want.port {
            #expect(info?["info_slave_kind"] as? String == "bridge")
            let data = try #require(info?["info_slave_data"] as? [String: Any])
            if let v = p.priority { #expect(data["priority"] as? Int == v, "\(want.name) port priority") }
            if let v = p.cost { #expect(data["cost"] as? Int == v, "\(want.name) port cost") }
        }
        if let peer = want.peer { #expect(kernel[peer] != nil) }
        let addrOut = try ns.exec(["ip", "-j", "address", "show", "dev", want.name]).stdout
        let addrJSON = try JSONSerialization.jsonObject(with: Data(addrOut.utf8)) as? [[String: Any]]
        let infos = (addrJSON?.first?["addr_info"] as? [[String: Any]]) ?? []
        let global = infos.filter { $0["scope"] as? String == "global" }
            .map { "\($0["local"] as! String)/\($0["prefixlen"] as! Int)" }
        #expect(Set(global) == Set(want.addresses ?? []), "\(want.name) addresses")
    }
    for route in desired.routes {
        let out = try ns.exec(["ip", "-j", "route", "show", "default"]).stdout
        let routes = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
        #expect(routes.contains { $0["gateway"] as? String == route.gateway && $0["dev"] as? String == route.device },
                "default route \(route) in \(out)")
    }
}

@Suite(.serialized) struct IPBatchKernelTests {
    @Test(arguments: ["stp-two-switches.yaml", "stp-bridge-address.yaml", "stp-guest-veths.yaml"])
    func ipRenderBuildsTheProfileInAFreshNamespace(_ name: String) throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let profile = try loadExample(name)
        let desired = profile.desiredState()
        let script = Renderer.ipBatch(desired, source: name)
        let ns = try Namespace("render")
        defer { ns.close() }
        try makeUplinks(profile, in: ns)
        let r = try ns.run(["ip", "-batch", "-"], input: script)
        #expect(r.status == 0, "ip -batch failed: \(r.stderr)\n\(script)")
        try expectKernelMatches(desired, in: ns)
    }

    @Test func bothNodesOfTheInventoryRender() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        for node in ["dom0", "dom0m"] {
            let profile = try loadExample("stp-two-switches.yaml", node: node)
            let ns = try Namespace("node")
            defer { ns.close() }
            try makeUplinks(profile, in: ns)
            try ns.exec(["ip", "-batch", "-"], input: Renderer.ipBatch(profile.desiredState(), source: "t"))
            try expectKernelMatches(profile.desiredState(), in: ns)
        }
    }

    /// The point of the profile: with both uplinks wired to one STP switch (a loop), the
    /// rendered port costs decide which uplink STP blocks: peth1 (cost 200) blocks, peth0
    /// (cost 100) forwards, within 2 x forward-delay (8 s) plus slack.
    @Test func stpBlocksTheCostlierUplinkOfALoop() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let profile = try loadExample("stp-two-switches.yaml")
        let ns = try Namespace("loop")
        defer { ns.close() }
        try makeUplinks(profile, in: ns)
        // The "switch": the root bridge (priority 4096) holding the far ends of both uplinks.
        try ns.exec(["ip", "link", "add", "sw", "type", "bridge", "stp_state", "1", "priority", "4096",
                     "forward_delay", "400", "hello_time", "100", "max_age", "600"])
        for u in profile.uplinks {
            try ns.exec(["ip", "link", "set", "dev", u + "p", "master", "sw"])
            try ns.exec(["ip", "link", "set", "dev", u + "p", "up"])
        }
        try ns.exec(["ip", "link", "set", "dev", "sw", "up"])
        try ns.exec(["ip", "-batch", "-"], input: Renderer.ipBatch(profile.desiredState(), source: "t"))
        func state(_ port: String) throws -> String? {
            let data = try links(ns)[port]?["linkinfo"] as? [String: Any]
            return (data?["info_slave_data"] as? [String: Any])?["state"] as? String
        }
        let settled = try waitUntil(timeout: 20, interval: 0.2) {
            try state("peth0") == "forwarding" && state("peth1") == "blocking"
        }
        let (s0, s1) = (try state("peth0"), try state("peth1"))
        #expect(settled, "peth0 \(s0 ?? "nil"), peth1 \(s1 ?? "nil")")
    }
}
