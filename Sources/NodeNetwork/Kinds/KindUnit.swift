// One interface kind in NodeNetwork, whole (as nmstate keeps `ifaces/bond.rs`): how the
// profile's section becomes the kind's interfaces, what the planner does that only this kind
// needs, its lines in each render, and what `show` prints of it. The shared code (DesiredState,
// Plan, Renderers, StateSummary) calls the unit of an interface's kind (`InterfaceKind.unit`)
// and no longer switches on the kind. docs/ADDING-A-KIND.md lists what a new kind touches.

protocol KindUnit {
    /// The kind this unit is.
    static var kind: InterfaceKind { get }

    // MARK: Desired state

    /// The kind's interfaces of `profile`, in the order they are listed in the desired state.
    static func interfaces(of profile: Profile) -> [Interface]

    // MARK: Plan

    /// Whether the planner creates a missing one (false: a missing link is an error to fix).
    static var isCreated: Bool { get }
    /// Whether any existing link under the name will do: the planner never changes its kind.
    static var takesAnyExistingLink: Bool { get }
    /// Copy the settings given at creation from `want` (master, port, addresses and up are
    /// separate steps).
    static func creationSettings(from want: Interface, into created: inout Interface)
    /// The other end of a link the kernel creates and deletes with it (a veth's peer).
    static func partner(of i: Interface) -> String?
    /// The step's text for a create, close to the `ip` command.
    static func createSummary(_ i: Interface) -> String
    /// Plan the changes of the kind's own settings (`want` and `cur` both exist, same kind).
    static func changeSettings(_ want: Interface, _ cur: Interface, in plan: inout PlanBuilder)
    /// Whether the planner calls `changeSettings` (true unless a kind without settings of its
    /// own says false: then neither the call nor the two interfaces' copies for it are made).
    static var plansSettings: Bool { get }
    /// Ports join a master of this kind only while down, and leaving it may close them (bond).
    static var portsJoinDown: Bool { get }

    // MARK: Renders

    /// The lines of `i` in `stage` of an `ip -batch` script.
    static func ipLines(_ stage: IPStage, _ i: Interface, in state: NetworkState) -> [String]
    /// The lines that make `port` (whose master is of this kind) join it, in `stage`.
    static func ipPortLines(_ stage: IPStage, _ port: Interface, in state: NetworkState) -> [String]
    /// Where `i` comes up in the script: lower ranks first (a port before its master).
    static func ipUpRank(_ i: Interface) -> Int
    /// Whether the kind's create line carries the MTU (false: a separate `mtu` line).
    static var ipCreateCarriesMTU: Bool { get }
    /// The kind's lines in the ifupdown2 stanza of `i`.
    static func ifupdown2Lines(_ i: Interface, in state: NetworkState) -> [String]
    /// The .netdev files `i` needs (file name, contents without header); none for a device.
    static func networkdNetDevs(_ i: Interface, in state: NetworkState) -> [(name: String, text: String)]
    /// The [Network] lines (and sections after it) of `port`'s .network, `port` being a port of
    /// a master of this kind.
    static func networkdPortText(_ port: Interface, master: String, in state: NetworkState) -> String
    /// Whether the MTU of `i` goes in its .network ([Link]), not in a .netdev.
    static func networkdMTUInNetwork(_ i: Interface, in state: NetworkState) -> Bool

    // MARK: show

    /// What `show` prints of `i`'s settings as a port of a master of this kind (`arpMonitored`:
    /// a bond slave judged by the ARP monitor). Asked of every unit for every link: the fields
    /// are printed when the kernel reported them.
    static func summaryAsPort(_ i: Interface, arpMonitored: Bool) -> [String]
    /// What `show` prints of the kind's own settings that `i` has (asked as above).
    static func summaryOwn(_ i: Interface) -> [String]

    // MARK: Monitor

    /// Whether a port of this kind (named `name`; `peerNetnsID`: IFLA_LINK_NETNSID) leads out
    /// of the node, so that it can be an uplink of a redundancy group, rather than to a guest.
    static func isUplink(name: String, peerNetnsID: Int?) -> Bool
}

/// Defaults: a kind without the part.
extension KindUnit {
    static func interfaces(of profile: Profile) -> [Interface] { [] }
    static var isCreated: Bool { true }
    static var takesAnyExistingLink: Bool { false }
    static func creationSettings(from want: Interface, into created: inout Interface) {}
    static func partner(of i: Interface) -> String? { nil }
    static func createSummary(_ i: Interface) -> String { "create \(kind.rawValue) \(i.name)" }
    static func changeSettings(_ want: Interface, _ cur: Interface, in plan: inout PlanBuilder) {}
    static var plansSettings: Bool { true }
    static var portsJoinDown: Bool { false }
    static func ipLines(_ stage: IPStage, _ i: Interface, in state: NetworkState) -> [String] { [] }
    static func ipPortLines(_ stage: IPStage, _ port: Interface, in state: NetworkState) -> [String] { [] }
    static var ipCreateCarriesMTU: Bool { true }
    static func ifupdown2Lines(_ i: Interface, in state: NetworkState) -> [String] { [] }
    static func networkdNetDevs(_ i: Interface, in state: NetworkState) -> [(name: String, text: String)] { [] }
    static func networkdPortText(_ port: Interface, master: String, in state: NetworkState) -> String { "" }
    static func networkdMTUInNetwork(_ i: Interface, in state: NetworkState) -> Bool { false }
    static func summaryAsPort(_ i: Interface, arpMonitored: Bool) -> [String] { [] }
    static func summaryOwn(_ i: Interface) -> [String] { [] }
    /// A link whose peer lives in another network namespace (a lab's switch) leads out.
    static func isUplink(name: String, peerNetnsID: Int?) -> Bool { peerNetnsID != nil }
}

/// The stages of an `ip -batch` script, in the order they run; each kind puts its lines (and
/// the lines of its ports) in the stages it needs.
enum IPStage: CaseIterable {
    /// Masters created with their options (a bond's mode is only set while it has no slaves).
    case createMasters
    /// Ports join the masters that need them before anything stacks on top (bond slaves).
    case joinLower
    /// The other links created (veth pairs), before they join a master.
    case createLinks
    /// Ports join the masters on top (bridge ports, with their port settings).
    case joinUpper
    /// What waits for the ports (a bridge's MTU pins it), and the MTU of free devices.
    case afterPorts
}

/// Every kind, in the order the renders list them within a stage (bridges before bonds).
enum InterfaceKinds {
    static var all: [any KindUnit.Type] {
        [BridgeKind.self, BondKind.self, VethKind.self, DeviceKind.self, OtherKind.self]
    }

    /// The kinds in the order a profile's links stack, bottom up: uplinks, bond, bridge, veths.
    static var stacked: [any KindUnit.Type] { [DeviceKind.self, BondKind.self, BridgeKind.self, VethKind.self] }
}

extension InterfaceKind {
    /// Whether a bridge port of this kind named `name` leads out of the node (an uplink) rather
    /// than to a guest, as the kind's unit says (MonitorCore's `Redundancy.isUplink`).
    public func isUplink(name: String, peerNetnsID: Int?) -> Bool {
        unit.isUplink(name: name, peerNetnsID: peerNetnsID)
    }

    /// The unit of this kind: the one place that maps a kind to its code.
    var unit: any KindUnit.Type {
        switch self {
        case .device: return DeviceKind.self
        case .bridge: return BridgeKind.self
        case .bond: return BondKind.self
        case .veth: return VethKind.self
        case .other: return OtherKind.self
        }
    }
}
