// The save of owned.json after a verified apply only shrinks the journal written before the
// first create; it is skipped when nothing shrinks and written without the directory fsync
// otherwise. These tests prove a lost final save harmless: with the superset journal left on
// disk, nothing that is not ours is ever deleted. Root; real kernel in throwaway namespaces.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct FinalSaveKernelTests {
    func owned(_ lab: Lab) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lab.stateDir + "/owned.json"))) as? [String: Any] ?? [:]
    }

    /// The journal written before the first create (fsynced) is left as it was by a crash that
    /// loses the final save. It names the deleted veth pair; an admin then makes a pair of the
    /// same names by hand. Later applies — in sync, and one that deletes what is ours — leave
    /// the admin's pair alone (it carries no mark), read with ip -j link.
    @Test func aLostFinalSaveDeletesNothingThatIsNotOurs() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("lostsave")
        defer { lab.close() }
        #expect(try lab.xg(["apply"] + Lab.profileArgs("stp-two-switches.yaml")).status == 0)
        let first = try owned(lab)
        #expect(Set(first["interfaces"] as? [String] ?? []) == ["xenbr0", "veth0", "vif0.0"])
        let edited = try lab.editedProfile("stp-two-switches.yaml", [("{name: veth0, peer: vif0.0}", "{name: veth1, peer: vif1.0}")])
        #expect(try lab.xg(["apply"] + Lab.profileArgs(edited)).status == 0)
        #expect(Set(try owned(lab)["interfaces"] as? [String] ?? []) == ["xenbr0", "veth1", "vif1.0"], "the final save shrinks the journal")
        // The crash: owned.json as journalled before that apply's first create.
        var lost = try owned(lab)
        lost["interfaces"] = ["veth0", "vif0.0", "veth1", "vif1.0", "xenbr0"]
        try JSONSerialization.data(withJSONObject: lost).write(to: URL(fileURLWithPath: lab.stateDir + "/owned.json"))
        try lab.ns.exec(["ip", "link", "add", "veth0", "type", "veth", "peer", "name", "vif0.0"])

        let plan = try decode(PlanJSON.self, try lab.xg(["plan"] + Lab.profileArgs(edited) + ["--json"]))
        #expect(plan.inSync, "\(plan.changes.map(\.summary))")
        // Another profile: what is ours (xenbr0, veth1 pair) goes; the admin's pair stays.
        let r = try lab.xg(["apply"] + Lab.profileArgs("stp-bridge-address.yaml"))
        #expect(r.status == 0, "\(r.stderr)")
        let names = try lab.linkNames()
        #expect(names.isSuperset(of: ["veth0", "vif0.0"]), "the admin's veth pair was deleted: \(names.sorted())")
        #expect(names.isDisjoint(with: ["xenbr0", "veth1", "vif1.0"]), "\(names.sorted())")
    }
}
