// plan/apply/confirm/rollback of the STP example profiles on the real kernel, each in a
// throwaway namespace with the binary run under `ip netns exec`. Root; skipped without it
// (fails under CI=true).
import Foundation
import Testing
import TestSupport
import NodeNetwork

let stpProfiles = ["stp-two-switches.yaml", "stp-bridge-address.yaml", "stp-guest-veths.yaml"]

@Suite(.serialized) struct ApplyKernelTests {
    @Test(arguments: stpProfiles)
    func applyFromNothingThenPlanIsEmptyAndReapplySendsNoChange(_ profile: String) throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("apply")
        defer { lab.close() }
        let args = Lab.profileArgs(profile)
        let before = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"]))
        #expect(!before.inSync)
        #expect(try lab.xg(["plan"] + args).status == 2)

        let first = try lab.xg(["apply"] + args + ["--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let applied = try decode(ApplyJSON.self, first)
        #expect(applied.applied && applied.changes.count == before.changes.count)

        let plan = try lab.xg(["plan"] + args)
        #expect(plan.status == 0, "plan after apply: \(plan.stdout)")
        #expect(plan.stdout == "in sync: nothing to change\n")

        // What the profile asked for is what `show` reads back.
        let state = try lab.state()
        let bridge = try #require(state.interfaces.first { $0.kind == .bridge })
        #expect(bridge.bridge?.stp == true && bridge.bridge?.forwardDelay == 4 && bridge.bridge?.maxAge == 6)
        #expect(state["peth0"]?.master == bridge.name && state["peth1"]?.master == bridge.name)
        #expect(state.routes.contains { $0.gateway == "192.0.2.1" })
        try lab.expectKernelHolds(profile)

        let ids = try lab.identities()
        let again = try lab.xg(["apply"] + args + ["--json"])
        #expect(again.status == 0)
        let noop = try decode(ApplyJSON.self, again)
        #expect(noop.inSync && noop.changeRequests == 0, "re-apply sent \(noop.changeRequests) change requests")
        #expect(try lab.identities() == ids, "a no-op re-apply recreated or flapped a link")
    }

    @Test func changingOneOptionChangesOnlyThatOption() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("one")
        defer { lab.close() }
        #expect(try lab.xg(["apply"] + Lab.profileArgs("stp-two-switches.yaml")).status == 0)
        let ids = try lab.identities()
        let before = try lab.state()
        let edited = try lab.editedProfile("stp-two-switches.yaml", [("peth1: {priority: 32, cost: 200}", "peth1: {priority: 32, cost: 250}")])
        let plan = try decode(PlanJSON.self, try lab.xg(["plan"] + Lab.profileArgs(edited) + ["--json"]))
        #expect(plan.changes.map(\.summary) == ["set port peth1 priority 32 cost 250"])
        let r = try lab.xg(["apply"] + Lab.profileArgs(edited) + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try decode(ApplyJSON.self, r).changeRequests == 1)
        var after = try lab.state()
        #expect(after["peth1"]?.port?.cost == 250)
        try lab.expectKernelHolds(edited)
        // Everything else reads back as before, and no link was recreated or flapped.
        #expect(try lab.identities() == ids)
        for i in after.interfaces.indices where after.interfaces[i].name == "peth1" { after.interfaces[i].port?.cost = 200 }
        #expect(after.interfaces.map(\.name) == before.interfaces.map(\.name))
        #expect(after.interfaces.map(\.bridge?.forwardDelay) == before.interfaces.map(\.bridge?.forwardDelay))
        #expect(after.interfaces.map { $0.port?.cost } == before.interfaces.map { $0.port?.cost })

        // A bridge timer: one set-bridge request, still no flap.
        let delay = try lab.editedProfile("stp-two-switches.yaml", [("forward-delay: 4 ", "forward-delay: 5 "),
                                                                    ("cost: 200", "cost: 250")])
        let plan2 = try decode(PlanJSON.self, try lab.xg(["plan"] + Lab.profileArgs(delay) + ["--json"]))
        #expect(plan2.changes.map(\.action) == ["set-bridge"])
        #expect(try lab.xg(["apply"] + Lab.profileArgs(delay)).status == 0)
        #expect(try lab.state()["xenbr0"]?.bridge?.forwardDelay == 5)
        try lab.expectKernelHolds(delay)
        #expect(try lab.identities() == ids)
        #expect(try lab.xg(["plan"] + Lab.profileArgs(delay)).status == 0)
    }

