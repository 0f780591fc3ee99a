// The host section of a profile: veth, addresses (duplicates found canonically, in O(1) each),
// gateway and MTU, and the rules between them.
import Yams

extension ProfileParser {
    struct HostDraft {
        var veth: VethDraft?
        var addresses: [Located<String>] = []
        /// Canonical ADDRESS/PREFIX -> first place (duplicates found in O(1) each).
        var addressIndex: [String: Located<String>] = [:]
        var families: [IPFamily] = []
        var gateway: Located<String>?
        var mtu: Located<Int>?
    }

    mutating func parseHost(_ e: Entry) -> HostDraft {
        var d = HostDraft()
        guard let entries = reader.mapping(e.value, path: "host", keys: ProfileLoader.hostKeys,
                                           example: "host: {addresses: [192.0.2.10/24], gateway: 192.0.2.1}") else { return d }
        for f in entries {
            let path = "host.\(f.key)"
            let loc = reader.location(f.value)
            switch f.key {
            case "veth":
                d.veth = parseVeth(f.value, at: f.keyLocation, path: path, example: "veth: {name: veth0, peer: vif0.0}")
            case "addresses":
                parseAddresses(f.value, path: path, into: &d)
            case "gateway":
                guard let g = reader.string(f.value, path: path, example: "gateway: 192.0.2.1") else { continue }
                if IPAddress.family(of: g) == nil {
                    let fix = g.contains("/") ? "write the gateway without prefix length, e.g. \(g.split(separator: "/")[0])"
                                              : "write an IPv4 or IPv6 address, e.g. 192.0.2.1"
                    reader.error(loc, "\(path): '\(g)' is not an IP address", fix: fix)
                } else {
                    d.gateway = Located(value: g, location: loc)
                }
            default: // mtu
                if let m = reader.int(f.value, path: path, range: 68...65535, unit: " bytes") {
                    d.mtu = Located(value: m, location: loc)
                }
            }
        }
        return d
    }

    /// `host.addresses`: each an address with prefix length, listed once (compared canonically).
    mutating func parseAddresses(_ node: YNode, path: String, into d: inout HostDraft) {
        guard let items = reader.sequence(node, path: path, example: "addresses: [192.0.2.10/24]",
                                          allowScalar: true) else { return }
        for (i, item) in items.enumerated() {
            let ipath = "\(path)[\(i)]"
            guard let a = reader.string(item, path: ipath, example: "192.0.2.10/24") else { continue }
            let l = reader.location(item)
            switch IPAddress.checkCIDR(a) {
            case .success(let family):
                // Compared canonically: 2001:db8::1/64 and 2001:DB8:0::1/64 are one address.
                let key = IPAddress.canonicalCIDR(a) ?? a
                if let first = d.addressIndex[key] {
                    let same = first.value == a ? "" : " (as \(first.value))"
                    reader.error(l, "\(ipath): address \(a) is listed twice\(same) (first at line \(first.location.line))",
                                 fix: "list each address once")
                } else {
                    d.addressIndex[key] = Located(value: a, location: l)
                    d.addresses.append(Located(value: a, location: l)); d.families.append(family)
                }
            case .failure(.noPrefix(let family)):
                reader.error(l, "\(ipath): \(family.rawValue) address '\(a)' has no prefix length",
                             fix: family == .ipv4 ? "write it with its prefix, e.g. \(a)/24" : "write it with its prefix, e.g. \(a)/64")
            case .failure(.badPrefix(let family, let max)):
                reader.error(l, "\(ipath): '\(a)' has an invalid prefix length",
                             fix: "an \(family.rawValue) prefix length is 0-\(max)")
            case .failure(.notAnAddress):
                reader.error(l, "\(ipath): '\(a)' is not an IPv4 or IPv6 address with prefix length",
                             fix: "write e.g. 192.0.2.10/24 or 2001:db8::10/64")
            }
        }
    }

    mutating func checkHostAddresses(_ host: HostDraft) {
        if let gateway = host.gateway, let family = IPAddress.family(of: gateway.value) {
            if !host.families.contains(family) {
                reader.error(gateway.location, "host.gateway \(gateway.value) is \(family.rawValue), but host.addresses has no \(family.rawValue) address to reach it",
                             fix: "add an \(family.rawValue) address with prefix to host.addresses, or remove the gateway")
            }
        }
        if let mtu = host.mtu, mtu.value < 1280, host.families.contains(.ipv6) {
            reader.error(mtu.location, "host.mtu \(mtu.value) is below 1280, the minimum for IPv6; the kernel would disable IPv6 on the interface",
                         fix: "raise mtu to at least 1280, or drop the IPv6 addresses")
        }
    }
}
