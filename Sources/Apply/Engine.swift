// Apply: plan, snapshot, execute, verify; on any failure undo the steps done in reverse order
// and converge back to the snapshot. Restore (rollback, timed revert) uses the same executor.
import Foundation
import Netlink
import NodeNetwork

/// How the engine keeps ownership: the mark it puts on every interface it creates, and the
/// journal it writes (and fsyncs) before each create.
public struct Ownership {
    /// IFLA_IFALIAS given to each created interface ("xg-scale:ID").
    public var mark: String
    /// Called with the names a create is about to make, before it is sent; throwing stops the
    /// apply before that create.
    public var journal: (Set<String>) throws -> Void
    /// Set by the engine when the backend marks in the create request itself.
    var markedByBackend = false

    public init(mark: String, journal: @escaping (Set<String>) throws -> Void) {
        self.mark = mark; self.journal = journal
    }
}

public final class ApplyEngine {
    public let backend: NetworkBackend
    /// Polled between steps: a signal number when the apply must stop (SIGINT/SIGTERM).
    let interrupted: () -> Int32?
    /// Called after each executed step (progress output).
    public var onStep: ((Int, Change) -> Void)?
    /// Called after each batch of steps sent together, and when the steps stop (done, failed
    /// or interrupted): where progress kept by `onStep` is written out.
    public var onBatch: (() -> Void)?
    /// Called with the snapshot and the plan before the first change (the timed revert saves
    /// the snapshot and starts its watchdog here, so even a killed apply gets reverted).
    /// Throwing stops the apply before anything changed.
    public var willExecute: ((Snapshot, [Change]) throws -> Void)?
    /// When set, an owned interface is deleted only when it also carries the mark in the kernel
    /// and is neither `lo`, an uplink nor an uplink's veth peer; creates are journalled and marked.
    /// When nil (the engine used on its own), `owned` is taken as given.
    public var ownership: Ownership? {
        didSet {
            if let mark = ownership?.mark, oldValue?.mark != mark {
                ownership?.markedByBackend = backend.markCreates(with: mark)
            }
        }
    }

    public init(backend: NetworkBackend, interrupted: @escaping () -> Int32? = { nil }) {
        self.backend = backend
        self.interrupted = interrupted
    }

    /// The current state and the changes that turn it into `desired`.
    public func plan(to desired: NetworkState, owned: Set<String>) throws -> (NetworkState, [Change]) {
        let (current, _, changes) = try planned(to: desired, owned: owned)
        return (current, changes)
    }

    /// The current state, the owned interfaces that may be deleted, and the changes.
    func planned(to desired: NetworkState, owned: Set<String>) throws -> (NetworkState, Set<String>, [Change]) {
        let current = try backend.currentState()
        let deletable = try self.deletable(owned, current: current, desired: desired)
        return (current, deletable, try Plan.changes(from: current, to: desired, owned: deletable))
    }

    /// Of the recorded names, those that may be deleted (see `ownership`).
    func deletable(_ recorded: Set<String>, current: NetworkState, desired: NetworkState) throws -> Set<String> {
        guard let ownership, !recorded.isEmpty else { return recorded }
        return OwnershipRules.deletable(recorded, marks: try backend.marks(), mark: ownership.mark,
                                        current: current, desired: desired)
    }

