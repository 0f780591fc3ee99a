// The pre-apply state of every interface a plan touches, as a target the planner can restore.
import NodeNetwork

public struct Snapshot: Codable, Sendable, Equatable {
    /// Touched interfaces as they were (settable fields only) and every default route as it was.
    public var state: NetworkState

    public init(state: NetworkState) { self.state = state }

    /// Take the snapshot of `current` for `changes`: the interfaces the changes name, their veth
    /// peers, slaves released from them, and all default routes.
    public init(of current: NetworkState, touchedBy changes: [Change]) {
        self.init(of: current, touchedBy: StepNames(changes))
    }

    /// The same, with the plan's names numbered already (`StepNames`: every interface a step
    /// is about and every master a step sets): the current interfaces are looked up in it,
    /// not each step's names hashed into a set.
    init(of current: NetworkState, touchedBy names: StepNames) {
        let all = current.interfaces
        // The peers of touched interfaces (the first interface of each touched name, as
        // `current[name]` finds it), which are touched too.
        // A peer whose name is numbered is touched already; the others are kept aside.
        var seen = [Bool](repeating: false, count: names.count)
        var peers: Set<String> = []
        for k in all.indices {
            guard let n = names.number(all[k].name), !seen[n] else { continue }
            seen[n] = true
            if let p = all[k].peer, names.number(p) == nil { peers.insert(p) }
        }
        var interfaces: [Interface] = []
        for k in all.indices where names.number(all[k].name) != nil || (!peers.isEmpty && peers.contains(all[k].name)) {
            interfaces.append(Snapshot.target(current: all[k], in: current))
        }
        state = NetworkState(interfaces: interfaces, routes: current.routes)
    }

    /// An interface as read from the kernel, reduced to what can be set (the planner's target).
    public static func target(current i: Interface, in state: NetworkState) -> Interface {
        var t = Interface(name: i.name, kind: i.kind, up: i.up, master: i.master, mtu: i.mtu,
                          addresses: i.addresses ?? [], peer: i.peer)
        if let b = i.bridge {
            t.bridge = BridgeSettings(stp: b.stp, priority: b.priority, forwardDelay: b.forwardDelay,
                                      helloTime: b.helloTime, maxAge: b.maxAge)
        }
        if var b = i.bond {
            b.activeSlave = nil
            t.bond = b
        }
        if let m = i.master, state[m]?.kind == .bridge, let p = i.port {
            t.port = BridgePortSettings(priority: p.priority, cost: p.cost)
        }
        return t
    }

    public var interfaceNames: [String] { state.interfaces.map(\.name) }
}
