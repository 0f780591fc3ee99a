// Apply: plan, snapshot, execute, verify; on any failure undo the steps done in reverse order
// and converge back to the snapshot. Restore (rollback, timed revert) uses the same executor.
import Foundation
import Netlink
import NodeNetwork

/// Why an apply did not complete.
public struct StepFailure: Encodable, Sendable {
    /// 1-based index of the failing step in the plan (nil: verification after all steps).
    public var step: Int?
    public var change: Change?
    /// Our description of the error (operation and libnl's text).
    public var reason: String
    /// The kernel's own words (extended ACK), when it gave them.
    public var kernelReason: String?

    enum CodingKeys: String, CodingKey { case step, change, reason, kernelReason = "kernel-reason" }
}

/// What a restore did (after a failure, `rollback` or the timed revert).
public struct RestoreReport: Encodable, Sendable {
    /// Steps executed, undo steps first, then the convergence steps.
    public var steps: [Change] = []
    /// Steps that failed (the convergence pass repairs what an undo step could not).
    public var errors: [String] = []
    /// True when the touched interfaces and default routes read back equal to the snapshot.
    public var complete = false
    /// What still differs when not complete.
    public var remaining: [String] = []

    public init(steps: [Change] = [], errors: [String] = [], complete: Bool = false, remaining: [String] = []) {
        self.steps = steps; self.errors = errors; self.complete = complete; self.remaining = remaining
    }
}

public struct ApplyOutcome: Encodable, Sendable {
    public var changes: [Change]
    public var inSync: Bool { changes.isEmpty }
    public var dryRun = false
    /// All steps done and verified.
    public var applied = false
    public var failure: StepFailure?
    /// Set when a failure was undone.
    public var rollback: RestoreReport?
    /// Interfaces this apply created (they become owned) and deleted.
    public var created: [String] = []
    public var deleted: [String] = []
    public var snapshot: Snapshot?
    public var requests = RequestCounts()

    public init(changes: [Change]) { self.changes = changes }

    enum CodingKeys: String, CodingKey {
        case changes, inSync = "in-sync", dryRun = "dry-run", applied, failure, rollback, created, deleted
        case requests, changeRequests = "change-requests"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(changes, forKey: .changes)
        try c.encode(inSync, forKey: .inSync)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(applied, forKey: .applied)
        try c.encodeIfPresent(failure, forKey: .failure)
        try c.encodeIfPresent(rollback, forKey: .rollback)
        try c.encode(created, forKey: .created)
        try c.encode(deleted, forKey: .deleted)
        try c.encode(requests, forKey: .requests)
        try c.encode(requests.changes, forKey: .changeRequests)
    }
}

public final class ApplyEngine {
    public let backend: NetworkBackend
    /// Polled between steps: a signal number when the apply must stop (SIGINT/SIGTERM).
    let interrupted: () -> Int32?
    /// Called after each executed step (progress output).
    public var onStep: ((Int, Change) -> Void)?
    /// Called with the snapshot and the plan before the first change (the timed revert saves
    /// the snapshot and starts its watchdog here, so even a killed apply gets reverted).
    /// Throwing stops the apply before anything changed.
    public var willExecute: ((Snapshot, [Change]) throws -> Void)?

    public init(backend: NetworkBackend, interrupted: @escaping () -> Int32? = { nil }) {
        self.backend = backend
        self.interrupted = interrupted
    }

    /// The current state and the changes that turn it into `desired`.
    public func plan(to desired: NetworkState, owned: Set<String>) throws -> (NetworkState, [Change]) {
        let current = try backend.currentState()
        return (current, try Plan.changes(from: current, to: desired, owned: owned))
    }

