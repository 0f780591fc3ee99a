// The classifier: successive observations of the node's network in, events out. Pure: time is
// passed in, nothing is read or written.
import Foundation
import NodeNetwork

/// What an event source (the netlink subscription, a poll, a test) tells the monitor.
public enum Observation: Sendable, Equatable {
    /// A kernel notification that comes with a link message.
    public enum LinkEvent: Sendable, Equatable {
        /// IFLA_EVENT_BONDING_FAILOVER on a bond.
        case bondingFailover
    }

    /// A full state (the first dump, or a poll).
    case snapshot(NetworkState)
    /// One interface's new state (RTM_NEWLINK), replacing the previous one of that name.
    case link(Interface, event: LinkEvent? = nil)
    /// A bridge port's STP state alone (AF_BRIDGE RTM_NEWLINK carrying only IFLA_PROTINFO).
    case portState(interface: String, state: PortSTPState)
    /// An interface disappeared (RTM_DELLINK).
    case linkRemoved(String)
    /// The bridge-level STP data of one bridge (the topology poll; the kernel never notifies it).
    case bridge(name: String, settings: BridgeSettings)
    /// The full state re-read after a receive-buffer overrun (ENOBUFS).
    case resync(NetworkState)
    /// What the bond poll read of one bond (`bond`) or bond slave (`lacp`, with its `master`):
    /// only the 802.3ad and ARP-monitor state, so that a poll read before a later notification
    /// never takes carrier or MII back.
    case bondRuntime(interface: String, master: String?, bond: BondRuntime?, lacp: BondSlaveLACP?)
}

/// Which interfaces get link-up/link-down/flapping events.
public enum LinkFilter: Sendable, Equatable {
    /// Physical devices, bonds and every group uplink (not VM ports or veths outside groups).
    case uplinks
    case all
    case names(Set<String>)
}

public struct ClassifierOptions: Sendable {
    public var dampening: FlapDampening
    public var severity: SeverityPolicy
    /// Groups from a profile; nil = discover them in the state.
    public var profile: [Group]?
    public var links: LinkFilter

    public init(dampening: FlapDampening = FlapDampening(), severity: SeverityPolicy = SeverityPolicy(),
                profile: [Group]? = nil, links: LinkFilter = .uplinks) {
        self.dampening = dampening; self.severity = severity; self.profile = profile
        self.links = links
    }
}

public struct Classifier: Sendable {
    public let options: ClassifierOptions
    /// The state as last observed (nil before the first snapshot).
    public private(set) var state: NetworkState?
    /// Group statuses as last derived, by name.
    public private(set) var groups: [String: GroupStatus] = [:]
    public private(set) var dampener: FlapDampener
    /// Where each interface of `state` sits in `state.interfaces` (a storm brings one
    /// notification per link change: none of them may cost a scan of the whole node).
    var positions: [String: Int] = [:]
    /// The groups discovered in `state` (without a profile); nil when a change of membership
    /// (master, kind, STP, peer) or the set of interfaces calls for discovering them again.
    var discovered: [Group]? = nil

    public init(options: ClassifierOptions = ClassifierOptions()) {
        self.options = options
        self.dampener = FlapDampener(options.dampening)
    }

