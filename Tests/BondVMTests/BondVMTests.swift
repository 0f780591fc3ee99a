// Bonding in a real Debian kernel under qemu (this machine's kernel has no bonding driver).
// Serialized: each test is one VM boot, and TCG is CPU-bound.
import Foundation
import NodeNetwork
import Testing
import TestSupport

@Suite("Bonding VM", .serialized)
struct BondVMTests {
    @Test("active-backup bond over two veths fails over when the active slave's peer goes down")
    func activeBackupFailover() throws {
        guard try BondVM.available() else { return }
        let r = try BondVM.boot(scenarioFile: "bond-failover.sh")
        #expect(r.status == 0, "scenario failed: \(r.stderr)")
        let s = BondVM.sections(r.stdout)
        #expect(s["modprobe"]?.contains("bonding loaded") == true)

        let before = BondingProc(try #require(s["before"], "no /proc/net/bonding/bond0 before the cut"))
        #expect(before.mode == "fault-tolerance (active-backup)")
        #expect(before.miimon == 100)
        #expect(before.miiStatus == "up")
        #expect(before.slaves.map(\.name) == ["veth0", "veth1"])
        #expect(before.slaves.allSatisfy { $0.miiStatus == "up" })
        let firstActive = try #require(before.activeSlave)
        #expect(["veth0", "veth1"].contains(firstActive))

        // The scenario cut the peer of the slave that was active.
        let cut = s["cut"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cut == firstActive.replacingOccurrences(of: "veth", with: "peer"))

        let after = BondingProc(try #require(s["after"], "no /proc/net/bonding/bond0 after the cut"))
        let other = firstActive == "veth0" ? "veth1" : "veth0"
        #expect(after.activeSlave == other)
        #expect(after.miiStatus == "up", "the bond must stay up on its remaining slave")
        #expect(after.slave(firstActive)?.miiStatus == "down")
        #expect(after.slave(firstActive)?.linkFailureCount == 1)
        #expect(after.slave(other)?.miiStatus == "up")
        #expect(s["ip-link"]?.contains("bond mode active-backup active_slave \(other) miimon 100") == true)

        // `xg-scale show --json` must tell the same story.
        guard try HostCLI.require("show", options: ["--json"]) else { return }
        let shownBefore = try decodeState(try #require(s["show-before"], "no show --json output before the cut"))
        let shownAfter = try decodeState(try #require(s["show-after"], "no show --json output after the cut"))
        let bondBefore = try #require(shownBefore["bond0"]?.bond, "show --json has no bond0 with bond settings")
        #expect(shownBefore["bond0"]?.kind == .bond)
        #expect(bondBefore.mode == "active-backup")
        #expect(bondBefore.miimon == 100)
        #expect(bondBefore.activeSlave == firstActive)
        for name in ["veth0", "veth1"] {
            #expect(shownBefore[name]?.master == "bond0")
            #expect(shownBefore[name]?.slave?.miiStatus == "up")
        }
        #expect(shownBefore[firstActive]?.slave?.state == "active")
        #expect(shownBefore[other]?.slave?.state == "backup")

        #expect(shownAfter["bond0"]?.bond?.activeSlave == other)
        #expect(shownAfter[firstActive]?.slave?.miiStatus == "down")
        #expect(shownAfter[firstActive]?.slave?.linkFailureCount == 1)
        #expect(shownAfter[firstActive]?.carrier == false)
        #expect(shownAfter[other]?.slave?.state == "active")
        #expect(shownAfter[other]?.slave?.miiStatus == "up")
    }

    @Test("xg-scale built with the static Swift stdlib runs inside the VM")
    func xgScaleRunsInVM() throws {
        guard try BondVM.available() else { return }
        let hostVersion = try runChecked([xgScaleBinary(), "--version"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try BondVM.boot(scenario: """
            set -eu
            echo "=== version"
            xg-scale --version
            echo "=== help"
            xg-scale --help
            echo "=== kernel"
            uname -r
            """)
        #expect(r.status == 0, "scenario failed: \(r.stderr)")
        let s = BondVM.sections(r.stdout)
        #expect(s["version"]?.trimmingCharacters(in: .whitespacesAndNewlines) == hostVersion)
        #expect(s["help"]?.contains("USAGE: xg-scale") == true)
        #expect(s["kernel"]?.hasPrefix("6.1.0-") == true, "not the Debian 6.1 kernel: \(s["kernel"] ?? "")")
    }

    @Test("a scenario that never ends is killed, its output kept, and the harness exits 124")
    func harnessKillsAHangingScenario() throws {
        guard try BondVM.available() else { return }
        // Ignores TERM, so the guest's watchdog must KILL it; --timeout 40 gives the guest 20 s
        // after its boot and leaves 18 s for a slow boot on a loaded machine.
        try BondVM.prepare()
        let start = Date()
        let r = try BondVM.boot(scenario: "echo started; trap '' TERM; while :; do sleep 1; done", timeout: 40)
        #expect(r.status == 124)
        #expect(r.stdout == "started\n")
        #expect(r.stderr.contains("scenario killed after 20 s"))
        #expect(Date().timeIntervalSince(start) < 46, "qemu must be gone by the timeout (plus kill grace)")
    }

    @Test("a kernel panic ends the VM at once, reported as exit 125 with the console's tail")
    func harnessReportsAPanic() throws {
        guard try BondVM.available() else { return }
        let r = try BondVM.boot(scenario: "echo c > /proc/sysrq-trigger")
        #expect(r.status == 125)
        #expect(r.stderr.contains("the VM stopped without a scenario status"))
        #expect(r.stderr.contains("Kernel panic") || r.stderr.contains("sysrq"), "console tail missing: \(r.stderr)")
    }

    @Test("the harness reports the scenario's exit status and stderr")
    func harnessReportsStatus() throws {
        guard try BondVM.available() else { return }
        let r = try BondVM.boot(scenario: "echo out; echo err >&2; exit 7")
        #expect(r.status == 7)
        #expect(r.stdout == "out\n")
        #expect(r.stderr == "err\n")
    }
}
