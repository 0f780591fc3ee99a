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
        // Names become dense numbers once (one hash per name met); the rest is array indexing.
        var t = BatchTables()
        for i in before.interfaces { if let m = i.master { t.masterOf[t.id(i.name)] = t.id(m) } }
        var batches: [[[Int]]] = []
        var writes: [Int] = [], refers: [Int] = []
        var closed = true
        for unit in units {
            writes.removeAll(keepingCapacity: true); refers.removeAll(keepingCapacity: true)
            var alone = false
            for j in unit {
                alone = touches(changes[j], before: before, tables: &t, writes: &writes, refers: &refers) || alone
            }
            if closed || alone || writes.contains(where: { t.isOpen($0) }) || refers.contains(where: { t.isOpenWrite($0) }) {
                batches.append([unit]); t.closeRun()
            } else {
                batches[batches.count - 1].append(unit)
            }
            for n in writes { t.open(n, writing: true) }
            for n in refers where !t.isOpen(n) { t.open(n, writing: false) }
            closed = alone
        }
        return batches
    }

    /// What one step changes (appended to `writes`), what it needs to stay as it is (to
    /// `refers`: the master it joins or leaves, the master of what it changes); true when it
    /// must stand alone. `tables.masterOf` follows the plan's master changes.
    static func touches(_ change: Change, before: NetworkState, tables t: inout BatchTables,
                        writes: inout [Int], refers: inout [Int]) -> Bool {
        let first = writes.count
        switch change {
        case .addRoute, .removeRoute: return true
        case .setBond(let n, _, let sending): writes.append(t.id(n)); if sending.count > 1 { return true }
        case .create(let i): writes.append(t.id(i.name)); if let p = i.peer { writes.append(t.id(p)) }
        case .delete(let n):
            let d = t.id(n)
            writes.append(d)
            if let p = before[n]?.peer { writes.append(t.id(p)) }
            // Deleting a master releases its ports.
            for port in t.masterOf.indices where t.masterOf[port] == d { writes.append(port); t.masterOf[port] = -1 }
        case .setMaster(let n, let m):
            let i = t.id(n)
            writes.append(i); refers.append(t.id(m))
            if t.masterOf[i] >= 0 { refers.append(t.masterOf[i]) }
            t.masterOf[i] = t.id(m)
        case .releaseMaster(let n):
            let i = t.id(n)
            writes.append(i)
            if t.masterOf[i] >= 0 { refers.append(t.masterOf[i]) }
            t.masterOf[i] = -1
        case .setBridge(let n, _), .setPort(let n, _), .setUp(let n), .setDown(let n), .setMTU(let n, _),
             .addAddress(let n, _), .removeAddress(let n, _):
            writes.append(t.id(n))
        }
        for k in first..<writes.count where t.masterOf[writes[k]] >= 0 { refers.append(t.masterOf[writes[k]]) }
        if case .delete = change { for k in first..<writes.count { t.masterOf[writes[k]] = -1 } }
        return false
    }
}

/// `batches`' bookkeeping by interface number (numbered as first met): each one's master
/// (-1: none), and whether the open run writes it or only refers to it. The run is emptied by
/// starting a new generation, not by clearing.
struct BatchTables {
    private var ids: [String: Int] = [:]
    var masterOf: [Int] = []
    /// The generation in which the interface was last opened, and whether it was written then.
    private var openedIn: [Int] = []
    private var written: [Bool] = []
    private var generation = 1

    mutating func id(_ name: String) -> Int {
        if let i = ids[name] { return i }
        let i = masterOf.count
        ids[name] = i
        masterOf.append(-1); openedIn.append(0); written.append(false)
        return i
    }

    func isOpen(_ i: Int) -> Bool { openedIn[i] == generation }
    func isOpenWrite(_ i: Int) -> Bool { openedIn[i] == generation && written[i] }

    /// Into the open run; a write stays a write.
    mutating func open(_ i: Int, writing: Bool) {
        if openedIn[i] != generation { openedIn[i] = generation; written[i] = writing } else if writing { written[i] = true }
    }

    mutating func closeRun() { generation += 1 }
}

extension Change {
    var isCreate: Bool { if case .create = self { return true }; return false }
}
