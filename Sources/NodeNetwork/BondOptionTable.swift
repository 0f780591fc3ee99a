// Every bond option in one table: its profile key, the kernel's name (sysfs, `ip`), its
// IFLA_BOND_* attribute (include/uapi/linux/if_link.h) and width on the wire, its values (range
// or names, from drivers/net/bonding/bond_options.c of Linux 6.1), the modes the kernel accepts
// it in, when the kernel needs the bond down or without slaves, and its spelling in each render
// (nil where that consumer cannot carry it). The loader, renders, netlink encoding and parsing,
// plan difference and verify all read this table: a new option is one row (and one case).

/// A bond option's value, in the kernel's terms (names for enums, numbers, on/off, lists).
public enum BondValue: Sendable, Equatable, Hashable {
    case int(Int), name(String), flag(Bool), list([String])

    public var int: Int? { if case .int(let v) = self { return v }; return nil }
    public var name: String? { if case .name(let v) = self { return v }; return nil }
    public var flag: Bool? { if case .flag(let v) = self { return v }; return nil }
    public var list: [String]? { if case .list(let v) = self { return v }; return nil }
}

public struct BondOptionSpec: Sendable {
    public enum Values: Sendable, Equatable {
        /// A number in this range; `unit` for messages (" ms").
        case count(ClosedRange<Int>, unit: String)
        /// One of these names; the kernel's number is the index.
        case names([String])
        /// on/off (the kernel's 1/0).
        case flag
        /// Up to 16 addresses of this family (BOND_MAX_ARP_TARGETS, BOND_MAX_NS_TARGETS).
        case addresses(IPFamily)
        /// An interface (an ifindex on the wire).
        case interface
        /// A MAC address (6 bytes on the wire).
        case mac
    }
    public enum Wire: Sendable { case u8, u16, u32, nested, ifindex, bytes }

    public let option: BondOption
    /// Key in profiles and JSON (kebab-case).
    public let key: String
    /// IFLA_BOND_* number.
    public let attribute: Int
    public let wire: Wire
    public let values: Values
    /// Kernel mode names the kernel accepts the option in (its `unsuppmodes`); nil: every mode.
    public let modes: Set<String>?
    /// BOND_OPTFLAG_IFDOWN: only set while the bond is down.
    public let needsBondDown: Bool
    /// BOND_OPTFLAG_NOSLAVES: only set while the bond has no slaves.
    public let needsNoSlaves: Bool
    /// `ip link add … type bond` keyword.
    public let ip: String
    /// systemd-networkd 252 [Bond] key and unit suffix ("ms", "s"); nil: networkd 252 has none.
    public let networkd: (key: String, unit: String)?
    /// ifupdown2 3.0.0 attribute its bond addon applies; nil: it has none (or ignores it).
    public let ifupdown2: String?
    /// The value of a bond the kernel just created (bond_check_params), where it matters: a
    /// render may leave out a line its consumer ignores when it asks for this.
    public let fresh: BondValue?

    static let arpModes: Set<String> = ["balance-rr", "active-backup", "balance-xor", "broadcast"]
    static let ad: Set<String> = ["802.3ad"]
    static let intMax = Int(Int32.max)

