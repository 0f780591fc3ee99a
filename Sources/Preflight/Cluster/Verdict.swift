// One pair's line of the report: the measured outcome, or why there was none (a node out of
// reach, a listener that could not open), with the nft rule that explains a failure.
import DRBD

public enum Verdict {
    /// The report line for pair `p`: its node sides' facts, its measured outcome (nil when none
    /// was made), the transport errors by node.
    public static func pair(_ p: ProbePair, outcome: ConnectOutcome?, facts: [String: NodeFacts], errors: [String: String]) -> PairReport {
        var r = PairReport(resource: p.resource, from: p.from, to: p.to, address: p.target.ip, port: p.target.port,
                           result: .nodeUnreachable, detail: "", rule: nil, source: p.source.ip, mtu: nil)
        for n in [p.from, p.to] where facts[n] == nil {
            r.detail = "node \(n) could not be reached: \(errors[n] ?? "no answer")"
            return r
        }
        let listener = facts[p.to]!.listeners.first { $0.socket == SocketSpec(p.target) }
        switch listener?.state {
        case .portInUse?, .failed?: r.result = .portInUse; r.detail = listener!.detail; return r
        case .addressNotLocal?: r.result = .addressNotLocal; r.detail = "on \(p.to): " + listener!.detail; return r
        case .drbd? where listener!.drbdState != "LISTEN":
            // DRBD accepted this peer's connection itself (it connects out from a random port).
            r.result = .ok
            r.detail = "\(listener!.detail): DRBD is connected on this port, the path works; not probed"
            return r
        default: break
        }
        guard let o = outcome else {
            r.detail = "node \(p.from) gave no result: \(errors[p.from] ?? "no answer")"
            return r
        }
        r.result = o.result; r.detail = o.detail; r.mtu = o.mtu
        if listener?.state == .drbd { r.detail += " (\(listener!.detail))" }
        if [.filtered, .rejected, .refused].contains(o.result) { r.rule = rule(p, facts) }
        return r
    }

    /// The target's input rule, else the source's output rule, that drops or rejects the port.
    static func rule(_ p: ProbePair, _ facts: [String: NodeFacts]) -> RuleRef? {
        let v6 = p.target.family.isIPv6
        if let rs = facts[p.to]?.ruleset,
           let r = NftExplain.explain(ruleset: rs, node: p.to, packet: NftPacket(saddr: p.source.ip, daddr: p.target.ip, dport: p.target.port, ipv6: v6, hook: "input")) {
            return r
        }
        if let rs = facts[p.from]?.ruleset {
            return NftExplain.explain(ruleset: rs, node: p.from, packet: NftPacket(saddr: p.source.ip, daddr: p.target.ip, dport: p.target.port, ipv6: v6, hook: "output"))
        }
        return nil
    }
}
