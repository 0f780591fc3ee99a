// The bond section of a profile: its keys and the rules between the bond mode and its options.
import Yams

extension ProfileParser {
    struct BondDraft {
        var location: SourceLocation
        var name: Located<String>?
        var mode: Located<BondMode>?
        var miimon: Int?
        var miimonLocation: SourceLocation?
        var updelay: Int?
        var downdelay: Int?
        var delayLocations: [String: SourceLocation] = [:]
        var primary: Located<String>?
        var primaryReselect: PrimaryReselect?
        var arpInterval: Located<Int>?
        var arpIPTarget: [Located<String>] = []
        var arpIPTargetLocation: SourceLocation?
        var lacpRate: Located<LACPRate>?
        var xmitHashPolicy: Located<XmitHashPolicy>?
        var failOverMAC: FailOverMAC?
        var minLinks: Int?
        /// The options read through the table (`parseTableBondOption`).
        var options: [BondOption: Located<BondValue>] = [:]

        /// The profile's bond, once name and mode are known.
        var profile: BondProfile? {
            guard let name, let mode else { return nil }
            return BondProfile(
                name: name.value, mode: mode.value, miimon: miimon, updelay: updelay, downdelay: downdelay,
                primary: primary?.value, primaryReselect: primaryReselect, arpInterval: arpInterval?.value,
                arpIPTarget: arpIPTarget.map(\.value), lacpRate: lacpRate?.value, xmitHashPolicy: xmitHashPolicy?.value,
                failOverMAC: failOverMAC, minLinks: minLinks, options: options.mapValues(\.value))
        }
    }

    mutating func parseBond(_ e: Entry) -> BondDraft? {
        guard let entries = reader.mapping(e.value, path: "bond", keys: ProfileLoader.bondKeys,
                                           example: "bond: {name: bond0, mode: active-backup, miimon: 100}") else { return nil }
        var d = BondDraft(location: e.keyLocation)
        for f in entries {
            let path = "bond.\(f.key)"
            bondKeyLocations[f.key == "num-unsol-na" ? "num-grat-arp" : f.key] = f.keyLocation
            let loc = reader.location(f.value)
            switch f.key {
            case "name":
                if let n = reader.interfaceName(f.value, path: path) { d.name = Located(value: n, location: loc) }
            case "mode":
                if let m = reader.choice(f.value, path: path, as: BondMode.self) { d.mode = Located(value: m, location: loc) }
            case "miimon":
                d.miimon = reader.int(f.value, path: path, range: 0...Int(Int32.max), unit: " ms"); d.miimonLocation = loc
            case "updelay":
                d.updelay = reader.int(f.value, path: path, range: 0...Int(Int32.max), unit: " ms"); d.delayLocations[f.key] = loc
            case "downdelay":
                d.downdelay = reader.int(f.value, path: path, range: 0...Int(Int32.max), unit: " ms"); d.delayLocations[f.key] = loc
            case "primary":
                if let n = reader.interfaceName(f.value, path: path) { d.primary = Located(value: n, location: loc) }
            case "primary-reselect":
                d.primaryReselect = reader.choice(f.value, path: path, as: PrimaryReselect.self)
            case "arp-interval":
                if let v = reader.int(f.value, path: path, range: 0...Int(Int32.max), unit: " ms") {
                    d.arpInterval = Located(value: v, location: loc)
                }
            case "arp-ip-target":
                d.arpIPTargetLocation = loc
                d.arpIPTarget = (addresses(f.value, path: path, family: .ipv4) ?? []).map { Located(value: $0, location: loc) }
            case "lacp-rate":
                if let v = reader.choice(f.value, path: path, as: LACPRate.self) { d.lacpRate = Located(value: v, location: loc) }
            case "xmit-hash-policy":
                if let v = reader.choice(f.value, path: path, as: XmitHashPolicy.self) { d.xmitHashPolicy = Located(value: v, location: loc) }
            case "fail-over-mac":
                d.failOverMAC = reader.choice(f.value, path: path, as: FailOverMAC.self)
            case "min-links":
                d.minLinks = reader.int(f.value, path: path, range: 0...Int(Int32.max))
            default:
                _ = parseTableBondOption(f.key, f.value, into: &d)
            }
        }
        requireNameAndMode(entries, at: e.keyLocation)
        return d
    }

