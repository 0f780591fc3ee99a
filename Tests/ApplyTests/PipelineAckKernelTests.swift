// A pipelined sendmsg asks for one ACK only, on its last message (issue 11): the kernel answers
// a refused request with an error whether asked or not, so a refusal anywhere in the batch must
// still be the one reported, and every request after it undone. Four guest veth pairs put eleven
// requests (creates with their marks) ahead of the uplinks' enslaving, the last two requests of
// the batch; one uplink is a bridge, which the kernel refuses as a port. Read back with
// ip -j -d link. Root; skipped without it (fails under CI=true).
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct PipelineAckKernelTests {
    /// peth0 (second to last request of the batch) refused: peth1's enslaving after it, sent
    /// without an ACK asked for, was made by the kernel and is undone.
    @Test func aRefusalBeforeTheLastMessageIsReportedAndTheLaterOnesUndone() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        try refusal(bridge: "peth0", veth: "peth1", step: 7)
    }

    /// peth1 (the last request, the one that asks for the ACK) refused: everything before it
    /// was made and is undone.
    @Test func aRefusalOfTheLastMessageIsReportedAndTheEarlierOnesUndone() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        try refusal(bridge: "peth1", veth: "peth0", step: 8)
    }

    private func refusal(bridge: String, veth: String, step: Int) throws {
        let lab = try Lab("pipe-ack", uplinks: [veth])
        defer { lab.close() }
        try lab.ns.exec(["ip", "link", "add", bridge, "type", "bridge"])
        var text = try String(contentsOf: packageRoot().appendingPathComponent("profiles/stp-two-switches.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "  ports:\n", with: "  veths:\n" + (1...4).map { "    - {name: vm\($0), peer: vm\($0)-br}\n" }.joined() + "  ports:\n")
        let path = lab.stateDir + "/four.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let args = Lab.profileArgs(path)
        let plan = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"])).changes.map(\.summary)
        #expect(plan.count > 8 && plan[6] == "set peth0 master xenbr0" && plan[7] == "set peth1 master xenbr0", "\(plan)")
        let before = try links(lab)

        let r = try lab.xg(["apply"] + args + ["--json"])
        #expect(r.status == 1)
        let outcome = try JSONDecoder().decode(PipelineKernelTests.Outcome.self, from: Data(r.stdout.utf8))
        #expect(!outcome.applied)
        #expect(outcome.failure?.step == step)
        #expect(outcome.failure?.change?.summary == "set \(bridge) master xenbr0")
        #expect(outcome.failure?.kernelReason?.contains("bridge to a bridge") == true, "\(r.stdout)")
        #expect(r.stderr.contains("step \(step) of \(plan.count) (set \(bridge) master xenbr0) failed"), "\(r.stderr)")
        let undo = outcome.rollback?.steps.map(\.summary) ?? []
        #expect(undo.contains("set \(veth) nomaster"), "undo steps: \(undo)")
        #expect((1...4).allSatisfy { undo.contains("delete vm\($0)") }, "undo steps: \(undo)")
        #expect(outcome.rollback?.complete == true)
        // What the kernel says: the same links, no masters, nothing of the batch left.
        #expect(try links(lab) == before)
    }

    /// name -> "master alias" of every link, from ip -j -d link show.
    private func links(_ lab: Lab) throws -> [String: String] {
        let list = try JSONSerialization.jsonObject(with: Data(try lab.kernelLinks().utf8)) as? [[String: Any]] ?? []
        var out: [String: String] = [:]
        for l in list {
            guard let n = l["ifname"] as? String else { continue }
            out[n] = "\(l["master"] as? String ?? "-") \(l["ifalias"] as? String ?? "-") \(l["mtu"] as? Int ?? 0)"
        }
        return out
    }
}
