// One nft `match` expression against a packet description: true, false, or nil (unknown).
import Foundation
import Vocabulary

enum NftMatch {
    static func test(_ m: [String: Any], _ p: NftPacket) -> Bool? {
        let op = m["op"] as? String ?? "=="
        guard let left = m["left"] as? [String: Any], let right = m["right"] else { return nil }
        let value: Value
        if let pl = left["payload"] as? [String: Any], let proto = pl["protocol"] as? String, let field = pl["field"] as? String {
            switch (proto, field) {
            case ("tcp", "dport"): value = .port(p.dport)
            case ("tcp", "sport"): return nil // the source port is ephemeral: unknown
            case ("ip", "saddr"): if p.ipv6 { return false }; value = .address(p.saddr)
            case ("ip", "daddr"): if p.ipv6 { return false }; value = .address(p.daddr)
            case ("ip6", "saddr"): if !p.ipv6 { return false }; value = .address(p.saddr)
            case ("ip6", "daddr"): if !p.ipv6 { return false }; value = .address(p.daddr)
            case ("udp", _), ("sctp", _), ("icmp", _), ("icmpv6", _): return op == "!=" ? true : false
            default: return nil
            }
        } else if let meta = left["meta"] as? [String: Any], let key = meta["key"] as? String {
            switch key {
            case "l4proto": value = .name("tcp")
            case "nfproto": value = .name(p.ipv6 ? "ipv6" : "ipv4")
            default: return nil
            }
        } else {
            return nil
        }
        guard let hit = contains(right, value) else { return nil }
        switch op {
        case "==", "in": return hit
        case "!=": return !hit
        default: return nil
        }
    }

    enum Value { case port(Int), address(String), name(String) }

    static func contains(_ right: Any, _ v: Value) -> Bool? {
        if let set = (right as? [String: Any])?["set"] as? [Any] {
            var unknown = false
            for e in set {
                switch contains(e, v) {
                case .some(true): return true
                case .none: unknown = true
                default: break
                }
            }
            return unknown ? nil : false
        }
        if let range = (right as? [String: Any])?["range"] as? [Any], range.count == 2 {
            if case .port(let p) = v, let lo = range[0] as? Int, let hi = range[1] as? Int { return lo <= p && p <= hi }
            if case .address(let a) = v, let lo = range[0] as? String, let hi = range[1] as? String,
               let x = bytes(a), let l = bytes(lo), let h = bytes(hi) { return l.lexicographicallyPrecedes(x) || l == x ? (x.lexicographicallyPrecedes(h) || x == h) : false }
            return nil
        }
        if let prefix = (right as? [String: Any])?["prefix"] as? [String: Any] {
            guard case .address(let a) = v, let net = prefix["addr"] as? String, let len = prefix["len"] as? Int,
                  let x = bytes(a), let n = bytes(net), x.count == n.count else { return nil }
            return inPrefix(x, n, len)
        }
        switch v {
        case .port(let p):
            if let n = right as? Int { return n == p }
            return nil // a named service or a set reference: unknown
        case .address(let a):
            guard let s = right as? String else { return nil }
            guard let x = bytes(a), let y = bytes(s) else { return nil }
            return x == y
        case .name(let n):
            if let s = right as? String { return s == n }
            if let i = right as? Int { return n == "tcp" ? i == 6 : nil }
            return nil
        }
    }

    static func bytes(_ ip: String) -> [UInt8]? { IPAddress.bytes(of: ip) }

    static func inPrefix(_ x: [UInt8], _ n: [UInt8], _ len: Int) -> Bool {
        var bits = len
        for i in x.indices {
            if bits <= 0 { return true }
            let mask: UInt8 = bits >= 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if x[i] & mask != n[i] & mask { return false }
            bits -= 8
        }
        return true
    }
}
