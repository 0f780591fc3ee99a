// Ownership that cannot be confused (issue 15, item 1 and the kills of item 4): state per
// network namespace, the apply lock per namespace, deletion only of what is both recorded and
// marked (IFLA_IFALIAS) and never lo or an uplink's peer, ownership journalled before each
// create so a SIGKILL at any step leaks nothing. Root; real kernel in throwaway namespaces.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct OwnershipKernelTests {
    /// Two namespaces with the default state dir (`ip netns exec … xg-scale apply`): the second
    /// apply must not delete a bridge the first created — nor one the admin made by hand.
    @Test func twoNamespacesWithTheDefaultStateDirDoNotShareOwnership() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let root = try Scratch("root")
        let a = try Lab("ns-a"), b = try Lab("ns-b")
        defer { a.close(); b.close(); root.close() }
        #expect(try a.xgDefault(["apply"] + Lab.profileArgs("stp-two-switches.yaml"), root: root.path).status == 0)
        // In B the admin has a bridge of the same name, made by hand.
        try b.ns.exec(["ip", "link", "add", "xenbr0", "type", "bridge"])
        let plan = try decode(PlanJSON.self, try b.xgDefault(["plan"] + Lab.profileArgs("stp-bridge-address.yaml") + ["--json"], root: root.path))
        #expect(!plan.changes.contains { $0.action == "delete" }, "B plans deletes: \(plan.changes.map(\.summary))")
        let r = try b.xgDefault(["apply"] + Lab.profileArgs("stp-bridge-address.yaml"), root: root.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try b.linkNames().contains("xenbr0"), "B's own xenbr0 was deleted")
        #expect(try a.linkNames().isSuperset(of: ["xenbr0", "veth0", "vif0.0"]))
        // Each namespace has its own state directory, named by its identity.
        #expect(FileManager.default.fileExists(atPath: "\(root.path)/netns-\(a.netnsInode)/owned.json"))
        #expect(FileManager.default.fileExists(atPath: "\(root.path)/netns-\(b.netnsInode)/owned.json"))
    }

    /// A stale owned.json naming `lo`, an uplink's veth peer and an interface the admin made:
    /// nothing of it is deleted, even with the kernel mark forged on the peer.
    @Test func staleOwnershipNamingLoAnUplinkPeerOrAForeignLinkDeletesNothing() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("stale")
        defer { lab.close() }
        try lab.ns.exec(["ip", "link", "add", "advbr0", "type", "bridge"])
        try lab.ns.exec(["ip", "link", "set", "peth0p", "alias", "xg-scale:feed"])
        let owned = #"{"id": "feed", "interfaces": ["lo", "peth0p", "peth1", "advbr0"]}"#
        try owned.write(toFile: lab.stateDir + "/owned.json", atomically: true, encoding: .utf8)
        let args = Lab.profileArgs("stp-two-switches.yaml")
        let plan = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"]))
        #expect(!plan.changes.contains { $0.action == "delete" }, "\(plan.changes.map(\.summary))")
        let r = try lab.xg(["apply"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try lab.linkNames().isSuperset(of: ["lo", "peth0", "peth0p", "peth1", "peth1p", "advbr0"]))
        // Switching to another profile deletes what this apply made (marked), and still only that.
        #expect(try lab.xg(["apply"] + Lab.profileArgs("stp-bridge-address.yaml")).status == 0)
        #expect(try lab.linkNames() == ["lo", "peth0", "peth0p", "peth1", "peth1p", "advbr0", "br0"])
    }

    /// Every interface an apply creates carries the mark of its state, as `ip -d link` shows it.
    @Test func createdInterfacesAreMarkedInTheKernel() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("mark")
        defer { lab.close() }
        #expect(try lab.xg(["apply"] + Lab.profileArgs("stp-guest-veths.yaml")).status == 0)
        let owned = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lab.stateDir + "/owned.json"))) as? [String: Any]
        let id = try #require(owned?["id"] as? String)
        let aliases = try lab.linkAliases()
        for name in ["xenbr0", "vm1", "vm1-br", "vm2", "vm2-br"] {
            #expect(aliases[name] == "xg-scale:\(id)", "\(name): \(aliases[name] ?? "missing")")
        }
        for name in ["lo", "peth0", "peth1"] { #expect(aliases[name] == "", "\(name) was marked") }
        #expect(owned?["netns"] as? UInt64 == lab.netnsInode || (owned?["netns"] as? Int).map(UInt64.init) == lab.netnsInode)
    }

    /// Two applies in one namespace with different --state-dir: the second is refused naming
    /// the holder, and the first, let go on, finishes and verifies.
    @Test func twoAppliesInOneNamespaceWithDifferentStateDirsDoNotInterleave() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("nslock")
        let other = try Scratch("other")
        defer { lab.close(); other.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        first.arguments = ["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "apply"] + args + ["--state-dir", lab.stateDir]
        first.environment = ProcessInfo.processInfo.environment.merging(["XG_SCALE_FAULT_STEP": "3", "XG_SCALE_FAULT_KIND": "stop"]) { $1 }
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let pid = first.processIdentifier
        defer { kill(pid, SIGCONT); kill(pid, SIGKILL); first.waitUntilExit() }
        #expect(try waitUntil(timeout: 10) { processState(pid) == "T" }, "the first apply did not reach step 3")
        let second = try run(["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "apply"] + Lab.profileArgs("stp-bridge-address.yaml")
                             + ["--state-dir", other.path])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another xg-scale apply is running: process \(pid) holds"), "\(second.stderr)")
        #expect(second.stderr.contains("netns-\(lab.netnsInode).lock"), "\(second.stderr)")
        #expect(second.stderr.contains(lab.stateDir), "names the holder's state directory: \(second.stderr)")
        kill(pid, SIGCONT)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(try lab.xg(["plan"] + args).status == 0, "the first apply's result is complete")
        #expect(try !lab.linkNames().contains("br0"))
    }

    /// Another process takes the ifindex apply would give its next create (apply stopped just
    /// before it): the create is made again with a fresh index, and the intruder keeps no mark.
    @Test func anIndexTakenMeanwhileIsRetriedAndTheIntruderIsNotMarked() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("clash")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-guest-veths.yaml")
        let steps = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"])).changes
        #expect(steps.prefix(2).map(\.action) == ["create", "create"])
        let apply = try stoppedApply(lab, args, beforeStep: 2)
        try intruderTakesTheNextIndex(lab, args, resuming: apply)
    }

    /// Another process takes the next free ifindex after apply read the state, before its first
    /// create (apply stopped before step 1): the first create does not take the indexes the
    /// state read suggests (the intruder's create wakes the read's sentinel, so the writer scans
    /// the links again; FilteredDumpTests covers a seed gone stale unseen), its create is not
    /// refused, and the intruder keeps no mark.
    @Test func anIndexTakenBeforeTheFirstCreateIsLeftToItsOwner() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("clash1")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-guest-veths.yaml")
        let apply = try stoppedApply(lab, args, beforeStep: 1)
        try intruderTakesTheNextIndex(lab, args, resuming: apply)
    }

    /// While `apply` is stopped, another process makes bridge intr0 at the next free ifindex
    /// (read with `ip -j link`); then apply goes on. It must succeed, leave intr0 unmarked, mark
    /// every link it made, and leave the namespace in sync (the kernel's aliases read with `ip`).
    func intruderTakesTheNextIndex(_ lab: Lab, _ args: [String], resuming apply: Process) throws {
        let pid = apply.processIdentifier
        defer { kill(pid, SIGCONT); kill(pid, SIGKILL); apply.waitUntilExit() }
        let links = try JSONSerialization.jsonObject(with: Data(try lab.kernelLinks().utf8)) as? [[String: Any]] ?? []
        let next = (links.compactMap { $0["ifindex"] as? Int }.max() ?? 0) + 1
        try lab.ns.exec(["ip", "link", "add", "intr0", "index", "\(next)", "type", "bridge"])
        kill(pid, SIGCONT)
        apply.waitUntilExit()
        #expect(apply.terminationStatus == 0)
        let aliases = try lab.linkAliases()
        #expect(aliases["intr0"] == "", "the intruder was marked: \(aliases["intr0"] ?? "gone")")
        let mark = try #require(aliases["xenbr0"])
        #expect(mark.hasPrefix("xg-scale:"))
        for name in ["vm1", "vm1-br", "vm2", "vm2-br"] { #expect(aliases[name] == mark, "\(name)") }
        #expect(try lab.xg(["plan"] + args).status == 0)
    }

    /// An admin makes an interface with a name the plan is about to create, after the plan was
    /// read: the create is refused (the name is taken) and the undo deletes what apply made,
    /// never the admin's interface, whatever request path the create took (alone, combined
    /// with its settings, or pipelined with others).
    @Test func aNameTakenMeanwhileIsNotDeletedByTheUndo() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("taken")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-guest-veths.yaml")
        let steps = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"])).changes
        #expect(steps.first?.summary == "create bridge xenbr0", "\(steps.map(\.summary))")
        #expect(steps.contains { $0.action == "create" && $0.interface == "vm1" }, "\(steps.map(\.summary))")
        // Stopped before its first step: the plan is made, nothing is created yet.
        let apply = try stoppedApply(lab, args, beforeStep: 1)
        let pid = apply.processIdentifier
        defer { kill(pid, SIGCONT); kill(pid, SIGKILL); apply.waitUntilExit() }
        try lab.ns.exec(["ip", "link", "add", "vm1", "type", "bridge"])
        try lab.ns.exec(["ip", "link", "set", "vm1", "alias", "the admin's"])
        kill(pid, SIGCONT)
        apply.waitUntilExit()
        #expect(apply.terminationStatus == 1, "the create of vm1 is refused: apply fails")
        let links = try JSONSerialization.jsonObject(with: Data(try lab.ns.run(["ip", "-j", "-d", "link", "show"]).stdout.utf8))
            as? [[String: Any]] ?? []
        let vm1 = links.first { $0["ifname"] as? String == "vm1" }
        #expect(vm1 != nil, "the admin's vm1 was deleted by the undo")
        #expect((vm1?["linkinfo"] as? [String: Any])?["info_kind"] as? String == "bridge")
        #expect(vm1?["ifalias"] as? String == "the admin's")
        let names = Set(links.compactMap { $0["ifname"] as? String })
        #expect(names.isDisjoint(with: ["xenbr0", "vm1-br", "vm2", "vm2-br"]), "apply's own creates are undone: \(names.sorted())")
    }

    /// SIGKILL of apply before (kill) or right after (kill-after) every step of a plan: a
    /// following apply of a smaller profile deletes everything the killed one created and nothing
    /// it did not (read with ip -j link).
    @Test(arguments: ["kill", "kill-after"])
    func aKillAtEveryStepLeaksNothing(_ kind: String) throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let big = Lab.profileArgs("stp-two-switches.yaml"), small = Lab.profileArgs("stp-bridge-address.yaml")
        let probe = try Lab("kill-n")
        let n = try decode(PlanJSON.self, try probe.xg(["plan"] + big + ["--json"])).changes.count
        probe.close()
        #expect(n > 10)
        let expected: Set<String> = ["lo", "peth0", "peth0p", "peth1", "peth1p", "adm0", "adm1", "br0"]
        for k in 1...n {
            let lab = try Lab("kill")
            defer { lab.close() }
            try lab.ns.exec(["ip", "link", "add", "adm0", "type", "veth", "peer", "name", "adm1"])
            let killed = try lab.xg(["apply"] + big, env: ["XG_SCALE_FAULT_STEP": "\(k)", "XG_SCALE_FAULT_KIND": kind])
            #expect(killed.status == SIGKILL, "step \(k): \(killed.status) \(killed.stderr)")
            let r = try lab.xg(["apply"] + small)
            #expect(r.status == 0, "after a kill at step \(k): \(r.stderr)")
            let names = try lab.linkNames()
            #expect(names == expected, "\(kind) at step \(k) of \(n): left \(names.subtracting(expected).sorted()), lost \(expected.subtracting(names).sorted())")
        }
    }
}

/// `xg-scale apply` in the lab's namespace, stopped (SIGSTOP, XG_SCALE_FAULT_KIND=stop) before
/// step `beforeStep` of its plan; the caller sends SIGCONT (and kills it in a defer).
func stoppedApply(_ lab: Lab, _ args: [String], beforeStep: Int) throws -> Process {
    let apply = Process()
    apply.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    apply.arguments = ["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "apply"] + args + ["--state-dir", lab.stateDir]
    apply.environment = ProcessInfo.processInfo.environment.merging(
        ["XG_SCALE_FAULT_STEP": "\(beforeStep)", "XG_SCALE_FAULT_KIND": "stop"]) { $1 }
    apply.standardOutput = FileHandle.nullDevice
    apply.standardError = FileHandle.nullDevice
    try apply.run()
    #expect(try waitUntil(timeout: 10) { processState(apply.processIdentifier) == "T" }, "apply did not stop before step \(beforeStep)")
    return apply
}

/// The state letter of /proc/PID/stat ("T" stopped, "Z" zombie…), nil when gone.
func processState(_ pid: Int32) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
}
