// The pure step logic of the engine: which steps one request can carry, what a list of done
// steps created and deleted, and the inverse of each step for the undo.
import Foundation
import Netlink
import NodeNetwork

extension ApplyEngine {
    /// Steps that can be made in one request with an earlier create: for each `.create` of a veth
    /// pair (index into `changes`), the later steps on its two fresh ends that the create request
    /// can carry: the MTU of either end, and for one end (the one with a master, else the
    /// created name) its bridge master and up. Only when the bridge exists by then (created
    /// earlier in the plan, or present before and neither deleted nor recreated), and only up to
    /// the first step on that end that cannot be carried (so no step is moved past another
    /// step on the same interface). The kernel cannot bring up the peer of a veth being created
    /// (ENOTCONN), so that end's up stays a step of its own.
    public static func combinedGroups(_ changes: [Change], before: NetworkState) -> [Int: [Int]] {
        var groups: [Int: [Int]] = [:]
        for (i, more) in carriedSteps(changes, names: StepNames(changes), before: before).enumerated() where !more.isEmpty {
            groups[i] = more
        }
        return groups
    }

    /// `combinedGroups` by step index (empty: the step carries nothing), over the plan's
    /// numbered names: arrays, not tables keyed by name or index.
    static func carriedSteps(_ changes: [Change], names: StepNames, before: NetworkState) -> [[Int]] {
        var groups = [[Int]](repeating: [], count: changes.count)
        var bridgeCreatedAt = [Int](repeating: -1, count: names.count)  // bridges the plan creates
        var replaced = [Bool](repeating: false, count: names.count)      // deleted or recreated by the plan
        for (i, c) in changes.enumerated() {
            switch c {
            case .create(let x):
                if x.kind == .bridge { bridgeCreatedAt[names.ofStep[i]] = i }
                if before[x.name] != nil { replaced[names.ofStep[i]] = true }
            case .delete: replaced[names.ofStep[i]] = true
            default: break
            }
        }
        func bridgeExists(_ m: String, at i: Int) -> Bool {
            guard let n = names.number(m) else { return before[m]?.kind == .bridge }
            if bridgeCreatedAt[n] >= 0 { return bridgeCreatedAt[n] < i }
            return before[m]?.kind == .bridge && !replaced[n]
        }
        let steps = StepsByInterface(names)
        for (i, c) in changes.enumerated() {
            guard case .create(let x) = c, x.kind == .veth, let peer = x.peer, peer != x.name else { continue }
            let ends = [names.ofStep[i], names.number(peer) ?? -1]
            // The end that takes master and up: the one the plan enslaves to an existing bridge.
            var primary = ends[0]
            search: for end in ends {
                for j in steps.after(i, on: end) {
                    if case .setMaster(_, let m) = changes[j], bridgeExists(m, at: i) { primary = end; break search }
                }
            }
            var more: [Int] = []
            for end in ends {
                scan: for j in steps.after(i, on: end) {
                    switch changes[j] {
                    case .setMTU: more.append(j)
                    case .setUp where end == primary: more.append(j)
                    case .setMaster(_, let m) where end == primary && bridgeExists(m, at: i): more.append(j)
                    default: break scan   // nothing moves past a step it cannot carry
                    }
                }
            }
            if !more.isEmpty { groups[i] = more.sorted() }
        }
        return groups
    }

    /// Interfaces a list of executed changes created (both ends of a veth).
    public static func createdNames(_ done: [Change]) -> Set<String> {
        var names: Set<String> = []
        names.reserveCapacity(2 * done.count)   // no rehash while growing (at most two per create)
        for case .create(let i) in done {
            names.insert(i.name)
            if let p = i.peer { names.insert(p) }
        }
        return names
    }

    /// `createdNames(done).sorted()`, sorted from the names in plan order (nearly sorted
    /// already) rather than from a set's order.
    static func createdInOrder(_ done: [Change]) -> [String] {
        var names: [String] = []
        for case .create(let i) in done {
            names.append(i.name)
            if let p = i.peer { names.append(p) }
        }
        return StateStore.sortedUnique(names)
    }

    static func deletedNames(_ done: [Change], before: NetworkState) -> Set<String> {
        var names: Set<String> = []
        for case .delete(let n) in done {
            names.insert(n)
            if before[n]?.kind == .veth, let p = before[n]?.peer { names.insert(p) }
        }
        return names
    }

    /// Bond settings after the planner's `sending` of `applied` was set over `base`.
    static func merging(_ applied: BondSettings, sending: [Set<BondOption>], over base: BondSettings) -> BondSettings {
        base.merging(applied.keeping(Set(sending.joined())))
    }

