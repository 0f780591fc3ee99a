// The `networkd` render consumed by the real thing: Debian 12's own systemd-networkd (252) started
// in a throwaway network namespace, as DESIGN.md's "Real consumers" says (a mount namespace with
// /sys read-only so it does not wait for udev, a tmpfs on /run/systemd, the render in
// /run/systemd/network). For every example STP profile: networkd logs no warning, configures every
// link, and the kernel (read with ip -j -d, bridge -j and sysfs) has exactly the desired state.
// Needs root; skipped without it (fails under CI=true).
import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

let networkdBinary = "/lib/systemd/systemd-networkd"

/// Every example profile that builds a bridge without a bond (this kernel has no bonding driver).
func stpExampleProfiles() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: packageRoot().appendingPathComponent("profiles").path)
        .filter { $0.hasSuffix(".yaml") && $0 != "inventory.yaml" }.sorted()
        .filter { try loadExample($0).redundancy == .stp }
}

/// systemd-networkd running in `ns` over `files`, logging at level warning (every line it prints
/// is a warning or an error). Its /run/systemd/netif is bound to a host folder, so the test reads
/// each link's ADMIN_STATE to wait for the event, not for a fixed time.
final class NetworkdRun {
    let folder: URL
    let process: LineProcess

    init(_ ns: Namespace, files: [RenderedFile]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("xg-networkd-\(ns.name)")
        let network = folder.appendingPathComponent("network"), netif = folder.appendingPathComponent("netif")
        for dir in [network, netif] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        for f in files { try f.contents.write(to: network.appendingPathComponent(f.name), atomically: true, encoding: .utf8) }
        try runChecked(["chown", "systemd-network:systemd-network", netif.path])
        let script = """
            set -e
            mount -o remount,ro /sys
            mount -t tmpfs none /run/systemd
            mkdir -p /run/systemd/network /run/systemd/netif
            mount --bind "$1/netif" /run/systemd/netif
            cp "$1"/network/* /run/systemd/network/
            exec env SYSTEMD_LOG_LEVEL=warning SYSTEMD_LOG_TARGET=console \(networkdBinary)
            """
        process = try LineProcess(["ip", "netns", "exec", ns.name, "unshare", "-m", "--propagation", "private",
                                   "sh", "-c", script, "sh", folder.path])
    }

    /// networkd's ADMIN_STATE for the link with this index ("configuring", "configured", "failed"...).
    func adminState(_ index: Int) -> String? {
        let path = folder.appendingPathComponent("netif/links/\(index)").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("ADMIN_STATE=") }.map { String($0.dropFirst(12)) }
    }

    /// Everything networkd logged (stdout and stderr).
    var log: String { (process.lines + [process.stderr]).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite(.serialized) struct NetworkdKernelTests {
    @Test func everyBridgeExampleIsCovered() throws {
        #expect(try stpExampleProfiles() == ["stp-bridge-address.yaml", "stp-guest-veths.yaml", "stp-two-switches.yaml"])
    }

    @Test(arguments: try stpExampleProfiles())
    func systemdNetworkd252BuildsTheProfile(_ name: String) throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "unshare", "mount", "chown"],
                                files: [networkdBinary]) else { return }
        try expectNetworkdBuilds(try loadExample(name), name: name)
    }

    /// 1500 is every link's default: a jumbo MTU shows that both ends of each veth pair get it
    /// (the peer's from its .network, since [Peer] takes no MTUBytes=).
    @Test func aJumboMTUReachesBothEndsOfEveryVethPair() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "unshare", "mount", "chown"],
                                files: [networkdBinary]) else { return }
        let dir = packageRoot().appendingPathComponent("profiles")
        let text = try String(contentsOf: dir.appendingPathComponent("stp-guest-veths.yaml"), encoding: .utf8)
        #expect(text.contains("mtu: 1500"))
        let inventory = try Inventory.parse(text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8),
                                            file: "inventory.yaml")
        let profile = try ProfileLoader.load(text: text.replacingOccurrences(of: "mtu: 1500", with: "mtu: 9000"),
                                             file: "jumbo.yaml", variables: inventory.variables(forNode: "dom0")).profile
        let desired = profile.desiredState()
        #expect(desired["vm1-br"]?.mtu == 9000 && desired["vm2-br"]?.mtu == 9000)
        try expectNetworkdBuilds(profile, name: "stp-guest-veths.yaml with mtu 9000")
    }

    /// A profile cannot turn STP off on an STP node, but a bond node's bridge has it off: the
    /// render of an STP-off bridge (the STP example's desired state with `stp` false) gives a
    /// bridge with STP off and the same timers.
    @Test func aBridgeWithSTPOffComesUpWithSTPOff() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "unshare", "mount", "chown"],
                                files: [networkdBinary]) else { return }
        let profile = try loadExample("stp-bridge-address.yaml")
        var desired = profile.desiredState()
        let i = try #require(desired.interfaces.firstIndex { $0.kind == .bridge })
        desired.interfaces[i].bridge?.stp = false
        try expectNetworkdBuilds(desired, uplinks: profile.uplinks, name: "stp-bridge-address.yaml with STP off")
    }

    func expectNetworkdBuilds(_ profile: Profile, name: String) throws {
        try expectNetworkdBuilds(profile.desiredState(), uplinks: profile.uplinks, name: name)
    }

    /// Start networkd on the render of `desired` in a fresh namespace whose `uplinks` exist as
    /// veth pairs; expect no warning, every link configured, and the kernel state equal to `desired`.
    /// `files` replaces the render (the files `apply --persist networkd` wrote, say).
    func expectNetworkdBuilds(_ desired: NetworkState, uplinks: [String], name: String,
                              files: [RenderedFile]? = nil) throws {
        let ns = try Namespace("nwd")
        defer { ns.close() }
        for uplink in uplinks {
            try ns.exec(["ip", "link", "add", uplink, "type", "veth", "peer", "name", uplink + "p"])
            // The switch end is up, as a wired NIC's would be.
            try ns.exec(["ip", "link", "set", uplink + "p", "up"])
        }
        let networkd = try NetworkdRun(ns, files: files ?? Renderer.networkd(desired, source: name))
        defer { networkd.stop() }

        // Wait (bounded) until networkd has configured every link the profile names. A link with
        // addresses accepts router advertisements (the default) and is "configured" once its
        // router solicitations go unanswered: 14-22 s here.
        var states: [String: String] = [:]
        let configured = try waitUntil(timeout: 60, interval: 0.1) {
            let kernel = try KernelView.read(ns)
            states = Dictionary(uniqueKeysWithValues: desired.interfaces.map { i in
                (i.name, kernel[i.name].flatMap { networkd.adminState($0.index) } ?? "absent")
            })
            return states.values.allSatisfy { $0 == "configured" } || networkd.process.exited() != nil
        }
        #expect(networkd.process.exited() == nil, "systemd-networkd ended: \(networkd.log)")
        #expect(configured && states.values.allSatisfy { $0 == "configured" }, "links not configured: \(states)")
        #expect(networkd.log.isEmpty, "systemd-networkd warned about the render of \(name):\n\(networkd.log)")

        let kernel = try KernelView.read(ns)
        let differences = try kernel.differences(from: desired, sysfsFrom: ns)
        #expect(differences.isEmpty, "\(name) through systemd-networkd:\n\(differences.joined(separator: "\n"))")
    }
}
