// The bond's options in each render, from `BondOptionSpec.all`, and the refusal of a format
// whose consumer cannot apply an option the profile sets: a render never carries a line its
// consumer ignores (ifupdown2 3.0.0 has no bond-arp-* attribute; networkd 252 has no
// [Bond] key for use_carrier, ns_ip6_target or peer_notif_delay). An option at the value a new
// bond has anyway (fail-over-mac none) is left out of those two renders rather than refused:
// they create the bond.

/// A bond option a format cannot carry.
public struct RenderRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var format: RenderFormat
    public var option: BondOption
    public var message: String
    public var fix: String

    public var description: String { "\(message) (fix: \(fix))" }
}

extension Renderer {
    /// The bond options of `state` that `format` cannot carry in a form its consumer applies.
    public static func refusals(_ state: NetworkState, format: RenderFormat) -> [RenderRefusal] {
        var out: [RenderRefusal] = []
        for i in state.interfaces { if let s = i.bond { out += refusals(s, format: format) } }
        return out
    }

    static func refusals(_ s: BondSettings, format: RenderFormat) -> [RenderRefusal] {
        var out: [RenderRefusal] = []
        for spec in BondOptionSpec.all {
            // A value a new bond has anyway needs no line: the consumer creates the bond.
            guard let v = s[spec.option], !(v.list?.isEmpty ?? false), v != spec.fresh else { continue }
            let others: String
            switch format {
            case .interfaces:
                if carriedByIfupdown2(spec, v) { continue }
                others = "--format networkd or --format ip"
                out.append(RenderRefusal(
                    format: format, option: spec.option,
                    message: "bond.\(spec.key) cannot be rendered for ifupdown2: Debian 12's ifupdown2 (3.0.0) does not apply \(ifupdownWhat(spec, v)), so the option would silently be lost",
                    fix: "render with \(others), or remove \(spec.key) from the profile"))
            case .networkd:
                if carriedByNetworkd(spec, v) { continue }
                others = "--format ip (or --format interfaces)"
                out.append(RenderRefusal(
                    format: format, option: spec.option,
                    message: "bond.\(spec.key) \(spec.ipText(v)) cannot be rendered for systemd-networkd: systemd 252 (Debian 12) has no [Bond] setting for it",
                    fix: "render with \(others), or remove \(spec.key) from the profile"))
            case .ip, .json: continue
            }
        }
        return out
    }

    static func carriedByIfupdown2(_ spec: BondOptionSpec, _ v: BondValue) -> Bool {
        guard spec.ifupdown2 != nil else { return false }
        // Its xmit-hash-policy table stops at encap3+4.
        return !(spec.option == .xmitHashPolicy && v == .name("vlan+srcmac"))
    }

    static func ifupdownWhat(_ spec: BondOptionSpec, _ v: BondValue) -> String {
        spec.ifupdown2 == nil ? "any bond-\(spec.key) attribute" : "bond-\(spec.key) \(spec.ifupdown2Text(v))"
    }

    static func carriedByNetworkd(_ spec: BondOptionSpec, _ v: BondValue) -> Bool {
        if spec.option == .primary { return true }  // PrimarySlave= in the slave's .network
        guard spec.networkd != nil else { return false }
        // ARPValidate= of systemd 252 takes none, active, backup and all only.
        if spec.option == .arpValidate, let n = v.name, n.hasPrefix("filter") { return false }
        return true
    }

    /// " mode … miimon …" for `ip link add … type bond`.
    static func ipBondOptions(_ s: BondSettings) -> String {
        var line = " mode \(s.mode)"
        for spec in BondOptionSpec.all {
            guard let v = s[spec.option], !(v.list?.isEmpty ?? false) else { continue }
            line += " \(spec.ip) \(spec.ipText(v))"
        }
        return line
    }

    /// The bond-* lines of an ifupdown2 stanza (only options it applies: see `refusals`).
    static func ifupdown2BondLines(_ s: BondSettings) -> [String] {
        var lines = ["bond-mode \(s.mode)"]
        for spec in BondOptionSpec.all {
            guard let v = s[spec.option], let attribute = spec.ifupdown2, carriedByIfupdown2(spec, v) else { continue }
            lines.append("\(attribute) \(spec.ifupdown2Text(v))")
        }
        return lines
    }

    /// The [Bond] section of a .netdev.
    static func networkdBondSection(_ s: BondSettings) -> String {
        var text = "\n[Bond]\nMode=\(s.mode)\n"
        for spec in BondOptionSpec.all {
            guard let v = s[spec.option], let nd = spec.networkd, carriedByNetworkd(spec, v),
                  !(v.list?.isEmpty ?? false) else { continue }
            text += "\(nd.key)=\(spec.networkdText(v))\n"
        }
        return text
    }
}