    @Test func kernelRefusalMidwayLeavesTheSnapshotState() throws {
        guard try prerequisites(root: true, programs: ["ip", "sysctl"]) else { return }
        let lab = try Lab("refuse")
        defer { lab.close() }
        // IPv6 off in the namespace: the kernel refuses the profile's IPv6 address (step 17 of 18),
        // after the bridge, the veth pair, ports, MTUs, up and the IPv4 address are done.
        try lab.ns.exec(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        let before = try lab.comparable()
        let kernelBefore = try lab.kernelComparable()
        let r = try lab.xg(["apply"] + Lab.profileArgs("stp-two-switches.yaml"))
        #expect(r.status == 1)
        #expect(r.stderr.contains("add address 2001:db8::10/64 dev veth0) failed"), "\(r.stderr)")
        #expect(r.stderr.contains("IPv6 is disabled on this device"), "the kernel's reason: \(r.stderr)")
        #expect(r.stderr.contains("rolled back"))
        #expect(try lab.comparable() == before)
        #expect(try lab.kernelComparable() == kernelBefore)
        #expect(!FileManager.default.fileExists(atPath: lab.stateDir + "/owned.json"), "nothing became owned")
    }

    @Test func missingUplinkChangesNothing() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("missing", uplinks: ["peth0"])
        defer { lab.close() }
        let before = try lab.comparable()
        let kernelBefore = try lab.kernelComparable()
        let r = try lab.xg(["apply"] + Lab.profileArgs("stp-two-switches.yaml"))
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("uplink peth1 does not exist"), "\(r.stderr)")
        #expect(try lab.comparable() == before)
        #expect(try lab.kernelComparable() == kernelBefore)
    }

    /// A failure at every step index (a fault backend in front of the kernel), from nothing and
    /// from an applied profile towards an edited one: each leaves the snapshot state exactly.
    @Test(arguments: ["error", "signal"])
    func aFailureAtEveryStepLeavesTheSnapshotState(_ kind: String) throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("fault")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml")
        func everyStep(_ args: [String]) throws {
            let n = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"])).changes.count
            #expect(n > 3)
            let before = try lab.comparable()
            let kernelBefore = try lab.kernelComparable()
            for k in 1...n {
                let r = try lab.xg(["apply"] + args, env: ["XG_SCALE_FAULT_STEP": "\(k)", "XG_SCALE_FAULT_KIND": kind])
                #expect(r.status == 1, "step \(k): \(r.stderr) \(r.stdout)")
                #expect(r.stderr.contains(kind == "error" ? "injected fault at step \(k)" : "interrupted by SIGTERM"), "step \(k): \(r.stderr)")
                let now = try lab.comparable()
                #expect(now == before, "fault at step \(k) of \(n) left a different state:\n\(r.stderr)")
                let kernelNow = try lab.kernelComparable()
                #expect(kernelNow == kernelBefore, "fault at step \(k) of \(n): the kernel (ip/bridge/sysfs) differs:\n\(kernelNow)\nbefore:\n\(kernelBefore)")
                if now != before || kernelNow != kernelBefore { return }
            }
        }
        try everyStep(args)
        #expect(try lab.xg(["apply"] + args).status == 0)
        // From the applied state to another one: delete the owned veth pair, create another,
        // change timers, a port cost, the MTU and the addresses.
        let edited = try lab.editedProfile("stp-two-switches.yaml", [
            ("{name: veth0, peer: vif0.0}", "{name: veth1, peer: vif1.0}"),
            ("forward-delay: 4 ", "forward-delay: 6 "), ("max-age: 6 ", "max-age: 10 "),
            ("cost: 200", "cost: 300"), ("mtu: 1500", "mtu: 1400")])
        try everyStep(Lab.profileArgs(edited))
        #expect(try lab.xg(["apply"] + Lab.profileArgs(edited)).status == 0)
        #expect(try lab.xg(["plan"] + Lab.profileArgs(edited)).status == 0)
        #expect(try lab.state()["veth0"] == nil, "the owned veth pair the profile no longer wants is deleted")
        try lab.expectKernelHolds(edited)
        #expect(try lab.kernel()["veth0"] == nil && lab.kernel()["vif0.0"] == nil, "ip still lists the deleted veth pair")
    }

    @Test func secondApplyIsRefusedWhileTheLockIsHeld() throws {
        guard try prerequisites(root: true, programs: ["ip", "flock", "sleep"]) else { return }
        let lab = try Lab("lock")
        defer { lab.close() }
        // Another holder of STATE_DIR/lock (flock(1), as a running apply would be).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["flock", lab.stateDir + "/lock", "sh", "-c", "echo $$ > \(lab.stateDir)/lock; echo held; exec sleep 60"]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData  // "held": the lock is taken
        let holderPID = try String(contentsOfFile: lab.stateDir + "/lock", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { kill(pid_t(holderPID) ?? 0, SIGKILL); holder.waitUntilExit() }  // SIGKILL: test threads may block SIGTERM
        let before = try lab.comparable()
        let kernelBefore = try lab.kernelComparable()
        let r = try lab.xg(["apply"] + Lab.profileArgs("stp-two-switches.yaml"))
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("another xg-scale apply is running"), "\(r.stderr)")
        #expect(r.stderr.contains("process \(holderPID) holds"), "names the holder: \(r.stderr)")
        #expect(try lab.comparable() == before)
        #expect(try lab.kernelComparable() == kernelBefore)
    }
}
