// The pre-apply state of every interface a plan touches, as a target the planner can restore.
import NodeNetwork

public struct Snapshot: Codable, Sendable, Equatable {
    /// Touched interfaces as they were (settable fields only) and every default route as it was.
    public var state: NetworkState

    public init(state: NetworkState) { self.state = state }

    /// Take the snapshot of `current` for `changes`: the interfaces the changes name, their veth
    /// peers, slaves released from them, and all default routes.
    public init(of current: NetworkState, touchedBy changes: [Change]) {
        var names: Set<String> = []
        for change in changes {
            if let n = change.interfaceName { names.insert(n) }
            if case .setMaster(_, let m) = change { names.insert(m) }
        }
        for n in names {
            if let peer = current[n]?.peer { names.insert(peer) }
        }
        let interfaces = current.interfaces.filter { names.contains($0.name) }.map { Snapshot.target(current: $0, in: current) }
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
