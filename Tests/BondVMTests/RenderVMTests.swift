// The `ip` render of each bond example profile, fed to `ip -batch -` in the bonding VM, gives
// the bond the profile asks for: read back from /proc/net/bonding and from `xg-scale show --json`.
// One boot per profile.
import Foundation
import NodeNetwork
import Testing
import TestSupport

/// What an example profile promises for its bond (and where each value is written in it).
struct BondProfileExpectation: Sendable, CustomStringConvertible {
    var profile: String
    var procMode: String
    var mode: String
    var miimon: Int
    var primary: String?
    var lacpRate: String?
    var xmitHashPolicy: String?
    /// Lines the profile file must contain: if the example changes, this test must change too.
    var profileLines: [String]
    var description: String { profile }

    static let all: [BondProfileExpectation] = [
        BondProfileExpectation(
            profile: "bond-active-backup.yaml", procMode: "fault-tolerance (active-backup)",
            mode: "active-backup", miimon: 100, primary: "peth0",
            profileLines: ["mode: active-backup", "miimon: 100", "primary: peth0"]),
        BondProfileExpectation(
            profile: "bond-802.3ad.yaml", procMode: "IEEE 802.3ad Dynamic link aggregation",
            mode: "802.3ad", miimon: 100, lacpRate: "fast", xmitHashPolicy: "layer3+4",
            profileLines: ["mode: 802.3ad", "miimon: 100", "lacp-rate: fast", "xmit-hash-policy: layer3+4"]),
    ]
}

// In the serialized "Bonding VM" suite, so that no two VMs boot at once.
extension BondVMTests {
    @Test("ip -batch of the ip render builds the profile's bond",
          arguments: BondProfileExpectation.all)
    func ipRenderBuildsTheBond(_ e: BondProfileExpectation) throws {
        guard try BondVM.available(), try HostCLI.require("render", options: ["--format"]),
              try HostCLI.require("show", options: ["--json"]) else { return }
        let profiles = packageRoot().appendingPathComponent("profiles")
        let profileText = try String(contentsOf: profiles.appendingPathComponent(e.profile), encoding: .utf8)
        for line in e.profileLines {
            #expect(profileText.contains(line), "\(e.profile) no longer says '\(line)'")
        }

        let batch = FileManager.default.temporaryDirectory
            .appendingPathComponent("xg-bondvm-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: batch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: batch) }
        let rendered = try runChecked([
            xgScaleBinary(), "render", profiles.appendingPathComponent(e.profile).path,
            "--inventory", profiles.appendingPathComponent("inventory.yaml").path,
            "--node", "dom0", "--format", "ip",
        ]).stdout
        let batchFile = batch.appendingPathComponent("ip.batch")
        try rendered.write(to: batchFile, atomically: true, encoding: .utf8)

        let r = try BondVM.boot(scenarioFile: "render-ip.sh", files: [batchFile])
        #expect(r.status == 0, "scenario failed: \(r.stderr)\nbatch:\n\(rendered)")
        let s = BondVM.sections(r.stdout)
        #expect(s["batch"]?.contains("ip -batch: ok") == true)

        let proc = BondingProc(try #require(s["proc bond0"], "no /proc/net/bonding/bond0: \(r.stderr)"))
        #expect(proc.mode == e.procMode)
        #expect(proc.miimon == e.miimon)
        #expect(proc.primary == e.primary)
        #expect(proc.slaves.map(\.name) == ["peth0", "peth1"])
        #expect(proc.slaves.allSatisfy { $0.miiStatus == "up" })
        if let lacp = e.lacpRate { #expect(proc.lacpRate == lacp) }
        if let hash = e.xmitHashPolicy { #expect(proc.transmitHashPolicy == hash) }
        if let primary = e.primary { #expect(proc.activeSlave == primary, "the primary takes the traffic") }

        let shown = try decodeState(try #require(s["show"], "no show --json output"))
        let bond = try #require(shown["bond0"]?.bond, "show --json has no bond0")
        #expect(bond.mode == e.mode)
        #expect(bond.miimon == e.miimon)
        #expect(bond.primary == e.primary)
        if let lacp = e.lacpRate { #expect(bond.lacpRate == lacp) }
        if let hash = e.xmitHashPolicy { #expect(bond.xmitHashPolicy == hash) }
        if let primary = e.primary { #expect(bond.activeSlave == primary) }
        #expect(shown["bond0"]?.master == "xenbr0", "the bond is the bridge's port")
        for uplink in ["peth0", "peth1"] {
            #expect(shown[uplink]?.master == "bond0")
            #expect(shown[uplink]?.slave?.miiStatus == "up")
        }
        // ip's own view agrees.
        let details = s["ip-details"] ?? ""
        #expect(details.contains("bond mode \(e.mode) "))
        if let lacp = e.lacpRate { #expect(details.contains("lacp_rate \(lacp)")) }
        if let hash = e.xmitHashPolicy { #expect(details.contains("xmit_hash_policy \(hash)")) }
    }
}