    /// The steps that undo `change`, given the state before the apply. Changes to interfaces the
    /// apply created are not undone one by one: deleting the interface undoes them.
    static func inverse(of change: Change, before: NetworkState, created: Set<String>) -> [Change] {
        if case .create(let i) = change { return [.delete(name: i.name)] }
        if case .delete(let n) = change {
            guard let b = before[n] else { return [] }
            var names = [n]
            if let p = b.peer, before[p] != nil { names.append(p) }
            let want = NetworkState(interfaces: names.compactMap { before[$0].map { Snapshot.target(current: $0, in: before) } })
            let rest = NetworkState(interfaces: before.interfaces.filter { !names.contains($0.name) })
            return (try? Plan.changes(from: rest, to: want)) ?? []
        }
        if let n = change.interfaceName, created.contains(n) { return [] }
        switch change {
        case .setBridge(let n, _):
            guard let b = before[n]?.bridge else { return [] }
            return [.setBridge(name: n, BridgeSettings(stp: b.stp, priority: b.priority, forwardDelay: b.forwardDelay,
                                                         helloTime: b.helloTime, maxAge: b.maxAge))]
        case .setBond(let n, let applied, let sending):
            guard var b = before[n]?.bond else { return [] }
            b.activeSlave = nil
            // The undo runs in reverse order: a bond whose mode changed is down and without
            // slaves again by now, but one whose lacp_rate changed is up (it was up before).
            let back = b.requests(from: Self.merging(applied, sending: sending, over: b))
            if back.isEmpty { return [] }
            if back.joined().contains(where: \.needsBondDown), before[n]?.up == true {
                return [.setDown(name: n), .setBond(name: n, b, sending: back), .setUp(name: n)]
            }
            return [.setBond(name: n, b, sending: back)]
        case .setMaster(let n, _):
            // Plans enslave only interfaces without a master (a release comes first); undoing
            // the release, later in the undo, puts back the old master.
            return [.releaseMaster(name: n)]
        case .releaseMaster(let n):
            guard let old = before[n], let m = old.master else { return [] }
            // The kernel refuses to enslave an up interface to a bond.
            var steps: [Change] = before[m]?.kind == .bond ? [.setDown(name: n)] : []
            steps.append(.setMaster(name: n, master: m))
            if before[m]?.kind == .bridge, let p = old.port, p.priority != nil || p.cost != nil {
                steps.append(.setPort(name: n, BridgePortSettings(priority: p.priority, cost: p.cost)))
            }
            return steps
        case .setPort(let n, _):
            guard let p = before[n]?.port, p.priority != nil || p.cost != nil else { return [] }
            return [.setPort(name: n, BridgePortSettings(priority: p.priority, cost: p.cost))]
        case .setUp(let n): return before[n]?.up == true ? [] : [.setDown(name: n)]
        case .setDown(let n): return before[n]?.up == true ? [.setUp(name: n)] : []
        case .setMTU(let n, _): return before[n]?.mtu.map { [.setMTU(name: n, mtu: $0)] } ?? []
        case .addAddress(let n, let a): return [.removeAddress(name: n, address: a)]
        case .removeAddress(let n, let a): return [.addAddress(name: n, address: a)]
        case .addRoute(let r): return [.removeRoute(r)]
        case .removeRoute(let r): return [.addRoute(r)]
        case .create, .delete: return []
        }
    }
}

/// The steps of a plan on each interface, in plan order, without an array per interface: the
/// first step on each numbered name (`StepNames`), and after each step the next one on the
/// same name.
struct StepsByInterface {
    var first: [Int]
    var links: [Int]

    init(_ names: StepNames) {
        first = [Int](repeating: -1, count: names.count)
        links = [Int](repeating: -1, count: names.ofStep.count)
        for j in names.ofStep.indices.reversed() {
            let n = names.ofStep[j]
            if n >= 0 { links[j] = first[n]; first[n] = j }
        }
    }

    /// Indexes of the steps on interface number `name` (-1: a name no step is about) after
    /// step `i`, in plan order.
    func after(_ i: Int, on name: Int) -> Chain { Chain(links: links, at: name >= 0 ? first[name] : -1, after: i) }

    struct Chain: Sequence, IteratorProtocol {
        let links: [Int]
        var at: Int
        let after: Int

        mutating func next() -> Int? {
            while at >= 0 {
                let j = at
                at = links[j]
                if j > after { return j }
            }
            return nil
        }
    }
}
