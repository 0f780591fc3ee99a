// Issue 10's bond drill: `xg-scale lab up` with the shipped active-backup profile and `lab drill`
// inside the bonding VM (the host kernel has no bonding driver). One boot, scenario
// Tests/VM/scenarios/lab-drill-bond.sh.
import Foundation
import Testing
import TestSupport

extension BondVMTests {
    @Test("lab drill of the active-backup bond profile in the VM: outage near miimon + updelay, failover seen, nothing left")
    func labDrillOfTheBondProfile() throws {
        guard try BondVM.available() else { return }
        let profiles = packageRoot().appendingPathComponent("profiles")
        let files = ["bond-active-backup.yaml", "inventory.yaml"].map { profiles.appendingPathComponent($0) }
        let r = try BondVM.boot(scenarioFile: "lab-drill-bond.sh", files: files, timeout: 600)
        #expect(r.status == 0, "scenario failed (\(r.status)): \(r.stderr)\n\(r.stdout)")
        let s = BondVM.sections(r.stdout)
        func text(_ name: String) -> String { (s[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(text("up-exit") == "0", "lab up: \(text("up-stderr"))")

        // The profile: miimon 100, updelay 200, primary peth0.
        let before = BondingProc(text("bonding-before"))
        #expect(before.activeSlave == "peth0", "\(text("bonding-before"))")
        #expect(before.miimon == 100)

        let report = try #require(try JSONSerialization.jsonObject(with: Data(text("drill").utf8)) as? [String: Any],
                                  "drill JSON: \(text("drill"))\nstderr: \(text("drill-stderr"))")
        let scenarios = report["scenarios"] as? [[String: Any]] ?? []
        #expect(text("drill-exit") == "0", "drill exit \(text("drill-exit")): \(text("drill-stderr"))")
        #expect(scenarios.map { $0["scenario"] as? String ?? "" } == ["active-uplink-cut", "switch-power-off"])
        for entry in scenarios {
            let name = entry["scenario"] as? String ?? "?"
            let outage = entry["outage_ms"] as? Int ?? -1
            let bound = entry["bound_ms"] as? Int ?? -1
            print("labDrillOfTheBondProfile: \(name) outage \(outage) ms, bound \(bound) ms, restore outage \(entry["restore_outage_ms"] ?? "-") ms, interval \(entry["interval_ms"] ?? "-") ms")
            #expect(bound == 100 + 200, "\(name): bound \(bound), basis \(entry["bound_basis"] ?? "-")")
            // At least one probe lost (the cut was felt), and no longer than the bond's bound.
            #expect(outage > 0 && outage <= bound, "\(name): outage \(outage) ms, bound \(bound) ms: \(entry)")
            #expect(entry["restored"] as? Bool == true, "\(name): \(entry)")
            let events = entry["events"] as? [[String: Any]] ?? []
            let failover = events.first { $0["event"] as? String == "bond-failover" && $0["node"] as? String == "dom0" }
            #expect(failover?["group"] as? String == "bond0", "\(name): events \(events)")
            #expect(failover?["from"] as? String == "peth0" && failover?["to"] as? String == "peth1", "\(name): \(failover ?? [:])")
        }
        // The cut one: node 1's active slave (peth0) is cabled to switch1: one port of switch1 set down.
        let cutPorts = scenarios.first?["cut"] as? [String] ?? []
        #expect(cutPorts.count == 1 && cutPorts.allSatisfy { $0.hasPrefix("xgl-vmlab-sw1:") }, "cut: \(cutPorts)")

        // Independently of xg-scale: node 1's /proc/net/bonding/bond0 while the cut held.
        let cut = BondingProc(text("bonding-during-cut"))
        #expect(cut.activeSlave == "peth1", "bond0 during the cut: \(text("bonding-during-cut"))")
        #expect(cut.slave("peth0")?.miiStatus == "down")
        #expect(BondingProc(text("bonding-after")).activeSlave == "peth0", "primary back after the restore")

        #expect(text("down-exit") == "0", "lab down: \(text("down-stderr"))")
        #expect(text("netns-after") == text("netns-before"), "namespaces left: \(text("netns-after"))")
        let links = Set(text("links-after").split(separator: "\n").map(String.init))
        #expect(links.allSatisfy { !$0.hasPrefix("bond") && !$0.hasPrefix("xg") && !$0.hasPrefix("peth") }, "links left: \(links)")
    }

}
