// What the bonding driver accepts when (drivers/net/bonding/bond_options.c of Linux 6.1, checked
// in the bonding VM): some options are refused in some modes whatever their value ("option not
// supported in mode"), some only while the bond is down ("the bond is up") or has no slaves ("the
// bond device has slaves"). The kernel also keeps an option it does not use in the current mode
// (lacp_rate of an active-backup bond, left from 802.3ad) and reports it: such a dormant option
// can only be set back while a mode that uses it is on.

/// The bond options of the model, by the kernel's name for them.
public enum BondOption: String, CaseIterable, Sendable {
    case mode, miimon, updelay, downdelay, primary
    case primaryReselect = "primary_reselect"
    case arpInterval = "arp_interval"
    case arpIPTarget = "arp_ip_target"
    case lacpRate = "lacp_rate"
    case xmitHashPolicy = "xmit_hash_policy"
    case failOverMAC = "fail_over_mac"
    case minLinks = "min_links"

    /// Whether the kernel accepts the option in `mode` (kernel mode names; unknown modes accept
    /// everything, the kernel will say).
    public func accepted(inMode mode: String) -> Bool {
        switch self {
        case .lacpRate: return mode == "802.3ad"
        case .primary: return ["active-backup", "balance-tlb", "balance-alb"].contains(mode)
        case .arpInterval: return !["802.3ad", "balance-tlb", "balance-alb"].contains(mode)
        default: return true
        }
    }

    /// Only set while the bond is down (BOND_OPTFLAG_IFDOWN).
    public var needsBondDown: Bool { self == .mode || self == .lacpRate }

    /// Only set while the bond has no slaves (BOND_OPTFLAG_NOSLAVES).
    public var needsNoSlaves: Bool { self == .mode || self == .failOverMAC }
}

extension BondSettings {
    /// The options given here (non-nil; the mode always counts) that differ from `current`.
    /// arp-ip-target compares as a set; the active slave is never an option to set.
    public func differingOptions(from current: BondSettings) -> Set<BondOption> {
        var out: Set<BondOption> = []
        func check<T: Equatable>(_ w: T?, _ c: T?, _ o: BondOption) { if let w, w != c { out.insert(o) } }
        if mode != current.mode { out.insert(.mode) }
        check(miimon, current.miimon, .miimon)
        check(updelay, current.updelay, .updelay)
        check(downdelay, current.downdelay, .downdelay)
        check(primary, current.primary, .primary)
        check(primaryReselect, current.primaryReselect, .primaryReselect)
        check(arpInterval, current.arpInterval, .arpInterval)
        if let t = arpIPTarget, Set(t) != Set(current.arpIPTarget ?? []) { out.insert(.arpIPTarget) }
        check(lacpRate, current.lacpRate, .lacpRate)
        check(xmitHashPolicy, current.xmitHashPolicy, .xmitHashPolicy)
        check(failOverMAC, current.failOverMAC, .failOverMAC)
        check(minLinks, current.minLinks, .minLinks)
        return out
    }

    /// These settings with only `options` kept (the others nil; the mode is always kept, it is
    /// sent only when `options` contains `.mode`).
    public func keeping(_ options: Set<BondOption>) -> BondSettings {
        var s = BondSettings(mode: mode)
        if options.contains(.miimon) { s.miimon = miimon }
        if options.contains(.updelay) { s.updelay = updelay }
        if options.contains(.downdelay) { s.downdelay = downdelay }
        if options.contains(.primary) { s.primary = primary }
        if options.contains(.primaryReselect) { s.primaryReselect = primaryReselect }
        if options.contains(.arpInterval) { s.arpInterval = arpInterval }
        if options.contains(.arpIPTarget) { s.arpIPTarget = arpIPTarget }
        if options.contains(.lacpRate) { s.lacpRate = lacpRate }
        if options.contains(.xmitHashPolicy) { s.xmitHashPolicy = xmitHashPolicy }
        if options.contains(.failOverMAC) { s.failOverMAC = failOverMAC }
        if options.contains(.minLinks) { s.minLinks = minLinks }
        return s
    }

    /// The kernel requests that turn a bond with `current` settings into these, as option sets
    /// in order (each one RTM_NEWLINK; `.mode` in a set means the mode is sent, and the kernel
    /// applies it before the other options of the same request). Only differing options are
    /// sent: the kernel refuses some options while the bond is up or in some modes even when
    /// unchanged. On a mode change, the options the old mode accepts and the new one refuses
    /// (a dormant lacp_rate being restored) go first, in a request of their own.
    /// Options neither mode accepts cannot be set and are left out.
    public func requests(from current: BondSettings) -> [Set<BondOption>] {
        let differing = differingOptions(from: current)
        guard differing.contains(.mode) else {
            let settable = differing.filter { $0.accepted(inMode: mode) }
            return settable.isEmpty ? [] : [settable]
        }
        let early = differing.filter { $0.accepted(inMode: current.mode) && !$0.accepted(inMode: mode) }
        let late = differing.filter { $0.accepted(inMode: mode) }
        return (early.isEmpty ? [] : [early]) + [late]
    }
}
