// ApplySession: everything one apply, plan, confirm or rollback does around the engine — the
// namespace lock, ownership (journal and mark), the pending timed revert and its watchdog. The
// CLI parses, calls one of these entry points, and prints.
import Foundation
import Netlink
import NodeNetwork
import SystemIO

/// What `apply` asks for.
public struct ApplyRequest {
    public var desired: NetworkState
    /// Names the profile in the pending revert and in messages.
    public var profile: String
    public var confirmWithin: Double?
    public var dryRun = false
    /// `--persist`: write the matching render after a verified apply (never on a dry run).
    public var persist: PersistRequest?

    public init(desired: NetworkState, profile: String, confirmWithin: Double? = nil, dryRun: Bool = false,
                persist: PersistRequest? = nil) {
        self.desired = desired; self.profile = profile; self.confirmWithin = confirmWithin; self.dryRun = dryRun
        self.persist = persist
    }
}

/// What `apply` did.
public struct ApplyResult {
    public var outcome: ApplyOutcome
    /// The watchdog of `--confirm-within`, when one runs.
    public var watchdog: ProcessIdentity?
}

/// What `confirm` or `rollback` did.
public struct PendingResult {
    public var profile: String
    /// Restore report (rollback only).
    public var report: RestoreReport?
    /// Set when the watchdog was not running any more (it died, or was never proved ours).
    public var deadWatchdog: String?
}

public final class ApplySession {
    public let store: StateStore
    let backend: NetworkBackend

    public init(store: StateStore, backend: NetworkBackend) {
        self.store = store
        self.backend = backend
    }

    /// The changes `apply` would make (no lock taken, nothing written).
    public func plan(_ desired: NetworkState) throws -> [Change] {
        let owned = try store.ownedState()
        return try engine(owned: owned).plan(to: desired, owned: Set(owned.interfaces)).1
    }

    /// Apply (or, dry, only plan) under the namespace lock; see `ApplyRequest`.
    /// `onStep` is called after each step made, `onBatch` after each batch of steps and when
    /// the steps stop (see `ApplyEngine.onBatch`).
    public func apply(_ request: ApplyRequest, onStep: ((Int, Change) -> Void)? = nil,
                      onBatch: (() -> Void)? = nil) throws -> ApplyResult {
        if request.dryRun {
            let owned = try store.ownedState()
            return ApplyResult(outcome: try engine(owned: owned).apply(desired: request.desired,
                                                                       owned: Set(owned.interfaces), dryRun: true))
        }
        let lock = try store.lock()
        defer { lock.release() }
        try refuseWhilePending()
        // Conflicts are refused before anything changes.
        let persistPlan = try request.persist.map { try Persist.plan($0, state: request.desired, source: request.profile) }
        let hadOwnedFile = FileManager.default.fileExists(atPath: store.ownedPath)
        let before = try store.ownedState()
        var journalled = before
        // The journal's names as a set: each create asks whether its names are in (a set built
        // from the array per create made the journal quadratic in the plan's creates).
        var journalledNames = Set(before.interfaces)
        Interrupts.install()
        let engine = self.engine(owned: before, interrupted: { Interrupts.signal }) { names in
            // Usually recorded already, with the whole plan's creates, before the first change.
            guard !names.isSubset(of: journalledNames) else { return }
            for n in names { Self.journal(n, into: &journalledNames, list: &journalled.interfaces) }
            try self.store.saveOwned(journalled)
        }
        engine.onStep = onStep
        engine.onBatch = onBatch
        var watchdog: ProcessIdentity?
        let revertID = UUID().uuidString
        engine.willExecute = { snapshot, changes in
            // No change unless the state can be written first. Every name the plan creates is
            // journalled now, with one fsync (a name recorded but never created is harmless:
            // it carries no mark, so it is never deleted).
            Self.journal(createdBy: changes, into: &journalledNames, list: &journalled.interfaces)
            try self.store.saveOwned(journalled)
            if let seconds = request.confirmWithin {
                watchdog = try self.startRevert(revertID, seconds: seconds, request: request, snapshot: snapshot,
                                                changes: changes, ownedBefore: before.interfaces)
            }
        }
        let outcome = try engine.apply(desired: request.desired, owned: Set(before.interfaces))
        if outcome.failure != nil {
            finishFailed(outcome, watchdog: watchdog, revertID: revertID, before: before, hadOwnedFile: hadOwnedFile)
            return ApplyResult(outcome: outcome, watchdog: nil)
        }
        if !outcome.changes.isEmpty {
            finishApplied(outcome, before: before, journalled: journalled, journalledNames: journalledNames,
                          request: request, revertID: revertID)
        }
        var result = ApplyResult(outcome: outcome, watchdog: watchdog)
        if let persistPlan {
            result.outcome.persisted = try persist(persistPlan, revertID: request.confirmWithin == nil ? nil : revertID)
        }
        return result
    }

