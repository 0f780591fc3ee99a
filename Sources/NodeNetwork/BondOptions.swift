// What the bonding driver accepts when (drivers/net/bonding/bond_options.c of Linux 6.1, checked
// in the bonding VM): some options are refused in some modes whatever their value ("option not
// supported in mode"), some only while the bond is down ("the bond is up") or has no slaves ("the
// bond device has slaves"). The kernel also keeps an option it does not use in the current mode
// (lacp_rate of an active-backup bond, left from 802.3ad) and reports it: such a dormant option
// can only be set back while a mode that uses it is on.

/// The bond options of the model, by the kernel's name for them (sysfs, `ip`). Their rules are
/// in `BondOptionSpec.all`.
public enum BondOption: String, CaseIterable, Sendable, Comparable {
    case mode, miimon, updelay, downdelay, primary
    case primaryReselect = "primary_reselect"
    case arpInterval = "arp_interval"
    case arpIPTarget = "arp_ip_target"
    case lacpRate = "lacp_rate"
    case xmitHashPolicy = "xmit_hash_policy"
    case failOverMAC = "fail_over_mac"
    case minLinks = "min_links"
    case useCarrier = "use_carrier"
    case arpValidate = "arp_validate"
    case arpAllTargets = "arp_all_targets"
    case nsIP6Target = "ns_ip6_target"
    case adSelect = "ad_select"
    case adActorSysPrio = "ad_actor_sys_prio"
    case adActorSystem = "ad_actor_system"
    case adUserPortKey = "ad_user_port_key"
    case lpInterval = "lp_interval"
    case numPeerNotif = "num_grat_arp"
    case peerNotifyDelay = "peer_notif_delay"
    case packetsPerSlave = "packets_per_slave"
    case tlbDynamicLB = "tlb_dynamic_lb"
    case allSlavesActive = "all_slaves_active"
    case resendIGMP = "resend_igmp"

    public var spec: BondOptionSpec { BondOptionSpec[self] }

    /// Whether the kernel accepts the option in `mode` (kernel mode names; unknown modes accept
    /// everything, the kernel will say).
    public func accepted(inMode mode: String) -> Bool {
        guard let modes = spec.modes, BondMode(rawValue: mode) != nil else { return true }
        return modes.contains(mode)
    }

    /// Only set while the bond is down (BOND_OPTFLAG_IFDOWN).
    public var needsBondDown: Bool { spec.needsBondDown }

    /// Only set while the bond has no slaves (BOND_OPTFLAG_NOSLAVES).
    public var needsNoSlaves: Bool { spec.needsNoSlaves }

    public static func < (a: BondOption, b: BondOption) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

extension BondSettings {
    /// The options given here (non-nil; the mode always counts) that differ from `current`.
    /// Lists (arp-ip-target, ns-ip6-target) compare as sets; the active slave is never an
    /// option to set.
    public func differingOptions(from current: BondSettings) -> Set<BondOption> {
        var out: Set<BondOption> = mode != current.mode ? [.mode] : []
        for (option, value) in options where !BondSettings.same(value, current.options[option]) {
            out.insert(option)
        }
        return out
    }

    static func same(_ want: BondValue, _ current: BondValue?) -> Bool {
        if case .list(let w) = want {
            return Set(w) == Set(current?.list ?? [])
        }
        return want == current
    }

    /// These settings with only `options` kept (the others nil; the mode is always kept, it is
    /// sent only when `options` contains `.mode`).
    public func keeping(_ kept: Set<BondOption>) -> BondSettings {
        var s = BondSettings(mode: mode)
        s.options = options.filter { kept.contains($0.key) }
        return s
    }

    /// Settings after `applied` (its given options) was set over these.
    public func merging(_ applied: BondSettings) -> BondSettings {
        var m = self
        m.mode = applied.mode
        m.options.merge(applied.options) { _, new in new }
        return m
    }

    /// The kernel requests that turn a bond with `current` settings into these, as option sets
    /// in order (each one RTM_NEWLINK; `.mode` in a set means the mode is sent, and the kernel
    /// applies it before the other options of the same request). Only differing options are
    /// sent: the kernel refuses some options while the bond is up or in some modes even when
    /// unchanged. On a mode change, the options the old mode accepts and the new one refuses
    /// (a dormant lacp_rate being restored) go first, in a request of their own.
    /// Options neither mode accepts cannot be set and are left out.
    /// The delays counted in miimon intervals (updelay, downdelay, peer_notif_delay) cannot be
    /// set while miimon is 0 (EPERM) and read back as 0 then: they are left out.
    public func requests(from current: BondSettings) -> [Set<BondOption>] {
        var differing = differingOptions(from: current)
        if (miimon ?? current.miimon) == 0 { differing.subtract([.updelay, .downdelay, .peerNotifyDelay]) }
        guard differing.contains(.mode) else {
            let settable = differing.filter { $0.accepted(inMode: mode) }
            return settable.isEmpty ? [] : [settable]
        }
        let early = differing.filter { $0.accepted(inMode: current.mode) && !$0.accepted(inMode: mode) }
        let late = differing.filter { $0.accepted(inMode: mode) }
        return (early.isEmpty ? [] : [early]) + [late]
    }
}
