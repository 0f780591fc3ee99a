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
        // The steps a create's request carries: a flag per step (not a set of indexes).
        var carried = [Bool](repeating: false, count: changes.count)
        for more in groups.values { for j in more { carried[j] = true } }
        var units: [[Int]] = []
        units.reserveCapacity(changes.count)
        for i in changes.indices where !carried[i] {
            units.append(groups[i].map { [i] + $0 } ?? [i])
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
        // The open batch's names: true for one it writes, false for one it only refers to
        // (one table, one lookup per name: sets built and joined per unit cost more than the
        // rest of the plan's bookkeeping).
        var open: [String: Bool] = [:]
        open.reserveCapacity(changes.count)
        var writes: [String] = [], refers: [String] = []
        var closed = true
        for unit in units {
            writes.removeAll(keepingCapacity: true); refers.removeAll(keepingCapacity: true)
            var alone = false
            for j in unit {
                alone = touches(changes[j], before: before, masterOf: &masterOf, writes: &writes, refers: &refers) || alone
            }
            if closed || alone || writes.contains(where: { open[$0] != nil }) || refers.contains(where: { open[$0] == true }) {
                batches.append([unit]); open.removeAll(keepingCapacity: true)
            } else {
                batches[batches.count - 1].append(unit)
            }
            for n in writes { open[n] = true }
            for n in refers where open[n] == nil { open[n] = false }
            closed = alone
        }
        return batches
    }

    /// What one step changes (appended to `writes`), what it needs to stay as it is (to
    /// `refers`: the master it joins or leaves, the master of what it changes); true when it
    /// must stand alone. `masterOf` follows the plan's master changes.
    static func touches(_ change: Change, before: NetworkState, masterOf: inout [String: String],
                        writes: inout [String], refers: inout [String]) -> Bool {
        let first = writes.count
        switch change {
        case .addRoute, .removeRoute: return true
        case .setBond(let n, _, let sending): writes.append(n); if sending.count > 1 { return true }
        case .create(let i): writes.append(i.name); if let p = i.peer { writes.append(p) }
        case .delete(let n):
            writes.append(n)
            if let p = before[n]?.peer { writes.append(p) }
            // Deleting a master releases its ports.
            for (port, m) in masterOf where m == n { writes.append(port); masterOf[port] = nil }
        case .setMaster(let n, let m):
            writes.append(n); refers.append(m)
            if let old = masterOf[n] { refers.append(old) }
            masterOf[n] = m
        case .releaseMaster(let n):
            writes.append(n)
            if let old = masterOf[n] { refers.append(old) }
            masterOf[n] = nil
        case .setBridge(let n, _), .setPort(let n, _), .setUp(let n), .setDown(let n), .setMTU(let n, _),
             .addAddress(let n, _), .removeAddress(let n, _):
            writes.append(n)
        }
        for k in first..<writes.count { if let m = masterOf[writes[k]] { refers.append(m) } }
        if case .delete = change { for k in first..<writes.count { masterOf[writes[k]] = nil } }
        return false
    }
}

extension Change {
    var isCreate: Bool { if case .create = self { return true }; return false }
}
