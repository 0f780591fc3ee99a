// The network of a node as values: the desired state (rendered from a profile) and the current
// state (read from the kernel by `Netlink`) are the same types, so they can be compared, planned
// and printed with one JSON schema (`render --format json` and `show --json`).
//
// JSON keys are kebab-case like the profile's. Fields that only the kernel knows (carrier,
// operstate, STP port state, active slave...) are nil in a desired state and left out of JSON.

/// Kind of an interface, as the kernel's IFLA_INFO_KIND names it ("device" for physical NICs).
public enum InterfaceKind: String, Codable, Sendable, CaseIterable {
    case device, bridge, bond, veth, other
}

/// Bridge-level settings (IFLA_INFO_DATA of a bridge). Timers are in seconds.
public struct BridgeSettings: Codable, Sendable, Equatable {
    public var stp: Bool
    public var priority: Int?
    public var forwardDelay: Double?
    public var helloTime: Double?
    public var maxAge: Double?
    // Read back from the kernel only:
    public var bridgeID: String?
    public var rootID: String?
    public var rootPort: Int?
    public var topologyChange: Bool?
    public var topologyChangeCount: Int?
    /// Path cost to the root bridge (IFLA_BR_ROOT_PATH_COST). Kernel-read only.
    public var rootPathCost: Int?
    /// Who runs STP: "off", "kernel" or "user" (mstpd). Kernel-read only.
    public var stpMode: String?

    public init(stp: Bool, priority: Int? = nil, forwardDelay: Double? = nil, helloTime: Double? = nil,
                maxAge: Double? = nil, bridgeID: String? = nil, rootID: String? = nil, rootPort: Int? = nil,
                topologyChange: Bool? = nil, topologyChangeCount: Int? = nil) {
        self.stp = stp; self.priority = priority; self.forwardDelay = forwardDelay
        self.helloTime = helloTime; self.maxAge = maxAge; self.bridgeID = bridgeID
        self.rootID = rootID; self.rootPort = rootPort; self.topologyChange = topologyChange
        self.topologyChangeCount = topologyChangeCount
    }

    enum CodingKeys: String, CodingKey {
        case stp, priority
        case forwardDelay = "forward-delay", helloTime = "hello-time", maxAge = "max-age"
        case bridgeID = "bridge-id", rootID = "root-id", rootPort = "root-port"
        case topologyChange = "topology-change", topologyChangeCount = "topology-change-count"
        case rootPathCost = "root-path-cost", stpMode = "stp-mode"
    }
}

/// STP state of a bridge port (BR_STATE_*).
public enum PortSTPState: String, Codable, Sendable, CaseIterable {
    case disabled, listening, learning, forwarding, blocking
    /// Kernel value BR_STATE_DISABLED=0 ... BR_STATE_BLOCKING=4.
    public init?(kernelValue: Int) {
        switch kernelValue {
        case 0: self = .disabled
        case 1: self = .listening
        case 2: self = .learning
        case 3: self = .forwarding
        case 4: self = .blocking
        default: return nil
        }
    }
}

/// Settings of an interface as a bridge port (IFLA_PROTINFO / IFLA_BRPORT_*).
public struct BridgePortSettings: Codable, Sendable, Equatable {
    public var priority: Int?
    public var cost: Int?
    /// Read back from the kernel only.
    public var state: PortSTPState?

    public init(priority: Int? = nil, cost: Int? = nil, state: PortSTPState? = nil) {
        self.priority = priority; self.cost = cost; self.state = state
    }
}

/// Bond settings, with kernel names for values (mode "active-backup", lacp-rate "fast", ...).
/// Every option but the mode is in `options`, described by `BondOptionSpec.all`; nil (absent)
/// = not given (desired) or not reported (read back).
public struct BondSettings: Sendable, Equatable {
    public var mode: String
    public var options: [BondOption: BondValue] = [:]
    /// Read back from the kernel only.
    public var activeSlave: String?

    public subscript(option: BondOption) -> BondValue? {
        get { options[option] }
        set { options[option] = newValue }
    }