    /// After a successful apply: shrink the ownership journal to what exists, and start the
    /// confirmation window of a timed revert.
    /// `journalledNames`: the names of `journalled` as a set (kept beside it by `apply`).
    func finishApplied(_ outcome: ApplyOutcome, before: OwnedState, journalled: OwnedState,
                       journalledNames: Set<String>, request: ApplyRequest, revertID: String) {
        var journalled = journalled
        // The journal already holds every create; this forgets what was deleted and what is
        // recorded but does not exist with our mark (journalled by a killed apply). Written
        // only when that shrinks it, and not durably: a lost final save leaves the superset,
        // which is harmless (see `StateStore.saveOwned`).
        // What this apply created carries our mark (sent with each create; a refused mark
        // fails the apply): only the names recorded before need the kernel's word.
        let created = Set(outcome.created)
        let older = Set(before.interfaces).subtracting(outcome.deleted).subtracting(created)
        let kept = created.union(older.isEmpty ? [] : keepMarked(older, mark: before.mark))
        if kept != journalledNames {
            journalled.interfaces = Array(kept)
            try? store.saveOwned(journalled, durable: false)
        }
        if let seconds = request.confirmWithin, var p = try? store.pending(), p.id == revertID {
            // The confirmation window starts now that the apply is done.
            p.deadline = Date().timeIntervalSince1970 + seconds
            try? store.savePending(p)
        }
    }

    /// Keep the last `apply --confirm-within`: cancel its revert and stop its watchdog.
    public func confirm() throws -> PendingResult {
        let lock = try store.lock()
        defer { lock.release() }
        guard let p = try store.pending() else {
            throw StateError.io("nothing to confirm: no timed revert is pending in \(store.directory) (fix: apply with --confirm-within first; if the deadline passed, the watchdog has restored the previous state, see \(store.watchdogLogPath))")
        }
        let dead = Self.deadWatchdog(p)
        try store.cancelPending()
        if dead == nil { p.stopWatchdog() }
        return PendingResult(profile: p.profile, report: nil, deadWatchdog: dead)
    }

    /// Undo the last `apply --confirm-within` now, from its snapshot (also when its watchdog died).
    public func rollback() throws -> PendingResult {
        let lock = try store.lock()
        defer { lock.release() }
        guard let p = try store.pending() else {
            throw StateError.io("nothing to roll back: no timed revert is pending in \(store.directory) (fix: rollback undoes an `apply --confirm-within` that was not confirmed yet)")
        }
        let dead = Self.deadWatchdog(p)
        if dead == nil { p.stopWatchdog() }
        let report = try restore(p)
        try store.cancelPending()
        return PendingResult(profile: p.profile, report: report, deadWatchdog: dead)
    }

    /// The watchdog's job (hidden `_watchdog`): wait for the deadline of revert `id`, then restore.
    public func watch(id: String, clock: RevertClock = SystemClock()) throws -> (WatchResult, RestoreReport?) {
        try TimedRevert.watch(store: store, id: id, clock: clock) { p in
            (try? self.restore(p, savingOwnership: false)) ?? RestoreReport(errors: ["cannot read the ownership state"])
        }
    }
}
