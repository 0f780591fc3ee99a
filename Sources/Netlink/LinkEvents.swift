import NodeNetwork

// The values a `LinkEventStream` delivers. No C type leaks out: interfaces are the core's
// `Interface`, snapshots the core's `NetworkState`.

/// A kernel event that came attached to a link message (IFLA_EVENT, IFLA_EVENT_*).
public enum LinkEvent: String, Sendable, Codable, Equatable, CaseIterable {
    /// IFLA_EVENT_REBOOT: the driver reset the device.
    case reboot
    /// IFLA_EVENT_FEATURES: offload features changed.
    case features
    /// IFLA_EVENT_BONDING_FAILOVER: a bond changed its active slave.
    case bondingFailover = "bonding-failover"
    /// IFLA_EVENT_NOTIFY_PEERS: gratuitous ARP / unsolicited NA re-sent (after a failover).
    case notifyPeers = "notify-peers"
    /// IFLA_EVENT_IGMP_RESEND: IGMP joins re-sent.
    case igmpResend = "igmp-resend"
    /// IFLA_EVENT_BONDING_OPTIONS: bond options changed.
    case bondingOptions = "bonding-options"

    /// Kernel numbers (include/uapi/linux/if_link.h): NONE = 0, REBOOT = 1 ... BONDING_OPTIONS = 6.
    public init?(kernelValue: UInt32) {
        switch kernelValue {
        case 1: self = .reboot
        case 2: self = .features
        case 3: self = .bondingFailover
        case 4: self = .notifyPeers
        case 5: self = .igmpResend
        case 6: self = .bondingOptions
        default: return nil
        }
    }
}

/// One interface's state after a kernel link notification.
public struct InterfaceUpdate: Sendable, Equatable, Codable {
    /// Which kind of message it came from.
    public enum Source: String, Sendable, Codable {
        /// RTM_NEWLINK of family AF_UNSPEC: the whole link (carrier, operstate, counters,
        /// master, bond/bridge data, port or slave data).
        case link
        /// RTM_NEWLINK of family AF_BRIDGE: a bridge port's IFLA_PROTINFO (the kernel sends
        /// STP port state changes only this way). `interface` is the last known link state
        /// with the new port data merged in, and the carrier the message's flags tell
        /// (IFF_LOWER_UP; the kernel may send this before the link's own message).
        case bridgePort = "bridge-port"
    }

    /// The interface as it is now. Addresses are not watched: they are those of the last
    /// snapshot (initial or after an overrun).
    public var interface: Interface
    public var source: Source
    /// The kernel event carried by the message, if any (bond failover, notify peers...).
    public var event: LinkEvent?
    /// The interface's previous name when this message renamed it.
    public var renamedFrom: String?

    public init(interface: Interface, source: Source, event: LinkEvent? = nil, renamedFrom: String? = nil) {
        self.interface = interface; self.source = source; self.event = event
        self.renamedFrom = renamedFrom
    }

    enum CodingKeys: String, CodingKey {
        case interface, source, event
        case renamedFrom = "renamed-from"
    }
}

/// What the kernel told a `LinkEventStream`, in the order it told it.
public enum LinkNotification: Sendable, Equatable {
    /// A link appeared or changed (RTM_NEWLINK), or a bridge port's STP data changed.
    case link(InterfaceUpdate)
    /// A link disappeared (RTM_DELLINK of family AF_UNSPEC; a port leaving a bridge is a
    /// `.link` with its master cleared, not a removal).
    case removed(name: String, index: Int)
    /// The receive buffer overran (ENOBUFS): notifications were lost. `snapshot` is the full
    /// state re-read afterwards; diff it against what you had. Notifications that follow are
    /// newer than the snapshot.
    case overrun(snapshot: NetworkState)

    /// The bond's name when this is a bond failover notification (IFLA_EVENT_BONDING_FAILOVER).
    public var bondFailover: String? {
        if case .link(let update) = self, update.event == .bondingFailover { return update.interface.name }
        return nil
    }
}

/// The STP view of one bridge that the kernel never notifies (IFLA_INFO_DATA of the bridge):
/// read by `LinkReader.bridgeTopology()` on a poll.
public struct BridgeTopology: Sendable, Equatable, Codable {
    public var name: String
    public var index: Int
    /// The bridge-level settings and STP data (root id, root port, topology change flag...), the
    /// same value `show` reports in `Interface.bridge`.
    public var settings: BridgeSettings
    /// IFLA_BR_TOPOLOGY_CHANGE_DETECTED: this bridge detected a topology change.
    public var topologyChangeDetected: Bool?
    /// IFLA_BR_TCN_TIMER in seconds: running while this bridge sends TCNs to the root.
    public var tcnTimer: Double?
    /// IFLA_BR_TOPOLOGY_CHANGE_TIMER in seconds: running while the topology change flag is set.
    public var topologyChangeTimer: Double?

    public init(name: String, index: Int, settings: BridgeSettings, topologyChangeDetected: Bool? = nil,
                tcnTimer: Double? = nil, topologyChangeTimer: Double? = nil) {
        self.name = name; self.index = index; self.settings = settings
        self.topologyChangeDetected = topologyChangeDetected; self.tcnTimer = tcnTimer
        self.topologyChangeTimer = topologyChangeTimer
    }

    enum CodingKeys: String, CodingKey {
        case name, index, settings
        case topologyChangeDetected = "topology-change-detected"
        case tcnTimer = "tcn-timer", topologyChangeTimer = "topology-change-timer"
    }
}
