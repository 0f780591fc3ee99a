internal import CNetlink
import NodeNetwork

/// Reads of what the bonding driver decides at run time (the write side of bond options lives in
/// Bond.swift): the 802.3ad aggregator (IFLA_BOND_AD_INFO), the ARP monitor's settings, and per
/// slave its LACP aggregator, port states and churn states (IFLA_BOND_SLAVE_*).
enum BondStateLink {
    /// IFLA_BOND_ARP_VALIDATE values (BOND_ARP_VALIDATE_*, with the filter bit 4).
    static let arpValidates = ["none", "active", "backup", "all", "filter", "filter_active",
                               "filter_backup"]
    static let arpAllTargets = ["any", "all"]
    /// AD_CHURN_MONITOR = 0, AD_CHURN = 1, AD_NO_CHURN = 2 (the names /proc/net/bonding prints).
    static let churnStates = ["monitoring", "churned", "none"]

    /// The bond's runtime state from its IFLA_INFO_DATA (nil when there is nothing to say).
    static func runtime(from data: Attributes, operation: String) throws(NetlinkError) -> BondRuntime? {
        var result = BondRuntime()
        if BondLink.name(data.u8(Int(IFLA_BOND_MODE)), in: BondLink.modes) == "802.3ad",
           let info = try data.nested(Int(IFLA_BOND_AD_INFO), maxType: Int32(__IFLA_BOND_AD_INFO_MAX) - 1,
                                      operation: operation) {
            result.ad = BondADInfo(
                aggregatorID: info.u16(Int(IFLA_BOND_AD_INFO_AGGREGATOR)).map(Int.init),
                numPorts: info.u16(Int(IFLA_BOND_AD_INFO_NUM_PORTS)).map(Int.init),
                actorKey: info.u16(Int(IFLA_BOND_AD_INFO_ACTOR_KEY)).map(Int.init),
                partnerKey: info.u16(Int(IFLA_BOND_AD_INFO_PARTNER_KEY)).map(Int.init),
                partnerMAC: DeviceLink.mac(info.bytes(Int(IFLA_BOND_AD_INFO_PARTNER_MAC))))
        }
        if let interval = data.u32(Int(IFLA_BOND_ARP_INTERVAL)), interval > 0 {
            let targets = data.list(Int(IFLA_BOND_ARP_IP_TARGET)).compactMap { bytes -> String? in
                bytes.count == 4 ? bytes.map(String.init).joined(separator: ".") : nil
            }
            result.arp = BondARPMonitor(
                interval: Int(interval), targets: targets,
                validate: BondLink.name(data.u32(Int(IFLA_BOND_ARP_VALIDATE)), in: arpValidates),
                allTargets: BondLink.name(data.u32(Int(IFLA_BOND_ARP_ALL_TARGETS)), in: arpAllTargets),
                missedMax: data.u8(Int(IFLA_BOND_MISSED_MAX)).map(Int.init))
        }
        return result.ad == nil && result.arp == nil ? nil : result
    }

    /// The slave's settings of Bond.swift completed with its permanent MAC, queue id and, under
    /// 802.3ad, its aggregator and LACP port states (churn states when the kernel sends them).
    static func complete(_ slave: inout BondSlaveSettings, from data: Attributes) {
        slave.permHWAddr = DeviceLink.mac(data.bytes(Int(IFLA_BOND_SLAVE_PERM_HWADDR)))
        slave.queueID = data.u16(Int(IFLA_BOND_SLAVE_QUEUE_ID)).map(Int.init)
        guard let aggregator = data.u16(Int(IFLA_BOND_SLAVE_AD_AGGREGATOR_ID)) else { return }
        slave.lacp = BondSlaveLACP(
            aggregatorID: Int(aggregator),
            actorOperPortState: data.u8(Int(IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE)).map(Int.init),
            partnerOperPortState: data.u16(Int(IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE)).map(Int.init),
            actorChurnState: BondLink.name(data.u8(Int(IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE)), in: churnStates),
            partnerChurnState: BondLink.name(data.u8(Int(IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE)), in: churnStates))
    }
}
