// The cluster preflight's answer (the --json contract: extend, never rename).
import DRBD

/// The nft rule that matches a failed port: the measurement decides, the rule explains.
public struct RuleRef: Codable, Sendable, Hashable {
    public var node: String
    public var family: String
    public var table: String
    public var chain: String
    /// The rule's handle; for a chain policy, the chain's handle.
    public var handle: Int
    public var comment: String?
    /// drop, reject, or "policy drop".
    public var verdict: String
    /// `node: inet filter input handle 4 drop # comment`.
    public var text: String {
        "\(node): \(family) \(table) \(chain) handle \(handle) \(verdict)" + (comment.map { " # \($0)" } ?? "")
    }
    enum CodingKeys: String, CodingKey { case node, family, table, chain, handle, comment, verdict, text }
    public init(node: String, family: String, table: String, chain: String, handle: Int, comment: String?, verdict: String) {
        self.node = node; self.family = family; self.table = table; self.chain = chain
        self.handle = handle; self.comment = comment; self.verdict = verdict
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        node = try c.decode(String.self, forKey: .node); family = try c.decode(String.self, forKey: .family)
        table = try c.decode(String.self, forKey: .table); chain = try c.decode(String.self, forKey: .chain)
        handle = try c.decode(Int.self, forKey: .handle); comment = try c.decodeIfPresent(String.self, forKey: .comment)
        verdict = try c.decode(String.self, forKey: .verdict)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(node, forKey: .node); try c.encode(family, forKey: .family); try c.encode(table, forKey: .table)
        try c.encode(chain, forKey: .chain); try c.encode(handle, forKey: .handle); try c.encode(comment, forKey: .comment)
        try c.encode(verdict, forKey: .verdict); try c.encode(text, forKey: .text)
    }
}

public struct PairReport: Codable, Sendable {
    public var resource: String
    public var from: String
    public var to: String
    /// The target's address and port (B's, which A connects to).
    public var address: String
    public var port: Int
    public var result: PairResult
    public var detail: String
    public var rule: RuleRef?
    /// The source address A binds (extension).
    public var source: String
    /// mtu-blackhole: the largest IP packet size that got through (extension).
    public var mtu: Int?

    public init(resource: String, from: String, to: String, address: String, port: Int, result: PairResult,
                detail: String, rule: RuleRef?, source: String, mtu: Int?) {
        self.resource = resource; self.from = from; self.to = to; self.address = address; self.port = port
        self.result = result; self.detail = detail; self.rule = rule; self.source = source; self.mtu = mtu
    }
    enum CodingKeys: String, CodingKey { case resource, from, to, address, port, result, detail, rule, source, mtu }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(resource, forKey: .resource); try c.encode(from, forKey: .from); try c.encode(to, forKey: .to)
        try c.encode(address, forKey: .address); try c.encode(port, forKey: .port); try c.encode(result, forKey: .result)
        try c.encode(detail, forKey: .detail); try c.encode(rule, forKey: .rule); try c.encode(source, forKey: .source)
        try c.encode(mtu, forKey: .mtu)
    }
}

public struct NodeReport: Codable, Sendable {
    public var node: String
    public var reachable: Bool
    public var findings: [Finding]
    /// Why the node could not be reached (extension; null when reachable).
    public var error: String?
    public init(node: String, reachable: Bool, findings: [Finding], error: String?) {
        self.node = node; self.reachable = reachable; self.findings = findings; self.error = error
    }
    enum CodingKeys: String, CodingKey { case node, reachable, findings, error }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(node, forKey: .node); try c.encode(reachable, forKey: .reachable)
        try c.encode(findings, forKey: .findings); try c.encode(error, forKey: .error)
    }
}

public struct ClusterReport: Codable, Sendable {
    public var pairs: [PairReport]
    public var nodes: [NodeReport]
    public init(pairs: [PairReport], nodes: [NodeReport]) { self.pairs = pairs; self.nodes = nodes }
    /// Exit status: 0 every pair ok, 2 any is not.
    public var allOK: Bool { pairs.allSatisfy { $0.result == .ok } }
    /// Count per result, in PairResult order.
    public var counts: [(PairResult, Int)] {
        PairResult.allCases.compactMap { r in
            let n = pairs.filter { $0.result == r }.count
            return n > 0 ? (r, n) : nil
        }
    }
}