    public init(mode: String, miimon: Int? = nil, updelay: Int? = nil, downdelay: Int? = nil,
                primary: String? = nil, primaryReselect: String? = nil, arpInterval: Int? = nil,
                arpIPTarget: [String]? = nil, lacpRate: String? = nil, xmitHashPolicy: String? = nil,
                failOverMAC: String? = nil, minLinks: Int? = nil, activeSlave: String? = nil,
                options more: [BondOption: BondValue] = [:]) {
        self.mode = mode; self.activeSlave = activeSlave
        self.miimon = miimon; self.updelay = updelay; self.downdelay = downdelay
        self.primary = primary; self.primaryReselect = primaryReselect; self.arpInterval = arpInterval
        self.arpIPTarget = arpIPTarget; self.lacpRate = lacpRate; self.xmitHashPolicy = xmitHashPolicy
        self.failOverMAC = failOverMAC; self.minLinks = minLinks
        options.merge(more) { _, new in new }
    }

    private func int(_ o: BondOption) -> Int? { options[o]?.int }
    private func name(_ o: BondOption) -> String? { options[o]?.name }
    private mutating func set(_ o: BondOption, _ v: Int?) { options[o] = v.map(BondValue.int) }
    private mutating func set(_ o: BondOption, _ v: String?) { options[o] = v.map(BondValue.name) }

    public var miimon: Int? { get { int(.miimon) } set { set(.miimon, newValue) } }
    public var updelay: Int? { get { int(.updelay) } set { set(.updelay, newValue) } }
    public var downdelay: Int? { get { int(.downdelay) } set { set(.downdelay, newValue) } }
    public var primary: String? { get { name(.primary) } set { set(.primary, newValue) } }
    public var primaryReselect: String? { get { name(.primaryReselect) } set { set(.primaryReselect, newValue) } }
    public var arpInterval: Int? { get { int(.arpInterval) } set { set(.arpInterval, newValue) } }
    public var arpIPTarget: [String]? {
        get { options[.arpIPTarget]?.list }
        set { options[.arpIPTarget] = newValue.map(BondValue.list) }
    }
    public var lacpRate: String? { get { name(.lacpRate) } set { set(.lacpRate, newValue) } }
    public var xmitHashPolicy: String? { get { name(.xmitHashPolicy) } set { set(.xmitHashPolicy, newValue) } }
    public var failOverMAC: String? { get { name(.failOverMAC) } set { set(.failOverMAC, newValue) } }
    public var minLinks: Int? { get { int(.minLinks) } set { set(.minLinks, newValue) } }
}

extension BondSettings: Codable {
    struct Key: CodingKey {
        var stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(mode, forKey: Key("mode"))
        for spec in BondOptionSpec.all {
            switch options[spec.option] {
            case .int(let v): try c.encode(v, forKey: Key(spec.key))
            case .name(let v): try c.encode(v, forKey: Key(spec.key))
            case .flag(let v): try c.encode(v, forKey: Key(spec.key))
            case .list(let v): try c.encode(v, forKey: Key(spec.key))
            case nil: break
            }
        }
        try c.encodeIfPresent(activeSlave, forKey: Key("active-slave"))
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        mode = try c.decode(String.self, forKey: Key("mode"))
        activeSlave = try c.decodeIfPresent(String.self, forKey: Key("active-slave"))
        for spec in BondOptionSpec.all where spec.option != .mode {
            let k = Key(spec.key)
            guard c.contains(k) else { continue }
            switch spec.values {
            case .count: options[spec.option] = .int(try c.decode(Int.self, forKey: k))
            case .flag: options[spec.option] = .flag(try c.decode(Bool.self, forKey: k))
            case .addresses: options[spec.option] = .list(try c.decode([String].self, forKey: k))
            case .names, .interface, .mac: options[spec.option] = .name(try c.decode(String.self, forKey: k))
            }
        }
    }
}

/// Settings of an interface as a bond slave (IFLA_INFO_SLAVE_DATA). Kernel-read only.
public struct BondSlaveSettings: Codable, Sendable, Equatable {
    /// "active" or "backup".
    public var state: String?
    /// "up", "going-down", "down", "going-back".
    public var miiStatus: String?
    public var linkFailureCount: Int?
    /// The slave's own MAC (the bond may have changed its address).
    public var permHWAddr: String?
    public var queueID: Int?
    /// 802.3ad: aggregator, LACP port states, churn states (BondRuntime.swift).
    public var lacp: BondSlaveLACP?

    public init(state: String? = nil, miiStatus: String? = nil, linkFailureCount: Int? = nil) {
        self.state = state; self.miiStatus = miiStatus; self.linkFailureCount = linkFailureCount
    }

