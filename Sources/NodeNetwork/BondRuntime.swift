// What the bonding driver reports about its own decisions (kernel-read only, never in a profile
// or a desired state): the 802.3ad aggregator and LACP partner, the ARP monitor's settings, and
// per slave its aggregator, LACP port states and churn states.

/// The active 802.3ad aggregator of a bond (IFLA_BOND_AD_INFO).
public struct BondADInfo: Codable, Sendable, Equatable {
    public var aggregatorID: Int?
    /// Ports in the active aggregator.
    public var numPorts: Int?
    public var actorKey: Int?
    public var partnerKey: Int?
    /// The LACP partner's system MAC ("00:00:00:00:00:00" while there is none).
    public var partnerMAC: String?

    public init(aggregatorID: Int? = nil, numPorts: Int? = nil, actorKey: Int? = nil,
                partnerKey: Int? = nil, partnerMAC: String? = nil) {
        self.aggregatorID = aggregatorID; self.numPorts = numPorts; self.actorKey = actorKey
        self.partnerKey = partnerKey; self.partnerMAC = partnerMAC
    }

    /// True when a partner answered (a MAC other than all zeros).
    public var hasPartner: Bool {
        guard let partnerMAC else { return false }
        return partnerMAC != "00:00:00:00:00:00"
    }

    enum CodingKeys: String, CodingKey {
        case aggregatorID = "aggregator-id", numPorts = "num-ports", actorKey = "actor-key"
        case partnerKey = "partner-key", partnerMAC = "partner-mac"
    }
}

/// The ARP monitor of a bond as the kernel runs it (interval 0: off, MII monitoring instead).
public struct BondARPMonitor: Codable, Sendable, Equatable {
    public var interval: Int
    public var targets: [String]
    /// "none", "active", "backup", "all", "filter", "filter_active", "filter_backup".
    public var validate: String?
    /// "any" or "all".
    public var allTargets: String?
    /// Missed intervals before a slave is judged down (IFLA_BOND_MISSED_MAX, kernel 5.19+).
    public var missedMax: Int?

    public init(interval: Int, targets: [String], validate: String? = nil, allTargets: String? = nil,
                missedMax: Int? = nil) {
        self.interval = interval; self.targets = targets; self.validate = validate
        self.allTargets = allTargets; self.missedMax = missedMax
    }

    enum CodingKeys: String, CodingKey {
        case interval, targets, validate
        case allTargets = "all-targets", missedMax = "missed-max"
    }
}

/// The bond's runtime state: `bond-state` in `show --json`.
public struct BondRuntime: Codable, Sendable, Equatable {
    /// 802.3ad mode only.
    public var ad: BondADInfo?
    /// When the ARP monitor runs (arp_interval > 0).
    public var arp: BondARPMonitor?

    public init(ad: BondADInfo? = nil, arp: BondARPMonitor? = nil) { self.ad = ad; self.arp = arp }
}

/// Per slave, what 802.3ad and the bonding driver report beyond state and MII status.
public struct BondSlaveLACP: Codable, Sendable, Equatable {
    public var aggregatorID: Int?
    /// LACP port state bits (IEEE 802.1AX: 1 activity, 2 timeout, 4 aggregation, 8 sync,
    /// 16 collecting, 32 distributing, 64 defaulted, 128 expired).
    public var actorOperPortState: Int?
    public var partnerOperPortState: Int?
    /// "none", "monitoring" or "churned" (from netlink when the kernel sends it, else
    /// /proc/net/bonding).
    public var actorChurnState: String?
    public var partnerChurnState: String?

    public init(aggregatorID: Int? = nil, actorOperPortState: Int? = nil,
                partnerOperPortState: Int? = nil, actorChurnState: String? = nil,
                partnerChurnState: String? = nil) {
        self.aggregatorID = aggregatorID; self.actorOperPortState = actorOperPortState
        self.partnerOperPortState = partnerOperPortState; self.actorChurnState = actorChurnState
        self.partnerChurnState = partnerChurnState
    }

    /// True when either side's churn machine says churned.
    public var churned: Bool { actorChurnState == "churned" || partnerChurnState == "churned" }

    /// Names of the set bits of a LACP port state, e.g. "activity,aggregation,sync".
    public static func portStateNames(_ bits: Int) -> String {
        let names = ["activity", "short-timeout", "aggregation", "sync", "collecting",
                     "distributing", "defaulted", "expired"]
        let set = names.indices.filter { bits & (1 << $0) != 0 }.map { names[$0] }
        return set.isEmpty ? "none" : set.joined(separator: ",")
    }

    enum CodingKeys: String, CodingKey {
        case aggregatorID = "aggregator-id"
        case actorOperPortState = "actor-oper-port-state"
        case partnerOperPortState = "partner-oper-port-state"
        case actorChurnState = "actor-churn-state", partnerChurnState = "partner-churn-state"
    }
}

extension NetworkState {
    /// `show`'s words for a bond's runtime state and a slave's LACP state.
    static func bondRuntimeFields(_ i: Interface) -> [String] {
        var fields: [String] = []
        if let ad = i.bondState?.ad {
            var text = "aggregator \(ad.aggregatorID.map(String.init) ?? "?") ports \(ad.numPorts.map(String.init) ?? "?")"
            if let key = ad.actorKey { text += " actor-key \(key)" }
            text += ad.hasPartner ? " partner \(ad.partnerMAC!) key \(ad.partnerKey.map(String.init) ?? "?")"
                                  : " no-partner"
            fields.append(text)
        }
        if let arp = i.bondState?.arp {
            var text = "arp-validate \(arp.validate ?? "?")"
            if let all = arp.allTargets { text += " all-targets \(all)" }
            if let missed = arp.missedMax { text += " missed-max \(missed)" }
            fields.append(text)
        }
        if let lacp = i.slave?.lacp {
            if let id = lacp.aggregatorID { fields.append("aggregator \(id)") }
            if let a = lacp.actorOperPortState { fields.append("actor \(BondSlaveLACP.portStateNames(a))") }
            if let p = lacp.partnerOperPortState { fields.append("partner \(BondSlaveLACP.portStateNames(p))") }
            if lacp.actorChurnState != nil || lacp.partnerChurnState != nil {
                fields.append("churn \(lacp.actorChurnState ?? "?")/\(lacp.partnerChurnState ?? "?")")
            }
        }
        return fields
    }
}
