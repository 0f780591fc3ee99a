// Redundancy groups and their state: a bond with its slaves, or an STP bridge with its uplinks.
import NodeNetwork

/// Redundancy of a group. The raw value order is also the `--oneshot` exit code.
public enum RedundancyState: String, Sendable, Codable, CaseIterable, Comparable {
    /// Every uplink usable (and there are at least two).
    case ok
    /// Some but not all uplinks usable: one more failure may cut the node off.
    case degraded
    /// No uplink usable.
    case down

    /// 0 = OK, 1 = DEGRADED, 2 = DOWN (Nagios OK / WARNING / CRITICAL).
    public var exitCode: Int32 {
        switch self {
        case .ok: return 0
        case .degraded: return 1
        case .down: return 2
        }
    }

    /// Value of `xgscale_redundancy_state`: the same as the exit code.
    public var metricValue: Int { Int(exitCode) }

    public static func < (a: RedundancyState, b: RedundancyState) -> Bool {
        a.exitCode < b.exitCode
    }
}

public enum GroupKind: String, Sendable, Codable, Equatable {
    /// A bond; uplinks are its slaves.
    case bond
    /// A bridge with STP on; uplinks are the ports wired to the switches.
    case stp
}

/// A redundancy group the node should have: of a bond or STP bridge, what the monitor needs
/// (name, kind, uplinks), taken from the profile's desired state or discovered in the kernel's.
public struct Group: Sendable, Codable, Equatable {
    public var name: String
    public var kind: GroupKind
    public var uplinks: [String]

    public init(name: String, kind: GroupKind, uplinks: [String]) {
        self.name = name; self.kind = kind; self.uplinks = uplinks
    }

    /// The group a profile describes: a bond profile's bond with the uplinks as slaves; an STP
    /// profile's bridge with the uplinks as ports.
    public init(profile p: Profile) {
        if p.redundancy == .bond, let bond = p.bond {
            self.init(name: bond.name, kind: .bond, uplinks: p.uplinks)
        } else {
            self.init(name: p.bridge.name, kind: .stp, uplinks: p.uplinks)
        }
    }
}

/// The derived state of one group.
public struct GroupStatus: Sendable, Codable, Equatable {
    public var name: String
    public var kind: GroupKind
    public var state: RedundancyState
    public var uplinks: [String]
    public var usable: [String]
    /// What is missing or misconfigured compared with the profile (empty when fine).
    public var problems: [String]

    public init(name: String, kind: GroupKind, state: RedundancyState, uplinks: [String],
                usable: [String], problems: [String] = []) {
        self.name = name; self.kind = kind; self.state = state; self.uplinks = uplinks
        self.usable = usable; self.problems = problems
    }
}

public enum Redundancy {
    /// Whether a bridge port leads out of the node (an uplink) rather than to a guest: a
    /// physical device, a bond, or a veth (any link with a peer) whose peer lives in another
    /// network namespace (IFLA_LINK_NETNSID), as a lab's switch namespaces are. Guest ports are
    /// not: a veth whose peer is in this namespace (dom0's veth0), Xen's vifN.M and tap devices
    /// (Ethernet links without a kind, like a NIC). Each kind's unit says it (NodeNetwork's
    /// `Kinds/`, `KindUnit.isUplink`).
    public static func isUplink(name: String, kind: InterfaceKind, peerNetnsID: Int?) -> Bool {
        kind.isUplink(name: name, peerNetnsID: peerNetnsID)
    }

    /// Groups found in a state without a profile: every bond (with its slaves) and every bridge
    /// with STP on (with its uplink ports, `isUplink`).
    public static func discoverGroups(in state: NetworkState) -> [Group] {
        // By index, reading fields in place: this runs on every observation of a storm.
        var groups: [Group] = []
        var membersOf: [String: [(name: String, uplink: Bool)]] = [:]
        let all = state.interfaces
        for k in all.indices {
            guard let m = all[k].master else { continue }
            let uplink = isUplink(name: all[k].name, kind: all[k].kind, peerNetnsID: all[k].peerNetnsID)
            membersOf[m, default: []].append((all[k].name, uplink))
        }
        for k in all.indices {
            let name = all[k].name
            let members = membersOf[name] ?? []
            switch all[k].kind {
            case .bond:
                groups.append(Group(name: name, kind: .bond, uplinks: members.map(\.name).sorted()))
            case .bridge where all[k].bridge?.stp == true:
                let uplinks = members.filter(\.uplink)
                groups.append(Group(name: name, kind: .stp, uplinks: uplinks.map(\.name).sorted()))
            default:
                break
            }
        }
        return groups.sorted { $0.name < $1.name }
    }

