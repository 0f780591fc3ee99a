// Which steps of a plan go to the kernel together (pipelined: sent in one sendmsg, answers read
// after). The kernel goes on with the next message of a sendmsg after refusing one, so a batch
// holds only units that do not depend on each other succeeding: whatever one of them does, the
// others do exactly what the plan says, and the undo of the done ones (reverse order) is right
// whatever failed. Dependency boundaries end a batch.
import Foundation
import NodeNetwork

extension ApplyEngine {
    /// The plan as units in plan order: a create with the steps its request carries
    /// (`combinedGroups`, when `combining`), or one step.
    public static func units(_ changes: [Change], before: NetworkState, combining: Bool = true) -> [[Int]] {
        let groups = combining ? combinedGroups(changes, before: before) : [:]
        var carried = Set(groups.values.joined())
        var units: [[Int]] = []
        for i in changes.indices where !carried.contains(i) {
            if let more = groups[i] { units.append([i] + more); carried.formUnion(more) } else { units.append([i]) }
        }
        return units
    }

    /// Runs of consecutive units that may be pipelined. A unit joins the run when it neither
    /// writes an interface the run writes or refers to, nor refers to one the run writes.
    /// Routes (whose gateway hangs on every address and link) and multi-request bond changes
    /// (each request depends on the one before) stand alone.
    public static func batches(_ units: [[Int]], of changes: [Change], before: NetworkState) -> [[[Int]]] {
        var masterOf: [String: String] = [:]
        for i in before.interfaces { if let m = i.master { masterOf[i.name] = m } }
        var batches: [[[Int]]] = []
        var writes: Set<String> = [], refers: Set<String> = [], closed = true
        for unit in units {
            var w: Set<String> = [], r: Set<String> = [], alone = false
            for j in unit {
                let t = touches(changes[j], before: before, masterOf: &masterOf)
                w.formUnion(t.writes); r.formUnion(t.refers); alone = alone || t.alone
            }
            if closed || alone || !w.isDisjoint(with: writes.union(refers)) || !r.isDisjoint(with: writes) {
                batches.append([unit]); writes = w; refers = r
            } else {
                batches[batches.count - 1].append(unit); writes.formUnion(w); refers.formUnion(r)
            }
            closed = alone
        }
        return batches
    }

    /// What one step changes (`writes`), what it needs to stay as it is (`refers`: the master
    /// it joins or leaves, the master of what it changes), and whether it must stand alone.
    /// `masterOf` follows the plan's master changes.
    static func touches(_ change: Change, before: NetworkState, masterOf: inout [String: String])
        -> (writes: Set<String>, refers: Set<String>, alone: Bool)
    {
        var writes: Set<String> = []
        var refers: Set<String> = []
        switch change {
        case .addRoute, .removeRoute: return ([], [], true)
        case .setBond(let n, _, let sending): if sending.count > 1 { return ([n], [], true) }; writes = [n]
        case .create(let i): writes = Set([i.name] + (i.peer.map { [$0] } ?? []))
        case .delete(let n):
            writes = [n]
            if let p = before[n]?.peer { writes.insert(p) }
            // Deleting a master releases its ports.
            for (port, m) in masterOf where m == n { writes.insert(port); masterOf[port] = nil }
        case .setMaster(let n, let m):
            writes = [n]; refers = [m]
            if let old = masterOf[n] { refers.insert(old) }
            masterOf[n] = m
        case .releaseMaster(let n):
            writes = [n]
            if let old = masterOf[n] { refers.insert(old) }
            masterOf[n] = nil
        case .setBridge(let n, _), .setPort(let n, _), .setUp(let n), .setDown(let n), .setMTU(let n, _),
             .addAddress(let n, _), .removeAddress(let n, _):
            writes = [n]
        }
        for w in writes { if let m = masterOf[w] { refers.insert(m) } }
        if case .delete = change { for w in writes { masterOf[w] = nil } }
        return (writes, refers, false)
    }
}

extension Change {
    var isCreate: Bool { if case .create = self { return true }; return false }
}
