// Issue 2: every STP example profile, rendered with `--format ip` and fed to `ip -batch -` in a
// namespace where the uplinks exist (as veths), gives the links, masters, STP settings and port
// settings the profile asked for, read back by `xg-scale show --json` and compared with
// `xg-scale render --format json` (the desired state).
import Foundation
import Testing
import NodeNetwork
import TestSupport

/// The STP example profiles shipped in profiles/.
func stpProfiles() -> [String] {
    let dir = packageRoot().appendingPathComponent("profiles")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return files.filter { $0.hasSuffix(".yaml") && $0 != "inventory.yaml" }.sorted()
        .map { dir.appendingPathComponent($0).path }
        .filter { (try? String(contentsOfFile: $0, encoding: .utf8))?.contains("redundancy: stp") == true }
}

@Suite(.serialized) struct RenderApplyTests {
    @Test func stpProfilesRenderedForIPBatchGiveTheAskedForState() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let profiles = stpProfiles()
        try #require(!profiles.isEmpty, "no STP profile in \(packageRoot().path)/profiles")
        let inventory = packageRoot().appendingPathComponent("profiles/inventory.yaml").path
        for profile in profiles {
            let render = { (format: String) throws -> String in
                try runChecked([xgScaleBinary(), "render", profile, "--inventory", inventory,
                                "--node", "dom0", "--format", format]).stdout
            }
            let desired = try JSONDecoder().decode(NetworkState.self, from: Data(try render("json").utf8))
            let ns = try Namespace("render")
            defer { ns.close() }
            // The uplinks the profile names exist, as veths whose peers stay outside the bridge.
            let uplinks = desired.interfaces.filter { $0.kind == .device }.map(\.name)
            try #require(!uplinks.isEmpty)
            for (i, uplink) in uplinks.enumerated() {
                try ns.exec(["ip", "link", "add", uplink, "type", "veth", "peer", "name", "sw\(i)"])
                try ns.exec(["ip", "link", "set", "sw\(i)", "up"])
            }
            try ns.exec(["ip", "-batch", "-"], input: try render("ip"))
            let current = try showState(ns)
            let name = URL(fileURLWithPath: profile).lastPathComponent
            for want in desired.interfaces {
                let have = try #require(current[want.name], "\(name): \(want.name) missing")
                if want.kind != .device { #expect(have.kind == want.kind, "\(name): \(want.name) kind") }
                #expect(have.master == want.master, "\(name): \(want.name) master")
                #expect(have.up == want.up, "\(name): \(want.name) up")
                if let mtu = want.mtu { #expect(have.mtu == mtu, "\(name): \(want.name) mtu") }
                if let peer = want.peer { #expect(have.peer == peer, "\(name): \(want.name) peer") }
                #expect((have.addresses ?? []) == (want.addresses ?? []), "\(name): \(want.name) addresses")
                if let port = want.port {
                    if let p = port.priority { #expect(have.port?.priority == p, "\(name): \(want.name) port priority") }
                    if let c = port.cost { #expect(have.port?.cost == c, "\(name): \(want.name) port cost") }
                    #expect(have.port?.state != nil, "\(name): \(want.name) has an STP port state")
                }
                if let bridge = want.bridge {
                    let b = try #require(have.bridge, "\(name): \(want.name) bridge settings")
                    #expect(b.stp == bridge.stp, "\(name): stp")
                    if let v = bridge.priority { #expect(b.priority == v, "\(name): bridge priority") }
                    if let v = bridge.forwardDelay { #expect(nearly(b.forwardDelay, v), "\(name): forward-delay") }
                    if let v = bridge.helloTime { #expect(nearly(b.helloTime, v), "\(name): hello-time") }
                    if let v = bridge.maxAge { #expect(nearly(b.maxAge, v), "\(name): max-age") }
                }
            }
            #expect(current.routes == desired.routes, "\(name): routes")
        }
    }
}