    /// Classify one observation made at `now`.
    public mutating func observe(_ observation: Observation, at now: Date) -> [MonitorEvent] {
        guard let old = state else {
            switch observation {
            case .snapshot(let s), .resync(let s):
                return baseline(s, at: now)
            default:
                // Partial news before the first full state cannot be classified; the source
                // must start with a snapshot.
                return []
            }
        }
        var new = old
        var events: [MonitorEvent] = []
        var failover: String? = nil
        // The interfaces a partial observation can change (nil: a full state, compare all):
        // a storm of notifications costs one interface each, not the whole node.
        var touched: Set<String>? = nil
        let oldPositions = positions
        switch observation {
        case .snapshot(let s):
            new = s
            reindex(new)
        case .resync(let s):
            new = s
            reindex(new)
            events.append(MonitorEvent(time: now, event: .resync, severity: .notice,
                                       counters: ["interfaces": s.interfaces.count]))
        case .link(let i, let event):
            merge(i, into: &new)
            if event == .bondingFailover { failover = i.name }
            touched = [i.name]
        case .portState(let name, let st):
            guard let idx = positions[name] else { return [] }
            var port = new.interfaces[idx].port ?? BridgePortSettings()
            port.state = st
            new.interfaces[idx].port = port
            touched = [name]
        case .linkRemoved(let name):
            new.interfaces.removeAll { $0.name == name }
            reindex(new)
            touched = [name]
        case .bridge(let name, let settings):
            guard let idx = positions[name] else { return [] }
            if new.interfaces[idx].bridge?.stp != settings.stp { discovered = nil }
            new.interfaces[idx].bridge = settings
            touched = [name]
        case .bondRuntime(let name, let master, let bond, let lacp):
            guard let idx = positions[name], new.interfaces[idx].master == master else { return [] }
            if new.interfaces[idx].kind == .bond { new.interfaces[idx].bondState = bond }
            if new.interfaces[idx].slave != nil { new.interfaces[idx].slave?.lacp = lacp }
            touched = [name]
        }
        events += diff(old, new, only: touched, oldIndex: oldPositions, newIndex: positions,
                       failover: failover, at: now)
        state = new
        events += redundancyEvents(at: now)
        return events
    }

    /// Time passing without observations: flapping links that settled get their summary.
    public mutating func tick(at now: Date) -> [MonitorEvent] {
        let done = dampener.settled(at: now)
        guard !done.isEmpty else { return [] }
        var events: [MonitorEvent] = []
        for (name, count) in done {
            let carrier = state?[name]?.carrier
            events.append(MonitorEvent(
                time: now, event: .linkFlapping, severity: carrier == true ? .notice : .warning,
                interface: name, group: state?[name]?.master, from: "flapping", to: "stable",
                counters: ["flaps": count], fields: ["carrier": carrier == true ? "up" : "down"]))
        }
        events += redundancyEvents(at: now)
        return events
    }

    /// When `tick` has something to do next (nil: nothing pending).
    public var nextDeadline: Date? { dampener.nextDeadline }

    /// The redundancy report of the current state.
    public var report: RedundancyReport? {
        state.map { RedundancyReport(state: $0, profile: options.profile) }
    }

    // MARK: -

    mutating func baseline(_ s: NetworkState, at now: Date) -> [MonitorEvent] {
        state = s
        reindex(s)
        return redundancyEvents(at: now)
    }

    /// Every group uplink of `s` (for `watched`: computed once per state, not per interface).
    public func uplinkNames(in s: NetworkState) -> Set<String> {
        Set((options.profile ?? Redundancy.discoverGroups(in: s)).flatMap(\.uplinks))
    }

    /// `watched` with the uplinks already known (`uplinkNames(in:)`, once per state).
    public func watched(_ i: Interface, uplinks: Set<String>) -> Bool {
        switch options.links {
        case .all: return i.name != "lo"
        case .names(let n): return n.contains(i.name)
        case .uplinks: return i.kind == .device || i.kind == .bond || uplinks.contains(i.name)
        }
    }

    /// Events between two states, comparing only the interfaces named in `only` (nil: all);
    /// `oldIndex`/`newIndex` give each name's position in its state.
    mutating func diff(_ old: NetworkState, _ new: NetworkState, only: Set<String>?,
                       oldIndex: [String: Int], newIndex: [String: Int],
                       failover: String?, at now: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        let uplinks = options.links == .uplinks ? Set(groups(in: new).flatMap(\.uplinks)) : []
        let names = only.map { Array($0) } ?? new.interfaces.map(\.name)
        for name in names {
            guard let k = newIndex[name], let j = oldIndex[name] else { continue }  // new: a baseline
            let n = new.interfaces[k], o = old.interfaces[j]
            if watched(n, uplinks: uplinks) { events += carrierEvents(o, n, at: now) }
            let bond = n.master.flatMap { newIndex[$0] }.map { new.interfaces[$0] }
            events += Self.changeEvents(o, n, bond: bond, failover: failover, at: now)
        }
        events += Self.bondStateEvents(old, new, only: only, oldIndex: oldIndex, newIndex: newIndex, at: now)
        events += removedEvents(old, only: only, oldIndex: oldIndex, newIndex: newIndex, at: now)
        return Self.causesFirst(events)
    }

