// The `networkd` render of each bond example profile consumed by Debian's own systemd-networkd
// (252, the host's binary in a chroot of the host root) in the bonding VM: it logs no warning,
// configures every link, and the kernel, read back with iproute2 (TestSupport's KernelView) and
// /proc/net/bonding, holds the profile's desired state. One boot per profile.
import Foundation
import NodeNetwork
import Testing
import TestSupport

private let networkdBinary = "/lib/systemd/systemd-networkd"

// In the serialized "Bonding VM" suite, so that no two VMs boot at once.
extension BondVMTests {
    @Test("systemd-networkd builds the bond of the networkd render", arguments: BondProfileExpectation.all)
    func networkdRenderBuildsTheBond(_ e: BondProfileExpectation) throws {
        guard try BondVM.available(), try prerequisites(root: false, files: [networkdBinary]) else { return }
        let profiles = packageRoot().appendingPathComponent("profiles")
        let args = [profiles.appendingPathComponent(e.profile).path,
                    "--inventory", profiles.appendingPathComponent("inventory.yaml").path, "--node", "dom0"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xg-nwdvm-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try runChecked([xgScaleBinary(), "render"] + args + ["--format", "networkd", "--output", dir.path])
        let desired = try decodeState(try runChecked([xgScaleBinary(), "render"] + args + ["--format", "json"]).stdout)
        let names = dir.appendingPathComponent("names")
        try desired.interfaces.map(\.name).joined(separator: "\n").write(to: names, atomically: true, encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        #expect(files.contains { $0.lastPathComponent.hasSuffix(".netdev") })

        let r = try BondVM.boot(scenarioFile: "networkd-bond.sh", files: files, timeout: 300, hostRoot: true)
        #expect(r.status == 0, "scenario failed: \(r.stderr)")
        let s = BondVM.sections(r.stdout)
        func section(_ name: String) -> String { (s[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(section("networkd-running") == "yes", "systemd-networkd ended: \(section("networkd-log"))")
        #expect(section("networkd-log").isEmpty, "systemd-networkd warned about the render of \(e.profile):\n\(section("networkd-log"))")
        let states = section("states").split(separator: "\n")
        #expect(states.count == desired.interfaces.count && states.allSatisfy { $0.hasSuffix(" configured") },
                "links not configured: \(states)")

        let proc = BondingProc(try #require(s["proc bond0"], "no /proc/net/bonding/bond0: \(r.stderr)"))
        #expect(proc.mode == e.procMode)
        #expect(proc.miimon == e.miimon)
        #expect(proc.primary == e.primary)
        #expect(Set(proc.slaves.map(\.name)) == ["peth0", "peth1"])
        if let lacp = e.lacpRate { #expect(proc.lacpRate == lacp) }
        if let hash = e.xmitHashPolicy { #expect(proc.transmitHashPolicy == hash) }

        let kernel = try KernelView.read { command in
            try #require(s[command.joined(separator: " ")], "no \(command.joined(separator: " ")) section")
        }
        let differences = try kernel.differences(from: desired)
        #expect(differences.isEmpty, "\(e.profile) through systemd-networkd:\n\(differences.joined(separator: "\n"))")
    }
}