    enum CodingKeys: String, CodingKey {
        case state
        case miiStatus = "mii-status"
        case linkFailureCount = "link-failure-count"
        case permHWAddr = "perm-hwaddr", queueID = "queue-id", lacp
    }
}

/// One interface of the node.
public struct Interface: Codable, Sendable, Equatable {
    public var name: String
    public var kind: InterfaceKind
    /// Administrative state wanted or found: true = up (IFF_UP).
    public var up: Bool
    /// Name of the bridge or bond this interface is enslaved to.
    public var master: String?
    public var mtu: Int?
    /// Addresses with prefix length, e.g. "192.0.2.10/24", "2001:db8::10/64".
    public var addresses: [String]?
    public var bridge: BridgeSettings?
    public var bond: BondSettings?
    /// For a veth: the name of its peer.
    public var peer: String?
    /// For a veth (or another link with a peer) whose peer lives in another network namespace:
    /// that namespace's id as this one numbers it (IFLA_LINK_NETNSID). Kernel-read only.
    public var peerNetnsID: Int?
    /// Settings as a port of `master` when the master is a bridge.
    public var port: BridgePortSettings?
    /// Settings as a slave of `master` when the master is a bond (kernel-read only).
    public var slave: BondSlaveSettings?
    // Read back from the kernel only:
    public var index: Int?
    public var operstate: String?
    public var carrier: Bool?
    public var carrierUpCount: Int?
    public var carrierDownCount: Int?
    public var mac: String?
    /// The kernel's IFLA_INFO_KIND when `kind` is `.other` (e.g. "dummy", "tun", "vlan").
    public var kernelKind: String?
    /// For a bond: what the driver reports of its 802.3ad aggregator and ARP monitor.
    public var bondState: BondRuntime?

    public init(name: String, kind: InterfaceKind, up: Bool = true, master: String? = nil,
                mtu: Int? = nil, addresses: [String]? = nil, bridge: BridgeSettings? = nil,
                bond: BondSettings? = nil, peer: String? = nil, port: BridgePortSettings? = nil,
                slave: BondSlaveSettings? = nil, index: Int? = nil, operstate: String? = nil,
                carrier: Bool? = nil, carrierUpCount: Int? = nil, carrierDownCount: Int? = nil,
                mac: String? = nil) {
        self.name = name; self.kind = kind; self.up = up; self.master = master; self.mtu = mtu
        self.addresses = addresses; self.bridge = bridge; self.bond = bond; self.peer = peer
        self.port = port; self.slave = slave; self.index = index; self.operstate = operstate
        self.carrier = carrier; self.carrierUpCount = carrierUpCount
        self.carrierDownCount = carrierDownCount; self.mac = mac
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, up, master, mtu, addresses, bridge, bond, peer, port, slave, index
        case operstate, carrier
        case carrierUpCount = "carrier-up-count", carrierDownCount = "carrier-down-count"
        case mac
        case kernelKind = "kernel-kind"
        case peerNetnsID = "peer-netnsid"
        case bondState = "bond-state"
    }
}

/// A route the node needs (only the default gateway today).
public struct Route: Codable, Sendable, Equatable {
    /// "default" or a prefix.
    public var destination: String
    public var gateway: String
    /// Interface the route leaves through.
    public var device: String?

    public init(destination: String, gateway: String, device: String? = nil) {
        self.destination = destination; self.gateway = gateway; self.device = device
    }
}

/// The network state of one node, desired or current.
public struct NetworkState: Codable, Sendable, Equatable {
    public var interfaces: [Interface]
    public var routes: [Route]

    public init(interfaces: [Interface] = [], routes: [Route] = []) {
        self.interfaces = interfaces; self.routes = routes
    }

    public subscript(name: String) -> Interface? {
        // Compares names in place; only the match is copied out.
        guard let i = interfaces.firstIndex(where: { $0.name == name }) else { return nil }
        return interfaces[i]
    }
}

extension NetworkState {
    /// Deterministic JSON (sorted keys, pretty printed, trailing newline): the format of
    /// `render --format json` and `show --json`.
    public func jsonString() throws -> String {
        try JSONOutput.string(self)
    }
}

import Foundation

/// One JSON encoder configuration for everything the tool prints.
public enum JSONOutput {
    public static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