    /// What changed on one interface present in both states, besides its carrier: its STP port
    /// state, its slave link (ARP or MII; `bond` is its master in the new state), the active slave
    /// of a bond, a bridge's root and topology.
    static func changeEvents(_ o: Interface, _ n: Interface, bond: Interface?, failover: String?,
                             at now: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        if let from = o.port?.state, let to = n.port?.state, from != to {
            events.append(MonitorEvent(time: now, event: .stpState, severity: .info,
                                       interface: n.name, group: n.master,
                                       from: from.rawValue, to: to.rawValue))
        }
        if let arp = BondStateEvents.arpLink(o, n, bond: bond, at: now) {
            events.append(arp)
        } else if let from = o.slave?.miiStatus, let to = n.slave?.miiStatus, from != to {
            let sev: Severity = to == "down" ? .warning : to == "up" ? .notice : .info
            events.append(MonitorEvent(time: now, event: .bondSlave, severity: sev,
                                       interface: n.name, group: n.master, from: from, to: to))
        }
        if n.kind == .bond {
            let from = o.bond?.activeSlave, to = n.bond?.activeSlave
            if from != to || failover == n.name {
                events.append(MonitorEvent(time: now, event: .bondFailover, severity: .warning,
                                           interface: n.name, group: n.name, from: from ?? "none",
                                           to: to ?? "none",
                                           fields: ["kernel-event": failover == n.name ? "yes" : "no"]))
            }
        }
        if let ob = o.bridge, let nb = n.bridge { events += bridgeEvents(ob, nb, of: n, at: now) }
        return events
    }

    /// A bridge's root change and topology changes (counted when the kernel gives the count).
    static func bridgeEvents(_ ob: BridgeSettings, _ nb: BridgeSettings, of n: Interface,
                             at now: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        if let from = ob.rootID, let to = nb.rootID, from != to {
            events.append(MonitorEvent(time: now, event: .rootChange, severity: .info,
                                       interface: n.name, group: n.name, from: from, to: to))
        }
        if let c0 = ob.topologyChangeCount, let c1 = nb.topologyChangeCount, c1 > c0 {
            events.append(MonitorEvent(time: now, event: .topologyChange, severity: .info,
                                       interface: n.name, group: n.name,
                                       counters: ["topology-changes": c1 - c0,
                                                  "topology-change-count": c1]))
        } else if ob.topologyChangeCount == nil || nb.topologyChangeCount == nil,
                  ob.topologyChange == false, nb.topologyChange == true {
            events.append(MonitorEvent(time: now, event: .topologyChange, severity: .info,
                                       interface: n.name, group: n.name))
        }
        return events
    }

    /// Interfaces of `old` gone from the new state (among `only`; nil: all): their flap record
    /// is forgotten, and a watched one that had carrier is down.
    mutating func removedEvents(_ old: NetworkState, only: Set<String>?, oldIndex: [String: Int],
                                newIndex: [String: Int], at now: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        // The old state's uplinks, discovered once for every removed interface, only when needed.
        lazy var oldUplinks = options.links == .uplinks ? uplinkNames(in: old) : []
        for name in only.map({ Array($0) }) ?? old.interfaces.map(\.name) where newIndex[name] == nil {
            guard let j = oldIndex[name] else { continue }
            let o = old.interfaces[j]
            dampener.forget(o.name)
            if watched(o, uplinks: oldUplinks), o.carrier == true {
                events.append(MonitorEvent(time: now, event: .linkDown, severity: .warning,
                                           interface: o.name, group: o.master,
                                           fields: ["reason": "removed"]))
            }
        }
        return events
    }

