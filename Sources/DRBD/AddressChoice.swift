// Which address `allocate` gives each host when the configuration knows several for it: the one
// on the same network as the other hosts' chosen addresses, with the reason said.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct AddressChoice: Sendable, Equatable {
    public var endpoint: Endpoint
    /// Why this address: "given with ADDRESS" (as the caller names that input), "the only address ...", or the shared network.
    public var reason: String
    /// True when the configuration offered several addresses for the host.
    public var chosen: Bool
}

enum AddressChooser {
    /// Above this many combinations the search is greedy (host by host) instead of exhaustive.
    static let exhaustiveLimit = 4096

    /// The host's distinct non-wildcard addresses in its own `on HOST` sections, in file order.
    static func candidates(_ config: Configuration, host: String) -> [Endpoint] {
        var out: [Endpoint] = []
        for r in config.resources {
            for h in r.hosts where h.kind == .on && h.names == [host] {
                if let a = h.address, !a.isWildcard, !out.contains(where: { $0.ip == a.ip && $0.family == a.family }) {
                    out.append(Endpoint(family: a.family, ip: a.ip, port: 0))
                }
            }
        }
        return out
    }

    /// One address per host: `fixed` ones as given, the others the combination whose addresses
    /// share the longest network prefix (same family first), the earliest written on a tie.
    static func choose(hosts: [String], fixed: [String: Endpoint], in config: Configuration,
                       inputs: InputNames) throws(AllocationError) -> [AddressChoice] {
        var options: [[Endpoint]] = []
        for h in hosts {
            if let e = fixed[h] { options.append([e]); continue }
            let c = candidates(config, host: h)
            guard !c.isEmpty else {
                throw AllocationError(message: "no address known for host \(h): it has no section with an address in the configuration",
                                      fix: "pass \(inputs.address) \(h)=IP")
            }
            options.append(c)
        }
        let pick = options.reduce(1) { $0 * $1.count } <= exhaustiveLimit ? exhaustive(options) : greedy(options)
        return hosts.indices.map { i in
            let e = options[i][pick[i]]
            if fixed[hosts[i]] != nil { return AddressChoice(endpoint: e, reason: "given with \(inputs.address)", chosen: false) }
            if options[i].count == 1 {
                return AddressChoice(endpoint: e, reason: "the only address of \(hosts[i]) in the configuration", chosen: false)
            }
            let others = hosts.indices.filter { $0 != i }.map { "\(hosts[$0]) \(options[$0][pick[$0]].ip)" }
            let bits = others.isEmpty ? 0 : hosts.indices.filter { $0 != i }.map { commonBits(e, options[$0][pick[$0]]) }.min()!
            let net = network(e, bits: bits)
            let rest = options[i].filter { $0.ip != e.ip }.map(\.ip).joined(separator: ", ")
            return AddressChoice(endpoint: e, reason: "\(net == nil ? "closest to" : "on \(net!) with") the other hosts' addresses (\(others.joined(separator: ", "))); not \(rest)",
                                 chosen: true)
        }
    }

    /// (same-family pairs, smallest pairwise prefix, total prefix): higher is better.
    static func score(_ es: [Endpoint]) -> (Int, Int, Int) {
        var same = 0, minBits = Int.max, total = 0
        for i in es.indices { for j in es.indices where j > i {
            let b = commonBits(es[i], es[j])
            if es[i].family.isIPv6 == es[j].family.isIPv6 { same += 1 }
            minBits = min(minBits, b); total += b
        } }
        return (same, minBits == Int.max ? 0 : minBits, total)
    }

    static func exhaustive(_ options: [[Endpoint]]) -> [Int] {
        var best = options.map { _ in 0 }, bestScore = score(options.map { $0[0] })
        var idx = best
        while true {
            var k = options.count - 1
            while k >= 0 && idx[k] == options[k].count - 1 { idx[k] = 0; k -= 1 }
            if k < 0 { return best }
            idx[k] += 1
            let s = score(options.indices.map { options[$0][idx[$0]] })
            if s > bestScore { best = idx; bestScore = s } // strict: the earliest wins a tie
        }
    }

    static func greedy(_ options: [[Endpoint]]) -> [Int] {
        var pick = options.map { _ in 0 }
        for i in options.indices where options[i].count > 1 {
            let others = options.indices.filter { $0 != i }.map { options[$0][pick[$0]] }
            var bestScore = score(others + [options[i][0]])
            for c in options[i].indices.dropFirst() {
                let s = score(others + [options[i][c]])
                if s > bestScore { bestScore = s; pick[i] = c }
            }
        }
        return pick
    }

    /// Number of leading bits two addresses share (0 across families).
    static func commonBits(_ a: Endpoint, _ b: Endpoint) -> Int {
        guard let x = bytes(a), let y = bytes(b), x.count == y.count else { return 0 }
        var n = 0
        for (p, q) in zip(x, y) {
            if p == q { n += 8; continue }
            return n + (p ^ q).leadingZeroBitCount
        }
        return n
    }

    /// The shared network on an octet boundary (10.10.0.0/24, fd00:10::/64 on 16 bits), nil when
    /// the addresses share less than 8 bits.
    static func network(_ e: Endpoint, bits: Int) -> String? {
        guard var b = bytes(e) else { return nil }
        let step = b.count == 4 ? 8 : 16
        let len = min(bits / step * step, b.count * 8 - step)
        guard len >= 8 else { return nil }
        for i in b.indices where i * 8 >= len { b[i] = 0 }
        let text: String?
        if b.count == 4 { text = b.map(String.init).joined(separator: ".") } else {
            var groups: [String] = []
            for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(b[i]) << 8 | UInt16(b[i + 1]), radix: 16)) }
            text = IPAddress.canonical(groups.joined(separator: ":"), ipv6: true)
        }
        return text.map { "\($0)/\(len)" }
    }

    static func bytes(_ e: Endpoint) -> [UInt8]? {
        IPAddress.bytes(of: e.family.isIPv6 ? e.unzoned : e.ip, ipv6: e.family.isIPv6)
    }
}
