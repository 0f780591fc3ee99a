// A redundancy profile (schema version 1): one node's redundant network, as the user wrote it.
// See man/xg-scale-profile.5. Keys are kebab-case; the schema is a contract: extend, never rename.

public enum Redundancy: String, Codable, Sendable, CaseIterable {
    case stp, bond
}

public enum BondMode: String, Codable, Sendable, CaseIterable {
    case balanceRR = "balance-rr"
    case activeBackup = "active-backup"
    case balanceXOR = "balance-xor"
    case broadcast
    case ieee8023ad = "802.3ad"
    case balanceTLB = "balance-tlb"
    case balanceALB = "balance-alb"

    /// Modes where the kernel honours `primary`.
    public var acceptsPrimary: Bool { [.activeBackup, .balanceTLB, .balanceALB].contains(self) }
    /// Modes where the transmit hash policy is used.
    public var acceptsXmitHashPolicy: Bool { [.balanceXOR, .ieee8023ad, .balanceTLB, .balanceALB].contains(self) }
    /// Modes where the kernel refuses ARP monitoring.
    public var refusesARPMonitoring: Bool { [.ieee8023ad, .balanceTLB, .balanceALB].contains(self) }
}

public enum PrimaryReselect: String, Codable, Sendable, CaseIterable {
    case always, better, failure
}

public enum LACPRate: String, Codable, Sendable, CaseIterable {
    case slow, fast
}

public enum XmitHashPolicy: String, Codable, Sendable, CaseIterable {
    case layer2
    case layer34 = "layer3+4"
    case layer23 = "layer2+3"
    case encap23 = "encap2+3"
    case encap34 = "encap3+4"
    case vlanSrcMAC = "vlan+srcmac"
}

public enum FailOverMAC: String, Codable, Sendable, CaseIterable {
    case none, active, follow
}

/// Bridge-level STP settings. Timers in whole seconds; nil = kernel default.
public struct STPProfile: Codable, Sendable, Equatable {
    public var priority: Int?
    public var forwardDelay: Int?
    public var helloTime: Int?
    public var maxAge: Int?

    /// Kernel defaults (net/bridge): forward delay 15 s, hello 2 s, max age 20 s, priority 32768.
    public static let kernelForwardDelay = 15, kernelHelloTime = 2, kernelMaxAge = 20, kernelPriority = 32768

    public init(priority: Int? = nil, forwardDelay: Int? = nil, helloTime: Int? = nil, maxAge: Int? = nil) {
        self.priority = priority; self.forwardDelay = forwardDelay; self.helloTime = helloTime; self.maxAge = maxAge
    }

    enum CodingKeys: String, CodingKey {
        case priority, forwardDelay = "forward-delay", helloTime = "hello-time", maxAge = "max-age"
    }
}

/// Port settings of one bridge port.
public struct PortProfile: Codable, Sendable, Equatable {
    public var priority: Int?
    public var cost: Int?
    public init(priority: Int? = nil, cost: Int? = nil) { self.priority = priority; self.cost = cost }
}

public struct BridgeProfile: Codable, Sendable, Equatable {
    public var name: String
    /// nil = STP off (absent, `stp: off` or `stp: {enabled: false}`).
    public var stp: STPProfile?
    /// Keyed by port name (an uplink, the bond, a veth peer).
    public var ports: [String: PortProfile]
    /// Further veth pairs (for VMs or containers): `peer` becomes a port of this bridge, `name`
    /// stays free for a guest. Profile key `veths`; empty when absent.
    public var veths: [VethProfile]

    public init(name: String, stp: STPProfile? = nil, ports: [String: PortProfile] = [:], veths: [VethProfile] = []) {
        self.name = name; self.stp = stp; self.ports = ports; self.veths = veths
    }

    enum CodingKeys: String, CodingKey { case name, stp, ports, veths }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        stp = try c.decodeIfPresent(STPProfile.self, forKey: .stp)
        ports = try c.decodeIfPresent([String: PortProfile].self, forKey: .ports) ?? [:]
        veths = try c.decodeIfPresent([VethProfile].self, forKey: .veths) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(stp, forKey: .stp)
        try c.encode(ports, forKey: .ports)
        if !veths.isEmpty { try c.encode(veths, forKey: .veths) }
    }
}

public struct BondProfile: Codable, Sendable, Equatable {
    public var name: String
    public var mode: BondMode
    public var miimon: Int?
    public var updelay: Int?
    public var downdelay: Int?
    public var primary: String?
    public var primaryReselect: PrimaryReselect?
    public var arpInterval: Int?
    public var arpIPTarget: [String]
    public var lacpRate: LACPRate?
    public var xmitHashPolicy: XmitHashPolicy?
    public var failOverMAC: FailOverMAC?
    public var minLinks: Int?
    /// The options without a field above (use-carrier, arp-validate, …: `BondOptionSpec.all`).
    public var options: [BondOption: BondValue] = [:]

