// The bond options a profile sets through the table (`BondOptionSpec.all`): parsed by their
// kind of value, refused in the modes the kernel refuses them in, and checked against each
// other where bond_options.c / bond_netlink.c refuse or ignore a combination.
import Yams

extension ProfileLoader {
    /// Profile keys of the options read through the table (the others have their own code),
    /// plus the kernel's alias num-unsol-na of num-grat-arp.
    static let tableBondKeys: [String] = BondOptionSpec.all.filter { BondProfile.tableOnly.contains($0.option) }.map(\.key)
        + ["num-unsol-na"]
}

extension ProfileParser {
    /// Parse one table option into `d.options`; false when `key` is not one.
    mutating func parseTableBondOption(_ key: String, _ node: YNode, into d: inout BondDraft) -> Bool {
        let specKey = key == "num-unsol-na" ? "num-grat-arp" : key
        guard let spec = BondOptionSpec.spec(key: specKey), BondProfile.tableOnly.contains(spec.option) else { return false }
        let path = "bond.\(key)", loc = reader.location(node)
        guard let value = bondValue(spec, node, path: path) else { return true }
        if let earlier = d.options[spec.option], earlier.value != value {
            reader.error(loc, "\(path) \(spec.ipText(value)) contradicts \(spec.ipText(earlier.value)) at line \(earlier.location.line) (num-grat-arp and num-unsol-na are one kernel setting)",
                         fix: "keep one of num-grat-arp and num-unsol-na")
        }
        d.options[spec.option] = Located(value: value, location: loc)
        return true
    }

    mutating func bondValue(_ spec: BondOptionSpec, _ node: YNode, path: String) -> BondValue? {
        switch spec.values {
        case .count(let range, let unit): return reader.int(node, path: path, range: range, unit: unit).map(BondValue.int)
        case .flag: return reader.bool(node, path: path).map(BondValue.flag)
        case .names(let names): return name(node, path: path, in: names).map(BondValue.name)
        case .mac: return mac(node, path: path).map(BondValue.name)
        case .addresses(let family): return addresses(node, path: path, family: family).map(BondValue.list)
        case .interface: return reader.interfaceName(node, path: path).map(BondValue.name)
        }
    }

    mutating func name(_ node: YNode, path: String, in names: [String]) -> String? {
        guard let text = reader.string(node, path: path, example: "\(path.split(separator: ".").last ?? ""): \(names[0])") else {
            return nil
        }
        if names.contains(text) { return text }
        var fix = "use one of: \(listing(names))"
        if let near = nearest(text, in: names) { fix = "did you mean '\(near)'? " + fix }
        reader.error(reader.location(node), "\(path): unknown value '\(text)'", fix: fix)
        return nil
    }

    /// A unicast, non-zero MAC (the kernel's is_valid_ether_addr), lower case.
    mutating func mac(_ node: YNode, path: String) -> String? {
        guard let text = reader.string(node, path: path, example: "ad-actor-system: 02:00:00:00:00:01") else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        guard parts.count == 6, bytes.count == 6 else {
            reader.error(reader.location(node), "\(path): '\(ValueRule.shown(text))' is not a MAC address",
                         fix: "write six hex pairs separated by ':', e.g. 02:00:00:00:00:01")
            return nil
        }
        if bytes.allSatisfy({ $0 == 0 }) || bytes[0] & 1 == 1 {
            reader.error(reader.location(node), "\(path): the kernel refuses \(text) (zero or multicast)",
                         fix: "use a unicast address, e.g. 02:00:00:00:00:01 (locally administered)")
            return nil
        }
        return text.lowercased()
    }