    /// Execute the plan to `desired`, verify, and undo everything on failure.
    /// Throws only for errors before any change (reading the state, an impossible plan).
    public func apply(desired: NetworkState, owned: Set<String>, dryRun: Bool = false) throws -> ApplyOutcome {
        let (before, changes) = try plan(to: desired, owned: owned)
        var outcome = ApplyOutcome(changes: changes)
        outcome.dryRun = dryRun
        if changes.isEmpty || dryRun {
            outcome.applied = changes.isEmpty
            outcome.requests = backend.requests
            return outcome
        }
        let snapshot = Snapshot(of: before, touchedBy: changes)
        outcome.snapshot = snapshot
        if let willExecute {
            do { try willExecute(snapshot, changes) } catch {
                outcome.failure = StepFailure(step: nil, change: nil, reason: "\(error)")
                outcome.rollback = RestoreReport(steps: [], errors: [], complete: true, remaining: [])
                outcome.requests = backend.requests
                return outcome
            }
        }
        var done: [Change] = []
        var failure: StepFailure?
        // Steps a combined request makes together with an earlier create (see `combinedGroups`).
        let groups = Self.combinedGroups(changes, before: before)
        var executed = [Bool](repeating: false, count: changes.count)
        var reported = 0
        func report() {
            // Progress in plan order, also for steps a combined request made early.
            while reported < changes.count && executed[reported] {
                onStep?(reported + 1, changes[reported])
                reported += 1
            }
        }
        for (i, change) in changes.enumerated() where !executed[i] {
            if let s = interrupted() {
                failure = StepFailure(step: i + 1, change: change, reason: ApplyError.interrupted(signal: s).description)
                break
            }
            if let more = groups[i] {
                let steps = [i] + more
                do {
                    if try backend.executeCombined(steps.map { changes[$0] }) {
                        for j in steps { done.append(changes[j]); executed[j] = true }
                        report()
                        continue
                    }
                } catch let refused as CombinedRequestRefused {
                    // The kernel refused the combined request and nothing of it is left: make
                    // the steps one by one, so a failure names its exact step.
                    _ = refused
                } catch {
                    // Something of the combined request may be left: the create counts as done,
                    // so the undo deletes what exists.
                    done.append(change)
                    failure = StepFailure(step: i + 1, change: change, reason: "\(error)",
                                          kernelReason: (error as? NetlinkError)?.kernelMessage)
                    break
                }
            }
            do {
                try backend.execute(change)
                done.append(change)
                executed[i] = true
                report()
            } catch {
                failure = StepFailure(step: i + 1, change: change, reason: "\(error)",
                                      kernelReason: (error as? NetlinkError)?.kernelMessage)
                break
            }
        }
        if failure == nil, let s = interrupted() {
            failure = StepFailure(step: nil, change: nil, reason: ApplyError.interrupted(signal: s).description)
        }
        let createdNames = Self.createdNames(done)
        let deletedNames = Self.deletedNames(done, before: before)
        if failure == nil {
            // Verify: read back and plan again; anything left means the kernel did not take it.
            do {
                let after = try backend.currentState()
                let newOwned = owned.union(createdNames).subtracting(deletedNames)
                let left = try Plan.changes(from: after, to: desired, owned: newOwned)
                if !left.isEmpty {
                    failure = StepFailure(step: nil, change: nil,
                                          reason: ApplyError.verification(left.map(\.summary)).description)
                }
            } catch {
                failure = StepFailure(step: nil, change: nil, reason: "verify: \(error)",
                                      kernelReason: (error as? NetlinkError)?.kernelMessage)
            }
        }
        if let failure {
            outcome.failure = failure
            outcome.rollback = undo(done, before: before, snapshot: snapshot, created: createdNames)
        } else {
            outcome.applied = true
            outcome.created = createdNames.sorted()
            outcome.deleted = deletedNames.sorted()
        }
        outcome.requests = backend.requests
        return outcome
    }

    /// Undo `done` in reverse order, then converge to the snapshot.
    func undo(_ done: [Change], before: NetworkState, snapshot: Snapshot, created: Set<String>) -> RestoreReport {
        var report = RestoreReport()
        for change in done.reversed() {
            for step in Self.inverse(of: change, before: before, created: created) {
                report.steps.append(step)
                do { try backend.execute(step) } catch { report.errors.append("\(step.summary): \(error)") }
            }
        }
        converge(to: snapshot, owned: created, into: &report)
        return report
    }

    /// Bring the snapshot's interfaces and the default routes back to the snapshot; `owned`
    /// interfaces missing from it (made after it was taken) are deleted.
    public func restore(_ snapshot: Snapshot, owned: Set<String>) -> RestoreReport {
        var report = RestoreReport()
        converge(to: snapshot, owned: owned, into: &report)
        return report
    }