    mutating func requireNameAndMode(_ entries: [Entry], at location: SourceLocation) {
        if !entries.contains(where: { $0.key == "name" }) {
            reader.error(location, "bond has no 'name'", fix: "add 'name: bond0' under bond")
        }
        if !entries.contains(where: { $0.key == "mode" }) {
            reader.error(location, "bond has no 'mode'",
                         fix: "add 'mode: active-backup' (or one of: \(listing(BondMode.allCases.map(\.rawValue))))")
        }
    }

    mutating func checkBondMode(_ bond: BondDraft, mode: Located<BondMode>) {
        let m = mode.value.rawValue
        if let lacp = bond.lacpRate, mode.value != .ieee8023ad {
            reader.error(lacp.location, "bond.lacp-rate only applies to mode 802.3ad, not \(m)",
                         fix: "remove lacp-rate, or set 'mode: 802.3ad'")
        }
        if let x = bond.xmitHashPolicy, !mode.value.acceptsXmitHashPolicy {
            reader.error(x.location, "bond.xmit-hash-policy only applies to modes balance-xor, 802.3ad, balance-tlb and balance-alb, not \(m)",
                         fix: "remove xmit-hash-policy, or choose one of those modes")
        }
        if let p = bond.primary, !mode.value.acceptsPrimary {
            reader.error(p.location, "bond.primary only applies to modes active-backup, balance-tlb and balance-alb, not \(m)",
                         fix: "remove primary, or set 'mode: active-backup'")
        }
        let arp = bond.arpInterval?.value ?? 0
        if arp > 0, mode.value.refusesARPMonitoring, let loc = bond.arpInterval?.location {
            reader.error(loc, "bond.arp-interval: the kernel refuses ARP monitoring in mode \(m)",
                         fix: "use miimon for link monitoring in this mode, and set arp-interval to 0")
        }
        if arp > 0, (bond.miimon ?? 0) > 0, let loc = bond.arpInterval?.location {
            reader.error(loc, "bond.miimon and bond.arp-interval exclude each other (the kernel turns one off)",
                         fix: "keep one link monitor: set miimon or arp-interval to 0")
        }
        if arp > 0, bond.arpIPTarget.isEmpty, bond.options[.nsIP6Target] == nil, let loc = bond.arpInterval?.location {
            reader.error(loc, "bond.arp-interval is set but arp-ip-target lists no address; every slave would be considered down",
                         fix: "add 'arp-ip-target: [GATEWAY]' (or ns-ip6-target) or set arp-interval to 0")
        }
        if arp == 0, !bond.arpIPTarget.isEmpty, let loc = bond.arpIPTargetLocation {
            reader.warning(loc, "bond.arp-ip-target has no effect without arp-interval",
                           fix: "set arp-interval (ms), or remove arp-ip-target")
        }
        if let miimon = bond.miimon {
            if miimon == 0, arp == 0, let loc = bond.miimonLocation {
                reader.warning(loc, "bond.miimon 0 without arp-interval: no link monitoring, so the bond never fails over",
                               fix: "set 'miimon: 100'")
            }
            for (key, value) in [("updelay", bond.updelay), ("downdelay", bond.downdelay)] {
                guard let value, value > 0, let loc = bond.delayLocations[key] else { continue }
                if miimon == 0 {
                    reader.warning(loc, "bond.\(key) is ignored without miimon", fix: "set miimon, or remove \(key)")
                } else if value % miimon != 0 {
                    reader.warning(loc, "bond.\(key) \(value) is not a multiple of miimon \(miimon); the kernel rounds it down to \(value / miimon * miimon)",
                                   fix: "use a multiple of \(miimon)")
                }
            }
        }
    }
}