    /// Whether `uplink` carries traffic for `group` now: it exists, is enslaved to the group,
    /// administratively up, has carrier, and (bond) its MII status is up or (STP) its port is
    /// not disabled. `unusable` names links treated as down anyway (flapping ones).
    public static func isUsable(_ uplink: String, of group: Group, in state: NetworkState,
                                unusable: Set<String> = []) -> Bool {
        guard !unusable.contains(uplink), let i = state[uplink], i.master == group.name, i.up else {
            return false
        }
        guard i.carrier ?? (i.operstate == "up") else { return false }
        switch group.kind {
        case .bond:
            if let mii = i.slave?.miiStatus, mii != "up" { return false }
        case .stp:
            if i.port?.state == .disabled { return false }
        }
        return true
    }

    /// Status of one group. Problems are reported when the node differs from `group` (for
    /// profile groups); a missing group is DOWN.
    public static func status(of group: Group, in state: NetworkState,
                              unusable: Set<String> = []) -> GroupStatus {
        var problems: [String] = []
        guard let master = state[group.name] else {
            return GroupStatus(name: group.name, kind: group.kind, state: .down,
                               uplinks: group.uplinks, usable: [],
                               problems: ["missing: no interface \(group.name) on this node"])
        }
        let wantedKind: InterfaceKind = group.kind == .bond ? .bond : .bridge
        if master.kind != wantedKind {
            problems.append("misconfigured: \(group.name) is a \(master.kind.rawValue), the profile wants a \(wantedKind.rawValue)")
        } else if group.kind == .stp, master.bridge?.stp == false {
            problems.append("misconfigured: STP is off on bridge \(group.name)")
        }
        if group.uplinks.count < 2 {
            problems.append("misconfigured: \(group.uplinks.count) uplink(s), redundancy needs two")
        }
        for u in group.uplinks {
            if let i = state[u] {
                if i.master != group.name {
                    problems.append("misconfigured: uplink \(u) is not enslaved to \(group.name)"
                                    + (i.master.map { " (master: \($0))" } ?? ""))
                }
            } else {
                problems.append("missing: uplink \(u) does not exist")
            }
        }
        let usable = group.uplinks.filter { isUsable($0, of: group, in: state, unusable: unusable) }
        let s: RedundancyState
        if !master.up || usable.isEmpty {
            s = .down
        } else if usable.count == group.uplinks.count && usable.count >= 2 {
            s = .ok
        } else {
            s = .degraded
        }
        return GroupStatus(name: group.name, kind: group.kind, state: s, uplinks: group.uplinks,
                           usable: usable, problems: problems)
    }

    /// Status of every group: the profile's when given, else those discovered in `state`.
    public static func statuses(in state: NetworkState, profile: [Group]?,
                                unusable: Set<String> = []) -> [GroupStatus] {
        (profile ?? discoverGroups(in: state)).map { status(of: $0, in: state, unusable: unusable) }
    }
}

/// The answer of `--oneshot`: every group's status, the worst state, and the exit code.
public struct RedundancyReport: Sendable, Codable, Equatable {
    public var state: RedundancyState
    public var groups: [GroupStatus]

    public init(state: NetworkState, profile: [Group]?) {
        groups = Redundancy.statuses(in: state, profile: profile)
        // No group at all: the node has no redundancy to speak of.
        let worst = groups.map { $0.problems.contains { $0.hasPrefix("missing") } ? .down : $0.state }
            .max() ?? .down
        self.state = worst
    }

    public var exitCode: Int32 { state.exitCode }

    /// Nagios-style text: a status line, then one line per group.
    public var text: String {
        var lines: [String]
        if groups.isEmpty {
            lines = ["REDUNDANCY DOWN - no redundancy group (no bond, no STP bridge) on this node"]
        } else {
            let parts = groups.map { "\($0.name) \($0.state.rawValue.uppercased())" }
            lines = ["REDUNDANCY \(state.rawValue.uppercased()) - " + parts.joined(separator: ", ")]
        }
        for g in groups {
            var l = "\(g.name) (\(g.kind.rawValue)): \(g.state.rawValue.uppercased()), "
                + "\(g.usable.count)/\(g.uplinks.count) uplinks usable"
            if !g.uplinks.isEmpty {
                l += " [" + g.uplinks.map { g.usable.contains($0) ? $0 : "\($0) unusable" }
                    .joined(separator: ", ") + "]"
            }
            lines.append(l)
            for p in g.problems { lines.append("  \(p)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
