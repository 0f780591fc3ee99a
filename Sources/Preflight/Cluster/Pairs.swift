// Which connections a cluster preflight must prove: every directed pair of endpoints of every
// resource (A→B and B→A). Pure: derived from the parsed configuration only.
import DRBD

/// One directed attempt: `from` connects, with its source bound to `source`, to `to` at `target`.
public struct ProbePair: Hashable, Codable, Sendable {
    public var resource: String
    public var from: String
    public var to: String
    public var source: Endpoint
    public var target: Endpoint
    public init(resource: String, from: String, to: String, source: Endpoint, target: Endpoint) {
        self.resource = resource; self.from = from; self.to = to; self.source = source; self.target = target
    }
}

public enum PairDerivation {
    /// Every directed pair, in configuration order. A resource with `connection` sections uses
    /// their paths; else its `connection-mesh` lists; else every two hosts with an address (the
    /// classic two-node resource, or DRBD 9's implicit mesh). Floating sections name no node
    /// that could be reached and are left out.
    public static func pairs(_ config: Configuration, resources only: Set<String>? = nil) -> [ProbePair] {
        var out: [ProbePair] = []
        var seen = Set<ProbePair>()
        for r in config.resources where only?.contains(r.name) ?? true {
            for (a, b) in undirected(r) {
                for (x, y) in [(a, b), (b, a)] {
                    let p = ProbePair(resource: r.name, from: x.node, to: y.node, source: x.endpoint, target: y.endpoint)
                    if seen.insert(p).inserted { out.append(p) }
                }
            }
        }
        return out
    }

    struct NodeEndpoint { var node: String; var endpoint: Endpoint }

    static func undirected(_ r: Resource) -> [(NodeEndpoint, NodeEndpoint)] {
        if !r.connections.isEmpty {
            var out: [(NodeEndpoint, NodeEndpoint)] = []
            for c in r.connections {
                for path in c.paths {
                    let ends = path.compactMap { h in endpoint(of: h, in: r).map { NodeEndpoint(node: h.name, endpoint: $0) } }
                    out += everyTwo(ends)
                }
            }
            return out
        }
        let addressed = nodeAddresses(r)
        if !r.meshes.isEmpty {
            return r.meshes.flatMap { mesh in
                everyTwo(mesh.compactMap { name in addressed.first { $0.node == name } })
            }
        }
        return everyTwo(addressed)
    }

    /// `host NAME address ...`, or `host NAME port N` with the address of NAME's section.
    static func endpoint(of h: ConnectionHost, in r: Resource) -> Endpoint? {
        if let a = h.address { return a }
        guard var base = r.hosts.first(where: { $0.names.contains(h.name) })?.address else { return nil }
        if let p = h.port { base.port = p }
        return base
    }

    /// Each named host of an `on` (or stacked) section with an address, in order.
    static func nodeAddresses(_ r: Resource) -> [NodeEndpoint] {
        var out: [NodeEndpoint] = []
        for h in r.hosts where h.kind != .floating {
            guard let a = h.address else { continue }
            for n in h.names where !out.contains(where: { $0.node == n }) { out.append(NodeEndpoint(node: n, endpoint: a)) }
        }
        return out
    }

    static func everyTwo(_ ends: [NodeEndpoint]) -> [(NodeEndpoint, NodeEndpoint)] {
        var out: [(NodeEndpoint, NodeEndpoint)] = []
        for i in ends.indices {
            for j in ends.indices where j > i && ends[i].node != ends[j].node { out.append((ends[i], ends[j])) }
        }
        return out
    }

    /// The nodes the pairs name, plus every host of the selected resources, sorted.
    public static func nodes(_ config: Configuration, pairs: [ProbePair], resources only: Set<String>? = nil) -> [String] {
        var names = Set(pairs.flatMap { [$0.from, $0.to] })
        for r in config.resources where only?.contains(r.name) ?? true {
            for h in r.hosts where h.kind != .floating { names.formUnion(h.names) }
        }
        return names.sorted()
    }
}