    /// Causes before consequences: carrier, then slave MII, failover, STP ports, bridge (a stable
    /// sort: events of one kind keep their order).
    static func causesFirst(_ events: [MonitorEvent]) -> [MonitorEvent] {
        let order: [EventKind] = [.linkDown, .linkUp, .linkFlapping, .bondSlave, .arpLink, .lacpChurn,
                                  .lacpSlave, .lacpPartner, .lacpAggregator, .bondFailover,
                                  .stpState, .rootChange, .topologyChange]
        return events.enumerated().sorted {
            let a = order.firstIndex(of: $0.element.event)!, b = order.firstIndex(of: $1.element.event)!
            return a != b ? a < b : $0.offset < $1.offset
        }.map(\.element)
    }

    /// Carrier changes of one interface, counting the flips the kernel merged (its carrier
    /// up/down counters moved by more than the visible change).
    mutating func carrierEvents(_ o: Interface, _ n: Interface, at now: Date) -> [MonitorEvent] {
        let c0 = o.carrier ?? false, c1 = n.carrier ?? false
        var flips = c0 != c1 ? 1 : 0
        if let u0 = o.carrierUpCount, let d0 = o.carrierDownCount,
           let u1 = n.carrierUpCount, let d1 = n.carrierDownCount, u1 >= u0, d1 >= d0 {
            let counted = (u1 - u0) + (d1 - d0)
            // Trust the counters when they agree with what is visible (odd when the carrier
            // changed, even when not); otherwise (counter reset, partial message) the visible change.
            if counted >= flips && counted % 2 == flips % 2 { flips = counted }
        }
        guard flips > 0 else { return [] }
        var counters = ["carrier-changes": flips]
        if let u = n.carrierUpCount { counters["carrier-up-count"] = u }
        if let d = n.carrierDownCount { counters["carrier-down-count"] = d }
        switch dampener.record(n.name, count: flips, at: now) {
        case .suppressed:
            return []
        case .startedFlapping(let count):
            return [MonitorEvent(time: now, event: .linkFlapping, severity: .warning,
                                 interface: n.name, group: n.master, from: "stable", to: "flapping",
                                 counters: ["flaps": count])]
        case .report:
            func ev(_ up: Bool) -> MonitorEvent {
                MonitorEvent(time: now, event: up ? .linkUp : .linkDown,
                             severity: up ? .notice : .warning, interface: n.name, group: n.master,
                             from: up ? "down" : "up", to: up ? "up" : "down", counters: counters)
            }
            if c0 != c1 { return [ev(c1)] }
            // Same carrier as before but it changed meanwhile: it went the other way and back.
            return [ev(!c1), ev(c1)]
        }
    }

    mutating func redundancyEvents(at now: Date) -> [MonitorEvent] {
        guard let s = state else { return [] }
        let statuses = groups(in: s).map { Redundancy.status(of: $0, in: s, unusable: dampener.flapping) }
        var events: [MonitorEvent] = []
        for g in statuses {
            let prev = groups[g.name]
            if g.problems != (prev?.problems ?? []) {
                for p in g.problems where !(prev?.problems ?? []).contains(p) {
                    events.append(MonitorEvent(time: now, event: .groupConfig, severity: .err,
                                               group: g.name, fields: ["reason": p]))
                }
            }
            if prev?.state != g.state {
                events.append(MonitorEvent(
                    time: now, event: .redundancy,
                    severity: options.severity.redundancy(to: g.state, initial: prev == nil),
                    group: g.name, from: prev?.state.rawValue, to: g.state.rawValue,
                    counters: ["uplinks": g.uplinks.count, "usable": g.usable.count],
                    fields: ["kind": g.kind.rawValue]))
            }
        }
        // A discovered group that vanished (its bond or bridge deleted) is DOWN.
        for (name, prev) in groups where !statuses.contains(where: { $0.name == name })
            && prev.state != .down {
            events.append(MonitorEvent(time: now, event: .redundancy, severity: .crit, group: name,
                                       from: prev.state.rawValue, to: RedundancyState.down.rawValue,
                                       counters: ["uplinks": 0, "usable": 0],
                                       fields: ["kind": prev.kind.rawValue, "reason": "removed"]))
        }
        groups = Dictionary(uniqueKeysWithValues: statuses.map { ($0.name, $0) })
        return events
    }
}
