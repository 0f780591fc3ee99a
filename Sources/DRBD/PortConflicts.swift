// port-conflict in O(n log n): endpoints are sorted by port, and within one port each endpoint
// is checked against a few hashed buckets (same address; wildcards of its machine; other
// endpoints of its machine) instead of against every earlier endpoint. The finding names the
// earliest earlier endpoint it clashes with, exactly as the pairwise scan did.

extension Checker {
    struct PortEndpoint {
        var resource: String
        var machine: String
        var endpoint: Endpoint
        var label: String
        var location: SourceLocation
        var v6: Bool { endpoint.family.isIPv6 }
    }

    /// The earliest entries of one bucket from two different resources: whatever resource asks,
    /// the earliest entry of another resource is one of them.
    struct FirstTwo {
        var first: Int
        var second: Int?
        mutating func add(_ i: Int, _ eps: [PortEndpoint]) {
            if second == nil && eps[i].resource != eps[first].resource { second = i }
        }
        func earliest(notOf resource: String, _ eps: [PortEndpoint]) -> Int? {
            eps[first].resource != resource ? first : second
        }
    }

    struct BucketKey: Hashable {
        var machine: String
        var ip: String
        var v6: Bool
    }

    static func portConflicts(_ c: Configuration, inputs: InputNames) -> [Finding] {
        var all: [PortEndpoint] = []
        all.reserveCapacity(c.resources.count * 2)
        for r in c.resources {
            for e in r.endpoints {
                all.append(PortEndpoint(resource: r.name, machine: e.machine, endpoint: e.endpoint, label: e.label,
                                        location: e.endpoint.location ?? r.location))
            }
        }
        let order = all.indices.sorted { (all[$0].endpoint.port, $0) < (all[$1].endpoint.port, $1) }
        var out: [Finding] = []
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && all[order[end]].endpoint.port == all[order[start]].endpoint.port { end += 1 }
            if end - start > 1 { out += conflictsOnOnePort(order[start..<end].map { all[$0] }, inputs: inputs) }
            start = end
        }
        return out
    }

    /// Every endpoint of one port, in configuration order: each reported once per (resource,
    /// machine) with the earliest endpoint before it that it clashes with.
    static func conflictsOnOnePort(_ eps: [PortEndpoint], inputs: InputNames) -> [Finding] {
        var byAddress: [String: FirstTwo] = [:]          // non-wildcard endpoints by ip
        var byAddressResource: [String: [Int]] = [:]     // ip + "|" + resource: the same resource's
        var wildcards: [BucketKey: FirstTwo] = [:]       // (machine, wildcard ip, v6)
        var specifics: [BucketKey: FirstTwo] = [:]       // (machine, "", v6): non-wildcard endpoints
        var reported = Set<String>()
        var out: [Finding] = []
        for (j, b) in eps.enumerated() {
            var candidates: [Int] = []
            if !b.endpoint.isWildcard {
                if let i = byAddress[b.endpoint.ip]?.earliest(notOf: b.resource, eps) { candidates.append(i) }
                // Same resource: a clash only between different machines and different sections.
                if let i = byAddressResource[b.endpoint.ip + "|" + b.resource]?.first(where: {
                    eps[$0].machine != b.machine && eps[$0].label != b.label }) { candidates.append(i) }
                for wip in ["0.0.0.0", "::"] {
                    for v6 in [false, true] where v6 == b.v6 || wip == "::" {
                        if let i = wildcards[BucketKey(machine: b.machine, ip: wip, v6: v6)]?.earliest(notOf: b.resource, eps) {
                            candidates.append(i)
                        }
                    }
                }
            } else {
                for wip in ["0.0.0.0", "::"] {
                    for v6 in [false, true] where v6 == b.v6 || wip == "::" || b.endpoint.ip == "::" {
                        if let i = wildcards[BucketKey(machine: b.machine, ip: wip, v6: v6)]?.earliest(notOf: b.resource, eps) {
                            candidates.append(i)
                        }
                    }
                }
                for v6 in [false, true] where v6 == b.v6 || b.endpoint.ip == "::" {
                    if let i = specifics[BucketKey(machine: b.machine, ip: "", v6: v6)]?.earliest(notOf: b.resource, eps) {
                        candidates.append(i)
                    }
                }
            }
            if let i = candidates.min() {
                let key = "\(b.resource)|\(b.machine)"
                if reported.insert(key).inserted { out.append(finding(eps[i], b, inputs: inputs)) }
            }
            func add(_ table: inout [BucketKey: FirstTwo], _ k: BucketKey) {
                if table[k] == nil { table[k] = FirstTwo(first: j) } else { table[k]!.add(j, eps) }
            }
            if b.endpoint.isWildcard {
                add(&wildcards, BucketKey(machine: b.machine, ip: b.endpoint.ip, v6: b.v6))
            } else {
                if byAddress[b.endpoint.ip] == nil { byAddress[b.endpoint.ip] = FirstTwo(first: j) } else { byAddress[b.endpoint.ip]!.add(j, eps) }
                byAddressResource[b.endpoint.ip + "|" + b.resource, default: []].append(j)
                add(&specifics, BucketKey(machine: b.machine, ip: "", v6: b.v6))
            }
        }
        return out
    }

    static func finding(_ a: PortEndpoint, _ b: PortEndpoint, inputs: InputNames) -> Finding {
        let port = b.endpoint.port
        let sameSocket = a.endpoint.ip == b.endpoint.ip && !a.endpoint.isWildcard
        let how = sameSocket ? "address \(b.endpoint.hostPort) is also used"
            : "port \(port) on \(b.endpoint.hostPort) clashes with the wildcard address \(a.endpoint.isWildcard ? a.endpoint.hostPort : b.endpoint.hostPort)"
        let other = a.resource == b.resource ? "by host section \(a.label) of the same resource"
            : "by resource \(a.resource) (\(a.location.file):\(a.location.line))"
        return Finding(.error, .portConflict, resource: b.resource, host: b.machine, at: b.location,
                       "\(how) \(other)",
                       fix: "give resource \(b.resource) a free port, e.g. with '\(inputs.allocate)'")
    }
}
