internal import CNetlink
import NodeNetwork

/// Bonding: bond options (IFLA_INFO_DATA, IFLA_BOND_*) and slave state (IFLA_INFO_SLAVE_DATA,
/// IFLA_BOND_SLAVE_*), with the kernel's names for its numbers. libnl 3.7 parses neither.
enum BondLink {
    /// Index in each list = the kernel's number (drivers/net/bonding/bond_options.c).
    static let modes = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
                        "balance-tlb", "balance-alb"]
    static let lacpRates = ["slow", "fast"]
    static let xmitHashPolicies = ["layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4",
                                   "vlan+srcmac"]
    static let primaryReselects = ["always", "better", "failure"]
    static let failOverMACs = ["none", "active", "follow"]
    /// IFLA_BOND_SLAVE_STATE: BOND_STATE_ACTIVE = 0, BOND_STATE_BACKUP = 1.
    static let slaveStates = ["active", "backup"]
    /// IFLA_BOND_SLAVE_MII_STATUS: BOND_LINK_UP, BOND_LINK_FAIL, BOND_LINK_DOWN, BOND_LINK_BACK.
    static let miiStatuses = ["up", "going-down", "down", "going-back"]

    static func name<T: BinaryInteger>(_ value: T?, in names: [String]) -> String? {
        guard let value, value >= 0, Int(value) < names.count else { return nil }
        return names[Int(value)]
    }

    /// Number for a kernel name (for requests that set bond options).
    static func number(_ name: String, in names: [String]) -> Int? { names.firstIndex(of: name) }

    /// Bond options with the active slave and primary still as interface indexes (resolved to
    /// names once the whole dump is read).
    struct Raw {
        var settings: BondSettings
        var activeSlaveIndex: Int?
        var primaryIndex: Int?
    }

    static func settings(from data: Attributes) -> Raw {
        let targets = data.list(Int(IFLA_BOND_ARP_IP_TARGET)).compactMap { bytes -> String? in
            guard bytes.count == 4 else { return nil }
            return bytes.map(String.init).joined(separator: ".")
        }
        let settings = BondSettings(
            mode: name(data.u8(Int(IFLA_BOND_MODE)), in: modes) ?? "unknown",
            miimon: data.u32(Int(IFLA_BOND_MIIMON)).map(Int.init),
            updelay: data.u32(Int(IFLA_BOND_UPDELAY)).map(Int.init),
            downdelay: data.u32(Int(IFLA_BOND_DOWNDELAY)).map(Int.init),
            primary: nil,
            primaryReselect: name(data.u8(Int(IFLA_BOND_PRIMARY_RESELECT)), in: primaryReselects),
            arpInterval: data.u32(Int(IFLA_BOND_ARP_INTERVAL)).map(Int.init),
            arpIPTarget: data.has(Int(IFLA_BOND_ARP_IP_TARGET)) || data.has(Int(IFLA_BOND_MODE)) ? targets : nil,
            lacpRate: name(data.u8(Int(IFLA_BOND_AD_LACP_RATE)), in: lacpRates),
            xmitHashPolicy: name(data.u8(Int(IFLA_BOND_XMIT_HASH_POLICY)), in: xmitHashPolicies),
            failOverMAC: name(data.u8(Int(IFLA_BOND_FAIL_OVER_MAC)), in: failOverMACs),
            minLinks: data.u32(Int(IFLA_BOND_MIN_LINKS)).map(Int.init))
        return Raw(settings: settings,
                   activeSlaveIndex: data.u32(Int(IFLA_BOND_ACTIVE_SLAVE)).map(Int.init),
                   primaryIndex: data.u32(Int(IFLA_BOND_PRIMARY)).map(Int.init))
    }

    static func slave(from data: Attributes) -> BondSlaveSettings {
        BondSlaveSettings(
            state: name(data.u8(Int(IFLA_BOND_SLAVE_STATE)), in: slaveStates),
            miiStatus: name(data.u8(Int(IFLA_BOND_SLAVE_MII_STATUS)), in: miiStatuses),
            linkFailureCount: data.u32(Int(IFLA_BOND_SLAVE_LINK_FAILURE_COUNT)).map(Int.init))
    }
}
