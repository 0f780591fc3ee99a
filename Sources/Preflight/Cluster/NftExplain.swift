// Which nftables rule matches a failed port (`nft -j list ruleset`). The measurement decides;
// this only explains it. Pure: the ruleset comes in as JSON text. A modest evaluator: it
// knows tcp ports, ip/ip6 addresses (values, prefixes, ranges, sets), l4proto and jumps; a
// rule with other conditions is taken as matching only when its verdict drops or rejects.
import Foundation

public struct NftPacket: Sendable {
    public var saddr: String
    public var daddr: String
    public var dport: Int
    public var ipv6: Bool
    /// "input" on the target node, "output" on the source node.
    public var hook: String
    public init(saddr: String, daddr: String, dport: Int, ipv6: Bool, hook: String) {
        self.saddr = saddr; self.daddr = daddr; self.dport = dport; self.ipv6 = ipv6; self.hook = hook
    }
}

public enum NftExplain {
    /// The first rule (or chain policy) that drops or rejects `packet`, nil when none does.
    public static func explain(ruleset json: String, node: String, packet: NftPacket) -> RuleRef? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else { return nil }
        var chains: [ChainKey: [String: Any]] = [:]
        var rules: [ChainKey: [[String: Any]]] = [:]
        for item in items {
            if let c = item["chain"] as? [String: Any], let k = ChainKey(c) { chains[k] = c }
            if let r = item["rule"] as? [String: Any], let k = ChainKey(r, nameKey: "chain") { rules[k, default: []].append(r) }
        }
        let families = packet.ipv6 ? ["ip6", "inet"] : ["ip", "inet"]
        let base = chains.filter { families.contains($0.key.family) && ($0.value["hook"] as? String) == packet.hook
            && (($0.value["type"] as? String) ?? "filter") == "filter" }
            .sorted { (($0.value["prio"] as? Int) ?? 0, $0.key.name) < (($1.value["prio"] as? Int) ?? 0, $1.key.name) }
        for (key, chain) in base {
            let ctx = Context(node: node, packet: packet, rules: rules)
            switch ctx.evaluate(key, depth: 0) {
            case .stop(let ref): return ref
            case .accept: continue
            case .fallThrough:
                if (chain["policy"] as? String) == "drop" {
                    return RuleRef(node: node, family: key.family, table: key.table, chain: key.name,
                                   handle: chain["handle"] as? Int ?? 0, comment: nil, verdict: "policy drop")
                }
            }
        }
        return nil
    }

    struct ChainKey: Hashable {
        var family, table, name: String
        init?(_ d: [String: Any], nameKey: String = "name") {
            guard let f = d["family"] as? String, let t = d["table"] as? String, let n = d[nameKey] as? String else { return nil }
            family = f; table = t; name = n
        }
        init(family: String, table: String, name: String) { self.family = family; self.table = table; self.name = name }
    }

    enum Outcome { case stop(RuleRef), accept, fallThrough }

    struct Context {
        var node: String
        var packet: NftPacket
        var rules: [ChainKey: [[String: Any]]]

        func evaluate(_ chain: ChainKey, depth: Int) -> Outcome {
            guard depth < 16 else { return .fallThrough }
            for rule in rules[chain] ?? [] {
                let exprs = rule["expr"] as? [[String: Any]] ?? []
                var known = true, matches = true
                var verdict: (String, Any?)?
                for e in exprs {
                    if let m = e["match"] as? [String: Any] {
                        switch NftMatch.test(m, packet) {
                        case .some(true): break
                        case .some(false): matches = false
                        case .none: known = false
                        }
                    } else if let v = ["accept", "drop", "reject", "jump", "goto", "return"].first(where: { e.keys.contains($0) }) {
                        verdict = (v, e[v])
                    }
                }
                guard matches, let (v, arg) = verdict else { continue }
                switch v {
                case "drop", "reject":
                    return .stop(RuleRef(node: node, family: chain.family, table: chain.table, chain: chain.name,
                                         handle: rule["handle"] as? Int ?? 0, comment: rule["comment"] as? String,
                                         verdict: v == "reject" ? "reject" + rejectKind(arg) : v))
                case "accept": if known { return .accept }
                case "return": if known { return .fallThrough }
                default:
                    guard known, let target = (arg as? [String: Any])?["target"] as? String else { continue }
                    let r = evaluate(ChainKey(family: chain.family, table: chain.table, name: target), depth: depth + 1)
                    if case .fallThrough = r, v == "jump" { continue }
                    return r
                }
            }
            return .fallThrough
        }

        func rejectKind(_ arg: Any?) -> String {
            guard let d = arg as? [String: Any] else { return "" }
            let t = d["type"] as? String ?? ""
            let e = d["expr"] as? String
            return " with " + ([t, e].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " "))
        }
    }
}