    public init(name: String, mode: BondMode, miimon: Int? = nil, updelay: Int? = nil, downdelay: Int? = nil,
                primary: String? = nil, primaryReselect: PrimaryReselect? = nil, arpInterval: Int? = nil,
                arpIPTarget: [String] = [], lacpRate: LACPRate? = nil, xmitHashPolicy: XmitHashPolicy? = nil,
                failOverMAC: FailOverMAC? = nil, minLinks: Int? = nil, options: [BondOption: BondValue] = [:]) {
        self.options = options
        self.name = name; self.mode = mode; self.miimon = miimon; self.updelay = updelay
        self.downdelay = downdelay; self.primary = primary; self.primaryReselect = primaryReselect
        self.arpInterval = arpInterval; self.arpIPTarget = arpIPTarget; self.lacpRate = lacpRate
        self.xmitHashPolicy = xmitHashPolicy; self.failOverMAC = failOverMAC; self.minLinks = minLinks
    }

    enum CodingKeys: String, CodingKey {
        case name, mode, miimon, updelay, downdelay, primary
        case primaryReselect = "primary-reselect", arpInterval = "arp-interval", arpIPTarget = "arp-ip-target"
        case lacpRate = "lacp-rate", xmitHashPolicy = "xmit-hash-policy", failOverMAC = "fail-over-mac"
        case minLinks = "min-links"
    }
}

extension BondProfile {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        mode = try c.decode(BondMode.self, forKey: .mode)
        miimon = try c.decodeIfPresent(Int.self, forKey: .miimon)
        updelay = try c.decodeIfPresent(Int.self, forKey: .updelay)
        downdelay = try c.decodeIfPresent(Int.self, forKey: .downdelay)
        primary = try c.decodeIfPresent(String.self, forKey: .primary)
        primaryReselect = try c.decodeIfPresent(PrimaryReselect.self, forKey: .primaryReselect)
        arpInterval = try c.decodeIfPresent(Int.self, forKey: .arpInterval)
        arpIPTarget = try c.decodeIfPresent([String].self, forKey: .arpIPTarget) ?? []
        lacpRate = try c.decodeIfPresent(LACPRate.self, forKey: .lacpRate)
        xmitHashPolicy = try c.decodeIfPresent(XmitHashPolicy.self, forKey: .xmitHashPolicy)
        failOverMAC = try c.decodeIfPresent(FailOverMAC.self, forKey: .failOverMAC)
        minLinks = try c.decodeIfPresent(Int.self, forKey: .minLinks)
        // The other options, in BondSettings' coding (the same keys).
        options = try BondSettings(from: decoder).options.filter { BondProfile.tableOnly.contains($0.key) }
    }

    public func encode(to encoder: Encoder) throws {
        var settings = BondSettings(mode: mode.rawValue, options: options)
        settings.miimon = miimon; settings.updelay = updelay; settings.downdelay = downdelay
        settings.primary = primary; settings.primaryReselect = primaryReselect?.rawValue
        settings.arpInterval = arpInterval; settings.arpIPTarget = arpIPTarget
        settings.lacpRate = lacpRate?.rawValue; settings.xmitHashPolicy = xmitHashPolicy?.rawValue
        settings.failOverMAC = failOverMAC?.rawValue; settings.minLinks = minLinks
        try settings.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
    }

    /// The options kept in `options` (the others have a field).
    static let tableOnly: Set<BondOption> = Set(BondOption.allCases.drop { $0 != .useCarrier })
}

public struct VethProfile: Codable, Sendable, Equatable {
    /// The host's end (carries the addresses).
    public var name: String
    /// The end that becomes a bridge port.
    public var peer: String
    public init(name: String, peer: String) { self.name = name; self.peer = peer }
}

public struct HostProfile: Codable, Sendable, Equatable {
    public var veth: VethProfile?
    public var addresses: [String]
    public var gateway: String?
    public var mtu: Int?

    public init(veth: VethProfile? = nil, addresses: [String] = [], gateway: String? = nil, mtu: Int? = nil) {
        self.veth = veth; self.addresses = addresses; self.gateway = gateway; self.mtu = mtu
    }
}

public struct Profile: Codable, Sendable, Equatable {
    /// The one schema version this xg-scale reads.
    public static let supportedVersion = 1

    public var version: Int
    public var redundancy: Redundancy
    public var uplinks: [String]
    public var bridge: BridgeProfile
    public var bond: BondProfile?
    public var host: HostProfile

    public init(version: Int = Profile.supportedVersion, redundancy: Redundancy, uplinks: [String],
                bridge: BridgeProfile, bond: BondProfile? = nil, host: HostProfile = HostProfile()) {
        self.version = version; self.redundancy = redundancy; self.uplinks = uplinks
        self.bridge = bridge; self.bond = bond; self.host = host
    }

    /// The interface that carries the host's addresses: the veth's host end, else the bridge.
    public var hostInterface: String { host.veth?.name ?? bridge.name }

    /// The bridge's ports in order: uplinks (stp) or the bond (bond), the host veth's peer, then
    /// the peers of `bridge.veths`.
    public var bridgePorts: [String] {
        var ports = redundancy == .bond ? [bond?.name ?? ""] : uplinks
        if let veth = host.veth { ports.append(veth.peer) }
        ports += bridge.veths.map(\.peer)
        return ports
    }
}