    func converge(to snapshot: Snapshot, owned: Set<String>, into report: inout RestoreReport) {
        for _ in 0..<3 {
            do {
                let now = try backend.currentState()
                let fix = try Plan.changes(from: now, to: snapshot.state, owned: owned, exactRoutes: true)
                if fix.isEmpty {
                    report.complete = true
                    report.remaining = []
                    return
                }
                report.remaining = fix.map(\.summary)
                for step in fix {
                    report.steps.append(step)
                    do { try backend.execute(step) } catch { report.errors.append("\(step.summary): \(error)") }
                }
            } catch {
                report.errors.append("restore: \(error)")
            }
        }
        do {
            let now = try backend.currentState()
            let fix = try Plan.changes(from: now, to: snapshot.state, owned: owned, exactRoutes: true)
            report.complete = fix.isEmpty
            report.remaining = fix.map(\.summary)
        } catch {
            report.errors.append("restore: \(error)")
        }
    }

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
        var bridgesByIndex: [String: Int] = [:]   // bridges created by the plan: index of the create
        var replaced: Set<String> = []             // deleted or recreated by the plan
        for (i, c) in changes.enumerated() {
            switch c {
            case .create(let x):
                if x.kind == .bridge { bridgesByIndex[x.name] = i }
                if before[x.name] != nil { replaced.insert(x.name) }
            case .delete(let n): replaced.insert(n)
            default: break
            }
        }
        func bridgeExists(_ m: String, at i: Int) -> Bool {
            if let k = bridgesByIndex[m] { return k < i }
            return before[m]?.kind == .bridge && !replaced.contains(m)
        }
        // Indexes of the steps on each interface, in plan order.
        var stepsOn: [String: [Int]] = [:]
        for (j, c) in changes.enumerated() { if let n = c.interfaceName { stepsOn[n, default: []].append(j) } }
        for (i, c) in changes.enumerated() {
            guard case .create(let x) = c, x.kind == .veth, let peer = x.peer, peer != x.name else { continue }
            // The end that takes master and up: the one the plan enslaves to an existing bridge.
            var primary = x.name
            search: for end in [x.name, peer] {
                for j in stepsOn[end] ?? [] where j > i {
                    if case .setMaster(_, let m) = changes[j], bridgeExists(m, at: i) { primary = end; break search }
                }
            }
            var more: [Int] = []
            for end in [x.name, peer] {
                scan: for j in stepsOn[end] ?? [] where j > i {
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
        for case .create(let i) in done {
            names.insert(i.name)
            if let p = i.peer { names.insert(p) }
        }
        return names
    }

    static func deletedNames(_ done: [Change], before: NetworkState) -> Set<String> {
        var names: Set<String> = []
        for case .delete(let n) in done {
            names.insert(n)
            if before[n]?.kind == .veth, let p = before[n]?.peer { names.insert(p) }
        }
        return names
    }

    /// Bond settings after `applied` (its given options) was set over `base`.
    static func merging(_ applied: BondSettings, over base: BondSettings) -> BondSettings {
        var m = base
        m.mode = applied.mode
        m.miimon = applied.miimon ?? base.miimon
        m.updelay = applied.updelay ?? base.updelay
        m.downdelay = applied.downdelay ?? base.downdelay
        m.primary = applied.primary ?? base.primary
        m.primaryReselect = applied.primaryReselect ?? base.primaryReselect
        m.arpInterval = applied.arpInterval ?? base.arpInterval
        m.arpIPTarget = applied.arpIPTarget ?? base.arpIPTarget
        m.lacpRate = applied.lacpRate ?? base.lacpRate
        m.xmitHashPolicy = applied.xmitHashPolicy ?? base.xmitHashPolicy
        m.failOverMAC = applied.failOverMAC ?? base.failOverMAC
        m.minLinks = applied.minLinks ?? base.minLinks
        return m
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
        case .setBond(let n, let applied):
            guard var b = before[n]?.bond else { return [] }
            b.activeSlave = nil
            // The undo runs in reverse order: a bond whose mode changed is down and without
            // slaves again by now, but one whose lacp_rate changed is up (it was up before).
            let sent = Set(b.requests(from: Self.merging(applied, over: b)).joined())
            if sent.contains(where: \.needsBondDown), before[n]?.up == true {
                return [.setDown(name: n), .setBond(name: n, b), .setUp(name: n)]
            }
            return [.setBond(name: n, b)]
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
