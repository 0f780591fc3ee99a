// The two renders of each bond example profile give the same node in a kernel with bonding: in one
// VM boot, the `ip` render through `ip -batch`, then (on a clean slate) the `interfaces` render
// through Debian's ifupdown2 (unpacked on the host by Tests/RenderKernelTests/setup-ifupdown2.sh,
// run from the host's read-only root shared into the VM). After each, the plan from what
// `xg-scale show --json` reads to the profile's desired state is empty, and both readings agree.
import Foundation
import NodeNetwork
import Testing
import TestSupport

private let ifupdown2Folder = ProcessInfo.processInfo.environment["XG_IFUPDOWN2"] ?? "/opt/ifupdown2"

private func ifupdown2Available() throws -> Bool {
    guard try prerequisites(root: false, programs: ["/usr/bin/python3"]) else { return false }
    return try prerequisite(FileManager.default.fileExists(atPath: ifupdown2Folder + "/bin/ifup"),
                            "ifupdown2 in \(ifupdown2Folder): run Tests/RenderKernelTests/setup-ifupdown2.sh")
}

/// The profile's text with the Xen name vif0.0 replaced by `vethpeer`: ifupdown2 reads a dotted
/// name as a VLAN (the render warns about it). `apply` gets the same text.
private func profileTextForIfupdown2(_ name: String) throws -> String {
    let dir = packageRoot().appendingPathComponent("profiles")
    return try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        .replacingOccurrences(of: "vif0.0", with: "vethpeer")
}

/// The desired state of that text for node dom0.
private func desiredForIfupdown2(_ name: String) throws -> NetworkState {
    let dir = packageRoot().appendingPathComponent("profiles")
    let inventory = try Inventory.parse(
        text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8), file: "inventory.yaml")
    let profile = try ProfileLoader.load(text: profileTextForIfupdown2(name), file: name,
                                         variables: inventory.variables(forNode: "dom0")).profile
    #expect(profile.host.veth?.peer.contains(".") != true)
    return profile.desiredState()
}

/// The state without what only says when or in which order things happened (indexes, MACs,
/// counters, operstate, bridge and root ids, STP port state, 802.3ad aggregator and LACP
/// state), for comparing two applies.
private func comparable(_ state: NetworkState) -> NetworkState {
    var s = state
    s.interfaces = s.interfaces.map { i in
        var i = i
        i.index = nil; i.mac = nil; i.operstate = nil; i.carrierUpCount = nil; i.carrierDownCount = nil
        i.bridge?.bridgeID = nil; i.bridge?.rootID = nil; i.bridge?.rootPort = nil
        i.bridge?.topologyChange = nil; i.bridge?.topologyChangeCount = nil
        i.port?.state = nil
        // 802.3ad aggregator ids, port and churn states, and a new veth's permanent MAC.
        i.bondState?.ad = nil; i.slave?.lacp = nil; i.slave?.permHWAddr = nil
        return i
    }.sorted { $0.name < $1.name }
    return s
}

extension BondVMTests {
    @Test("xg-scale apply, and the ip and interfaces renders, of a bond profile give the same node, with nothing left to plan",
          arguments: ["bond-active-backup.yaml", "bond-802.3ad.yaml"])
    func ipAndInterfacesRendersAgree(_ profile: String) throws {
        guard try BondVM.available(), try ifupdown2Available(),
              try HostCLI.require("show", options: ["--json"]) else { return }
        let desired = try desiredForIfupdown2(profile)
        #expect(Renderer.interfacesCaveats(desired).isEmpty)

        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("xg-bondvm-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = [
            ("ip.batch", Renderer.ipBatch(desired, source: profile)),
            ("interfaces", Renderer.interfaces(desired, source: profile)),
            ("ifupdown2.path", ifupdown2Folder),
            ("profile.yaml", try profileTextForIfupdown2(profile)),
            ("inventory.yaml", try String(contentsOf: packageRoot().appendingPathComponent("profiles/inventory.yaml"), encoding: .utf8)),
        ].map { name, text in
            let url = dir.appendingPathComponent(name)
            try? text.write(to: url, atomically: true, encoding: .utf8)
            return url
        }

        let r = try BondVM.boot(scenarioFile: "render-ip-and-interfaces.sh", files: files, hostRoot: true)
        #expect(r.status == 0, "scenario failed: \(r.stderr)")
        let s = BondVM.sections(r.stdout)

        let ifquery = try #require(s["ifquery"], "no ifquery --check output: \(r.stderr)")
        #expect(ifquery.contains("[pass]"))
        #expect(!ifquery.contains("[fail]"), "ifquery --check: \(ifquery)")

        // In the VM the uplinks are veths (peth0-sw0, peth1-sw1), not NICs: say so to the planner.
        var target = desired
        target.interfaces = target.interfaces.map { i in
            guard i.kind == .device, let n = ["peth0": "sw0", "peth1": "sw1"][i.name] else { return i }
            var i = i
            i.kind = .veth
            i.peer = n
            return i
        }
        var readings: [String: NetworkState] = [:]
        #expect(s["apply status"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "xg-scale apply: \(r.stderr)")
        for how in ["apply", "ip", "ifup"] {
            let shown = try decodeState(try #require(s["\(how) show"], "no show --json after \(how)"))
            readings[how] = shown
            let pending = try Plan.changes(from: shown, to: target)
            #expect(pending.isEmpty, "after \(how), plan still has: \(pending.map(\.summary))")
            let proc = BondingProc(try #require(s["\(how) proc"]))
            #expect(proc.slaves.map(\.name) == ["peth0", "peth1"], "after \(how)")
            #expect(proc.slaves.allSatisfy { $0.miiStatus == "up" }, "after \(how)")
        }
        let viaIP = comparable(try #require(readings["ip"])), viaIfup = comparable(try #require(readings["ifup"]))
        #expect(viaIP.routes == viaIfup.routes)
        for (a, b) in zip(viaIP.interfaces, viaIfup.interfaces) {
            #expect(a == b, "\(a.name) differs between ip -batch and ifupdown2")
        }
        #expect(viaIP.interfaces.map(\.name) == viaIfup.interfaces.map(\.name))
        // xg-scale apply of the profile gives the node the renders give.
        let viaApply = comparable(try #require(readings["apply"]))
        #expect(viaApply.routes == viaIP.routes)
        for (a, b) in zip(viaApply.interfaces, viaIP.interfaces) {
            #expect(a == b, "\(a.name) differs between xg-scale apply and ip -batch of the ip render")
        }
        #expect(viaApply.interfaces.map(\.name) == viaIP.interfaces.map(\.name))
    }
}