    // swiftlint:disable line_length
    /// The table, in the order renders and descriptions list the options.
    public static let all: [BondOptionSpec] = [
        .init(.mode, "mode", 1, .u8, .names(BondMode.allCases.map(\.rawValue)), nil, down: true, noSlaves: true, nd: ("Mode", ""), ifup: "bond-mode"),
        .init(.miimon, "miimon", 3, .u32, .count(0...intMax, unit: " ms"), nil, nd: ("MIIMonitorSec", "ms"), ifup: "bond-miimon"),
        .init(.updelay, "updelay", 4, .u32, .count(0...intMax, unit: " ms"), nil, nd: ("UpDelaySec", "ms"), ifup: "bond-updelay"),
        .init(.downdelay, "downdelay", 5, .u32, .count(0...intMax, unit: " ms"), nil, nd: ("DownDelaySec", "ms"), ifup: "bond-downdelay"),
        .init(.primary, "primary", 11, .ifindex, .interface, ["active-backup", "balance-tlb", "balance-alb"], nd: nil, ifup: "bond-primary"),
        .init(.primaryReselect, "primary-reselect", 12, .u8, .names(PrimaryReselect.allCases.map(\.rawValue)), nil, nd: ("PrimaryReselectPolicy", ""), ifup: "bond-primary-reselect"),
        .init(.arpInterval, "arp-interval", 7, .u32, .count(0...intMax, unit: " ms"), arpModes, nd: ("ARPIntervalSec", "ms"), ifup: nil, fresh: .int(0)),
        .init(.arpIPTarget, "arp-ip-target", 8, .nested, .addresses(.ipv4), nil, nd: ("ARPIPTargets", ""), ifup: nil),
        .init(.lacpRate, "lacp-rate", 21, .u8, .names(LACPRate.allCases.map(\.rawValue)), ad, down: true, nd: ("LACPTransmitRate", ""), ifup: "bond-lacp-rate"),
        .init(.xmitHashPolicy, "xmit-hash-policy", 14, .u8, .names(XmitHashPolicy.allCases.map(\.rawValue)), nil, nd: ("TransmitHashPolicy", ""), ifup: "bond-xmit-hash-policy"),
        .init(.failOverMAC, "fail-over-mac", 13, .u8, .names(FailOverMAC.allCases.map(\.rawValue)), nil, noSlaves: true, nd: ("FailOverMACPolicy", ""), ifup: nil, fresh: .name("none")),
        .init(.minLinks, "min-links", 18, .u32, .count(0...intMax, unit: ""), nil, nd: ("MinLinks", ""), ifup: "bond-min-links"),
        .init(.useCarrier, "use-carrier", 6, .u8, .flag, nil, nd: nil, ifup: "bond-use-carrier", fresh: .flag(true)),
        .init(.arpValidate, "arp-validate", 9, .u32, .names(["none", "active", "backup", "all", "filter", "filter_active", "filter_backup"]), arpModes, nd: ("ARPValidate", ""), ifup: nil, fresh: .name("none")),
        .init(.arpAllTargets, "arp-all-targets", 10, .u32, .names(["any", "all"]), nil, nd: ("ARPAllTargets", ""), ifup: nil, fresh: .name("any")),
        .init(.nsIP6Target, "ns-ip6-target", 31, .nested, .addresses(.ipv6), nil, nd: nil, ifup: nil),
        .init(.adSelect, "ad-select", 22, .u8, .names(["stable", "bandwidth", "count"]), nil, down: true, nd: ("AdSelect", ""), ifup: nil, fresh: .name("stable")),
        .init(.adActorSysPrio, "ad-actor-sys-prio", 24, .u16, .count(1...65535, unit: ""), ad, nd: ("AdActorSystemPriority", ""), ifup: "bond-ad-actor-sys-prio", fresh: .int(65535)),
        .init(.adActorSystem, "ad-actor-system", 26, .bytes, .mac, ad, nd: ("AdActorSystem", ""), ifup: "bond-ad-actor-system"),
        .init(.adUserPortKey, "ad-user-port-key", 25, .u16, .count(0...1023, unit: ""), ad, down: true, nd: ("AdUserPortKey", ""), ifup: nil, fresh: .int(0)),
        .init(.lpInterval, "lp-interval", 19, .u32, .count(1...intMax, unit: " s"), nil, nd: ("LearnPacketIntervalSec", "s"), ifup: nil, fresh: .int(1)),
        .init(.numPeerNotif, "num-grat-arp", 16, .u8, .count(0...255, unit: ""), nil, nd: ("GratuitousARP", ""), ifup: "bond-num-grat-arp", fresh: .int(1)),
        .init(.peerNotifyDelay, "peer-notify-delay", 28, .u32, .count(0...intMax, unit: " ms"), nil, nd: nil, ifup: nil, fresh: .int(0)),
        .init(.packetsPerSlave, "packets-per-slave", 20, .u32, .count(0...65535, unit: ""), ["balance-rr"], nd: ("PacketsPerSlave", ""), ifup: nil, fresh: .int(1)),
        .init(.tlbDynamicLB, "tlb-dynamic-lb", 27, .u8, .flag, ["balance-tlb", "balance-alb"], down: true, nd: ("DynamicTransmitLoadBalancing", ""), ifup: nil, fresh: .flag(true)),
        .init(.allSlavesActive, "all-slaves-active", 17, .u8, .flag, nil, nd: ("AllSlavesActive", ""), ifup: nil, fresh: .flag(false)),
        .init(.resendIGMP, "resend-igmp", 15, .u32, .count(0...255, unit: ""), nil, nd: ("ResendIGMP", ""), ifup: nil, fresh: .int(1)),
    ]
    // swiftlint:enable line_length

    init(_ option: BondOption, _ key: String, _ attribute: Int, _ wire: Wire, _ values: Values, _ modes: Set<String>?,
         down: Bool = false, noSlaves: Bool = false, nd: (String, String)?, ifup: String?, fresh: BondValue? = nil) {
        self.fresh = fresh
        self.option = option; self.key = key; self.attribute = attribute; self.wire = wire; self.values = values
        self.modes = modes; self.needsBondDown = down; self.needsNoSlaves = noSlaves
        self.ip = option == .peerNotifyDelay ? "peer_notify_delay" : option.rawValue; self.networkd = nd.map { (key: $0.0, unit: $0.1) }; self.ifupdown2 = ifup
    }

    public static subscript(option: BondOption) -> BondOptionSpec {
        all.first { $0.option == option }!
    }

    public static func spec(key: String) -> BondOptionSpec? { all.first { $0.key == key } }

    /// Kernel modes in the order of `BondMode`, for messages.
    public var modeList: String {
        guard let modes else { return "every mode" }
        return BondMode.allCases.map(\.rawValue).filter(modes.contains).joined(separator: ", ")
    }
}

extension BondOptionSpec {
    /// The value as `ip link` takes it (names as is, on/off as 1/0, lists comma-separated).
    public func ipText(_ v: BondValue) -> String {
        switch v {
        case .int(let n): return String(n)
        case .name(let s): return s
        case .flag(let b): return b ? "1" : "0"
        case .list(let l): return l.joined(separator: ",")
        }
    }

    /// The value as networkd's [Bond] key takes it (durations with their unit, yes/no, lists
    /// space-separated).
    public func networkdText(_ v: BondValue) -> String {
        switch v {
        case .int(let n): return "\(n)\(networkd?.unit ?? "")"
        case .name(let s): return s
        case .flag(let b): return b ? "yes" : "no"
        case .list(let l): return l.joined(separator: " ")
        }
    }

    /// The value as ifupdown2 takes it (yes/no for flags).
    public func ifupdown2Text(_ v: BondValue) -> String {
        switch v {
        case .flag(let b): return b ? "yes" : "no"
        case .list(let l): return l.joined(separator: " ")
        default: return ipText(v)
        }
    }

    /// "key value" for plan summaries.
    public func describe(_ v: BondValue) -> String {
        switch v {
        case .list(let l): return "\(key) [\(l.joined(separator: ","))]"
        case .flag(let b): return "\(key) \(b ? "on" : "off")"
        default: return "\(key) \(ipText(v))"
        }
    }
}