    /// Execute the plan to `desired`, verify, and undo everything on failure.
    /// Throws only for errors before any change (reading the state, an impossible plan).
    public func apply(desired: NetworkState, owned: Set<String>, dryRun: Bool = false) throws -> ApplyOutcome {
        let (before, deletable, changes) = try planned(to: desired, owned: owned)
        var outcome = ApplyOutcome(changes: changes)
        outcome.dryRun = dryRun
        if changes.isEmpty || dryRun {
            outcome.applied = changes.isEmpty
            outcome.requests = backend.requests
            return outcome
        }
        let names = StepNames(changes)
        let snapshot = Snapshot(of: before, touchedBy: names)
        outcome.snapshot = snapshot
        if let willExecute {
            do { try willExecute(snapshot, changes) } catch {
                outcome.failure = StepFailure(step: nil, change: nil, reason: "\(error)")
                outcome.rollback = RestoreReport(steps: [], errors: [], complete: true, remaining: [])
                outcome.requests = backend.requests
                return outcome
            }
        }
        var (done, failure) = execute(changes, names: names, before: before)
        let createdNames = Self.createdNames(done)
        let deletedNames = Self.deletedNames(done, before: before)
        if failure == nil {
            // The owned names after the steps (no set copied when nothing was owned or deleted).
            var owned = deletable.isEmpty ? createdNames : deletable.union(createdNames)
            if !deletedNames.isEmpty { owned.subtract(deletedNames) }
            failure = verify(desired, owned: owned)
        }
        if let failure {
            outcome.failure = failure
            outcome.rollback = undo(done, before: before, snapshot: snapshot, created: createdNames)
        } else {
            outcome.applied = true
            outcome.created = Self.createdInOrder(done)
            outcome.deleted = deletedNames.sorted()
        }
        outcome.requests = backend.requests
        return outcome
    }

    /// Read back and plan again: anything left means the kernel did not take it.
    func verify(_ desired: NetworkState, owned: Set<String>) -> StepFailure? {
        if let s = interrupted() {
            return StepFailure(step: nil, change: nil, reason: ApplyError.interrupted(signal: s).description)
        }
        do {
            // Read as far as the plan compares it: no MAC, operstate or carrier text per link.
            let after = try backend.stateToPlan()
            let left = try Plan.changes(from: after, to: desired, owned: owned)
            if left.isEmpty { return nil }
            return StepFailure(step: nil, change: nil, reason: ApplyError.verification(left.map(\.summary)).description)
        } catch {
            return StepFailure(step: nil, change: nil, reason: "verify: \(error)",
                               kernelReason: (error as? NetlinkError)?.kernelMessage)
        }
    }

    /// Undo `done` in reverse order, then converge to the snapshot. A create is undone only
    /// where the interface of that name is ours (`madeByUs`).
    func undo(_ done: [Change], before: NetworkState, snapshot: Snapshot, created: Set<String>) -> RestoreReport {
        var report = RestoreReport()
        let ours = madeByUs(created)
        for change in done.reversed() {
            if case .create(let i) = change, !ours.contains(i.name) { continue }
            for step in Self.inverse(of: change, before: before, created: created) {
                report.steps.append(step)
                do { try executeOwned(step) } catch { report.errors.append("\(step.summary): \(error)") }
            }
        }
        converge(to: snapshot, owned: ours, into: &report)
        return report
    }

    /// Of the names the done creates were to make, those the kernel shows as ours. A create
    /// that failed part-way counts as done so the undo removes what it left; but when it failed
    /// because somebody took the name meanwhile, the interface there is theirs. With the mark
    /// in the create request itself, everything we made carries it from its first moment: an
    /// unmarked name is not ours, and a name whose mark cannot be read is left alone (the
    /// journal keeps it, a later apply deletes it once the kernel shows our mark).
    func madeByUs(_ created: Set<String>) -> Set<String> {
        guard let ownership, ownership.markedByBackend, !created.isEmpty else { return created }
        guard let marks = try? backend.marks() else { return [] }
        return created.filter { marks[$0] == ownership.mark }
    }

    /// Bring the snapshot's interfaces and the default routes back to the snapshot; `owned`
    /// interfaces missing from it (made after it was taken) are deleted — with `ownership` set,
    /// only those the kernel shows marked as ours.
    public func restore(_ snapshot: Snapshot, owned: Set<String>) -> RestoreReport {
        var report = RestoreReport()
        var deletable: Set<String> = []
        do {
            deletable = try self.deletable(owned, current: try backend.currentState(), desired: snapshot.state)
        } catch {
            report.errors.append("restore: \(error)")
        }
        converge(to: snapshot, owned: deletable, into: &report)
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
                    do { try executeOwned(step) } catch { report.errors.append("\(step.summary): \(error)") }
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
}
