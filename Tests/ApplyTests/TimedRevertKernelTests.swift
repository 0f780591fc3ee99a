// apply --confirm-within, confirm and rollback on the real kernel: the detached watchdog
// restores the pre-apply state even when the applying process was killed. Root.
import Foundation
import Testing
import TestSupport

/// True while `pid` runs (a zombie counts as gone).
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    let afterName = stat.split(separator: ")").last ?? ""
    return !afterName.trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

func pendingWatchdog(_ lab: Lab) -> Int32? {
    guard let data = FileManager.default.contents(atPath: lab.stateDir + "/pending.json"),
          let p = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return (p["watchdog-pid"] as? Int).map(Int32.init)
}

@Suite(.serialized) struct TimedRevertKernelTests {
    @Test func watchdogRestoresThePreApplyStateAfterTheApplyWasKilled() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("revert")
        defer { lab.close() }
        let before = try lab.comparable()
        let kernelBefore = try lab.kernelComparable()
        let apply = Process()
        apply.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        apply.arguments = ["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "apply"]
            + Lab.profileArgs("stp-two-switches.yaml") + ["--confirm-within", "6", "--json", "--state-dir", lab.stateDir]
        let out = Pipe()
        apply.standardOutput = out
        apply.standardError = FileHandle.nullDevice
        try apply.run()
        var text = ""
        while !text.contains("\"applied\" : true") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("\"applied\" : true"), "apply did not report applied: \(text)")
        kill(apply.processIdentifier, SIGKILL)  // the admin's session dies
        apply.waitUntilExit()
        let watchdog = try #require(pendingWatchdog(lab))
        #expect(isRunning(watchdog))
        #expect(try lab.comparable() != before, "the apply changed the node")
        #expect(try lab.kernelComparable() != kernelBefore, "ip/bridge/sysfs see the apply too")
        let restored = try waitUntil(timeout: 20, interval: 0.1) {
            try lab.comparable() == before && !FileManager.default.fileExists(atPath: lab.stateDir + "/pending.json")
        }
        let now = (try? lab.comparable()) ?? ""
        let watchLog = (try? String(contentsOfFile: lab.stateDir + "/watchdog.log", encoding: .utf8)) ?? ""
        #expect(restored, "not restored:\n\(now)\nlog: \(watchLog)")
        #expect(try lab.kernelComparable() == kernelBefore, "ip/bridge/sysfs disagree with show: not restored")
        #expect(try waitUntil(timeout: 5) { !isRunning(watchdog) }, "watchdog exits after restoring")
        let log = try String(contentsOfFile: lab.stateDir + "/watchdog.log", encoding: .utf8)
        #expect(log.contains(": restored"), "\(log)")
        // Ownership is back to before the apply: a fresh apply recreates what it needs.
        #expect(try lab.xg(["plan"] + Lab.profileArgs("stp-two-switches.yaml")).status == 2)
        #expect(try lab.xg(["confirm"]).status == 1, "nothing left to confirm")
    }

    @Test func confirmKeepsTheApplyAndStopsTheWatchdog() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("confirm")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml")
        let r = try lab.xg(["apply"] + args + ["--confirm-within", "60"])  // confirmed below, long before
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("xg-scale confirm"))
        let watchdog = try #require(pendingWatchdog(lab))
        let applied = try lab.comparable()
        try lab.expectKernelHolds("stp-two-switches.yaml")
        // Another apply must wait for the decision.
        let second = try lab.xg(["apply"] + args)
        #expect(second.status == 1 && second.stderr.contains("timed revert"), "\(second.stderr)")
        let c = try lab.xg(["confirm"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(try waitUntil(timeout: 5) { !isRunning(watchdog) }, "confirm stops the watchdog")
        #expect(try lab.comparable() == applied)
        try lab.expectKernelHolds("stp-two-switches.yaml")
        #expect(try lab.xg(["plan"] + args).status == 0)
        #expect(try lab.xg(["confirm"]).status == 1)
    }

    @Test func rollbackRestoresAtOnce() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("rollback")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml")
        #expect(try lab.xg(["apply"] + args).status == 0)
        let applied = try lab.comparable()
        let kernelApplied = try lab.kernelComparable()
        // From an applied state to an edited one, then roll that back: the first apply's state.
        let edited = try lab.editedProfile("stp-two-switches.yaml", [
            ("{name: veth0, peer: vif0.0}", "{name: veth1, peer: vif1.0}"), ("forward-delay: 4 ", "forward-delay: 7 "),
            ("mtu: 1500", "mtu: 1400")])
        let r = try lab.xg(["apply"] + Lab.profileArgs(edited) + ["--confirm-within", "600"])
        #expect(r.status == 0, "\(r.stderr)")
        let watchdog = try #require(pendingWatchdog(lab))
        #expect(try lab.comparable() != applied)
        try lab.expectKernelHolds(edited)
        let rb = try lab.xg(["rollback"])
        #expect(rb.status == 0, "\(rb.stdout)\(rb.stderr)")
        #expect(try lab.comparable() == applied)
        #expect(try lab.kernelComparable() == kernelApplied)
        try lab.expectKernelHolds("stp-two-switches.yaml")
        #expect(try waitUntil(timeout: 5) { !isRunning(watchdog) })
        #expect(try lab.xg(["plan"] + args).status == 0, "ownership is the first apply's again")
        // Still owned after the rollback: a profile that no longer wants veth0 deletes it.
        let replan = try lab.xg(["plan"] + Lab.profileArgs(edited))
        #expect(replan.status == 2 && replan.stdout.contains("delete veth0"), "\(replan.stdout)\(replan.stderr)")
        #expect(try lab.xg(["rollback"]).status == 1)
    }
}