    /// Up to 16 target addresses of `family`, canonical. IPv6: not ::, ::1 or multicast
    /// (bond_is_ip6_target_ok).
    mutating func addresses(_ node: YNode, path: String, family: IPFamily) -> [String]? {
        let example = family == .ipv4 ? "192.0.2.1" : "2001:db8::1"
        guard let items = reader.sequence(node, path: path, example: "\(path): [\(example)]", allowScalar: true) else { return nil }
        if items.count > 16 {
            reader.error(reader.location(node), "\(path) lists \(items.count) targets; the kernel takes at most 16",
                         fix: "keep 16 or fewer targets")
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let t = reader.string(item, path: "\(path)[\(i)]", example: example) else { continue }
            guard IPAddress.family(of: t) == family, let c = IPAddress.canonical(t) else {
                reader.error(reader.location(item), "\(path)[\(i)]: '\(ValueRule.shown(t))' is not an \(family.rawValue) address",
                             fix: "write an \(family.rawValue) address without prefix, e.g. \(example) (the bond's \(family == .ipv4 ? "ARP" : "NS") monitor is \(family.rawValue) only)")
                continue
            }
            if family == .ipv4, c == "0.0.0.0" || c == "255.255.255.255" {
                // bond_option_arp_ip_target_add refuses them ("invalid option value").
                reader.error(reader.location(item), "\(path)[\(i)]: the kernel refuses \(c) as an ARP target",
                             fix: "name a host the bond can ARP for, e.g. the gateway")
                continue
            }
            if family == .ipv6, c == "::" || c == "::1" || c.hasPrefix("ff") {
                reader.error(reader.location(item), "\(path)[\(i)]: the kernel refuses \(c) as an NS target (unspecified, loopback or multicast)",
                             fix: "name a host the bond can send neighbour solicitations to, e.g. the gateway")
                continue
            }
            out.append(c)
        }
        return out
    }
}

extension ProfileParser {
    /// The table options against the mode (what the kernel refuses in it: its unsuppmodes)
    /// and against each other and the link monitors.
    mutating func checkTableBondOptions(_ bond: BondDraft, mode: Located<BondMode>) {
        let m = mode.value.rawValue
        for spec in BondOptionSpec.all {
            guard let o = bond.options[spec.option], let modes = spec.modes, !modes.contains(m) else { continue }
            let first = BondMode.allCases.first { modes.contains($0.rawValue) }!.rawValue
            reader.error(o.location, "bond.\(spec.key): the kernel refuses \(spec.key) in mode \(m) (it takes it in \(spec.modeList))",
                         fix: "remove \(spec.key), or set 'mode: \(first)'")
        }
        checkARPOptions(bond)
        checkNotifyDelay(bond)
        let meaningful: [(BondOption, Set<BondMode>)] = [(.adSelect, [.ieee8023ad]), (.lpInterval, [.balanceTLB, .balanceALB])]
        for (option, modes) in meaningful {
            guard let o = bond.options[option], !modes.contains(mode.value) else { continue }
            let key = option.spec.key
            reader.warning(o.location, "bond.\(key) has no effect in mode \(m) (only in \(listing(BondMode.allCases.filter(modes.contains).map(\.rawValue))))",
                           fix: "remove \(key)")
        }
    }

    /// arp-validate and arp-all-targets act on the ARP monitor: without arp-interval and a
    /// target they are a mistake (validate) or do nothing (all-targets, ns-ip6-target).
    mutating func checkARPOptions(_ bond: BondDraft) {
        let arp = bond.arpInterval?.value ?? 0
        let hasTargets = !bond.arpIPTarget.isEmpty || !(bond.options[.nsIP6Target]?.value.list?.isEmpty ?? true)
        if let v = bond.options[.arpValidate], v.value != .name("none"), arp == 0 || !hasTargets {
            reader.error(v.location, "bond.arp-validate \(v.value.name ?? "") validates ARP monitor probes, but \(arp == 0 ? "arp-interval is not set" : "no arp-ip-target is listed")",
                         fix: "set 'arp-interval: 1000' and 'arp-ip-target: [GATEWAY]', or remove arp-validate")
        }
        for option in [BondOption.arpAllTargets, .nsIP6Target] {
            guard let v = bond.options[option], arp == 0 else { continue }
            reader.warning(v.location, "bond.\(option.spec.key) has no effect without arp-interval",
                           fix: "set arp-interval (ms), or remove \(option.spec.key)")
        }
    }

    /// The kernel counts peer-notify-delay in miimon intervals and refuses it without miimon.
    mutating func checkNotifyDelay(_ bond: BondDraft) {
        guard let v = bond.options[.peerNotifyDelay], let delay = v.value.int, delay > 0 else { return }
        let arp = bond.arpInterval?.value ?? 0
        // A bond created without miimon or arp-interval gets miimon 100 (bond_check_params).
        let miimon = bond.miimon ?? (arp > 0 ? 0 : 100)
        if miimon == 0 {
            reader.error(v.location, "bond.peer-notify-delay needs the MII monitor: the kernel counts it in miimon intervals and refuses it while miimon is 0",
                         fix: "remove peer-notify-delay, or monitor with miimon instead of arp-interval")
        } else if delay % miimon != 0 {
            reader.warning(v.location, "bond.peer-notify-delay \(delay) is not a multiple of miimon \(miimon); the kernel rounds it down to \(delay / miimon * miimon)",
                           fix: "use a multiple of \(miimon)")
        }
    }
}
