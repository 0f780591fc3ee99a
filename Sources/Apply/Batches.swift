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
        units(changes, names: StepNames(changes), before: before, combining: combining)
    }

    static func units(_ changes: [Change], names: StepNames, before: NetworkState, combining: Bool) -> [[Int]] {
        // What each step's request carries (by step index; empty: nothing), and a flag per
        // step carried by an earlier one.
        let groups = combining ? carriedSteps(changes, names: names, before: before) : []
        var carried = [Bool](repeating: false, count: changes.count)
        for more in groups { for j in more { carried[j] = true } }
        var units: [[Int]] = []
        units.reserveCapacity(changes.count)
        for i in changes.indices where !carried[i] {
            if groups.isEmpty || groups[i].isEmpty {
                units.append([i])
            } else {
                var unit = [i]
                unit.append(contentsOf: groups[i])
                units.append(unit)
            }
        }
        return units
    }

    /// Runs of consecutive units that may be pipelined. A unit joins the run when it neither
    /// writes an interface the run writes or refers to, nor refers to one the run writes.
    /// Routes (whose gateway hangs on every address and link) and multi-request bond changes
    /// (each request depends on the one before) stand alone.
    public static func batches(_ units: [[Int]], of changes: [Change], before: NetworkState) -> [[[Int]]] {
        batches(units, of: changes, names: StepNames(changes), before: before)
    }

    static func batches(_ units: [[Int]], of changes: [Change], names: StepNames, before: NetworkState) -> [[[Int]]] {
        // Names are dense numbers (one hash per step, made once for the plan); the rest is
        // array indexing.
        var t = BatchTables(names)
        for i in before.interfaces { if let m = i.master { t.masterOf[t.id(i.name)] = t.id(m) } }
        var batches: [[[Int]]] = []
        var writes: [Int] = [], refers: [Int] = []
        var closed = true
        for unit in units {
            writes.removeAll(keepingCapacity: true); refers.removeAll(keepingCapacity: true)
            var alone = false
            for j in unit {
                alone = touches(changes[j], step: j, before: before, tables: &t, writes: &writes, refers: &refers) || alone
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
    /// `step` is the change's index in the plan (its interface's number is in `tables`).
    static func touches(_ change: Change, step j: Int, before: NetworkState, tables t: inout BatchTables,
                        writes: inout [Int], refers: inout [Int]) -> Bool {
        let first = writes.count
        switch change {
        case .addRoute, .removeRoute: return true
        case .setBond(_, _, let sending): writes.append(t.ofStep(j)); if sending.count > 1 { return true }
        case .create(let i): writes.append(t.ofStep(j)); if let p = i.peer { writes.append(t.id(p)) }
        case .delete(let n):
            let d = t.ofStep(j)
            writes.append(d)
            if let p = before[n]?.peer { writes.append(t.id(p)) }
            // Deleting a master releases its ports.
            for port in t.masterOf.indices where t.masterOf[port] == d { writes.append(port); t.masterOf[port] = -1 }
        case .setMaster:
            let i = t.ofStep(j), master = t.masterOfStep(j)
            writes.append(i); refers.append(master)
            if t.masterOf[i] >= 0 { refers.append(t.masterOf[i]) }
            t.masterOf[i] = master
        case .releaseMaster:
            let i = t.ofStep(j)
            writes.append(i)
            if t.masterOf[i] >= 0 { refers.append(t.masterOf[i]) }
            t.masterOf[i] = -1
        case .setBridge, .setPort, .setUp, .setDown, .setMTU, .addAddress, .removeAddress:
            writes.append(t.ofStep(j))
        }
        for k in first..<writes.count where t.masterOf[writes[k]] >= 0 { refers.append(t.masterOf[writes[k]]) }
        if case .delete = change { for k in first..<writes.count { t.masterOf[writes[k]] = -1 } }
        return false
    }
}

/// The interfaces a plan's steps are about and the masters they set, numbered once in plan
/// order (one hash per name in a step): what `Snapshot`, `units` and `batches` index by.
struct StepNames {
    private var numbers: [String: Int] = [:]
    /// Per step: the number of the interface it is about (-1: none, a route without device).
    private(set) var ofStep: [Int] = []
    /// Per step: the number of the master a `.setMaster` sets (-1: another step).
    private(set) var masterOfStep: [Int] = []

    init(_ changes: [Change]) {
        numbers.reserveCapacity(changes.count)
        ofStep.reserveCapacity(changes.count)
        masterOfStep.reserveCapacity(changes.count)
        for c in changes {
            ofStep.append(c.interfaceName.map { id($0) } ?? -1)
            if case .setMaster(_, let m) = c { masterOfStep.append(id(m)) } else { masterOfStep.append(-1) }
        }
    }

    /// How many names are numbered (numbers are 0..<count).
    var count: Int { numbers.count }

    /// The number of `name`, numbering it when new (one hash: the table's defaulting access
    /// inserts the next number when the name is missing).
    mutating func id(_ name: String) -> Int {
        let next = numbers.count
        return Self.value(&numbers[name, default: next])
    }

    private static func value(_ v: inout Int) -> Int { v }

    /// The number of `name` when a step or an earlier `id` numbered it.
    func number(_ name: String) -> Int? { numbers[name] }
}

/// `batches`' bookkeeping by interface number (`StepNames`, then numbered as first met): each
/// one's master (-1: none), and whether the open run writes it or only refers to it. The run
/// is emptied by starting a new generation, not by clearing.
struct BatchTables {
    private var names: StepNames
    var masterOf: [Int]
    /// The generation in which the interface was last opened, and whether it was written then.
    private var openedIn: [Int]
    private var written: [Bool]
    private var generation = 1

    init(_ names: StepNames) {
        self.names = names
        masterOf = [Int](repeating: -1, count: names.count)
        openedIn = [Int](repeating: 0, count: names.count)
        written = [Bool](repeating: false, count: names.count)
    }

    /// The number of the interface step `j` is about.
    func ofStep(_ j: Int) -> Int { names.ofStep[j] }
    /// The number of the master step `j` (a `.setMaster`) sets.
    func masterOfStep(_ j: Int) -> Int { names.masterOfStep[j] }

    mutating func id(_ name: String) -> Int {
        let i = names.id(name)
        if i == masterOf.count { masterOf.append(-1); openedIn.append(0); written.append(false) }
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
