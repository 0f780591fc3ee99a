// The parts of an ApplySession: the engine with ownership, the pending revert and its watchdog.
import Foundation
import Netlink
import NodeNetwork
import SystemIO

extension ApplySession {
    /// An engine that deletes only what `owned` records and the kernel shows marked with its
    /// mark; `journal` (when given) records the names of each create before it is sent.
    func engine(owned: OwnedState, interrupted: @escaping () -> Int32? = { nil },
                journal: @escaping (Set<String>) throws -> Void = { _ in }) -> ApplyEngine {
        let engine = ApplyEngine(backend: backend, interrupted: interrupted)
        engine.ownership = Ownership(mark: owned.mark, journal: journal)
        return engine
    }

    /// Add the names `changes` create (both ends of a veth) to the journal's set and list: the
    /// new ones appended in plan order (nearly name order: cheap to sort when saved), the set
    /// grown once.
    static func journal(createdBy changes: [Change], into names: inout Set<String>, list: inout [String]) {
        var creates = 0
        for case .create in changes { creates += 1 }
        names.reserveCapacity(names.count + 2 * creates)
        for case .create(let i) in changes {
            journal(i.name, into: &names, list: &list)
            if let p = i.peer { journal(p, into: &names, list: &list) }
        }
    }

    /// Add `name` to the journal's set and, when new, to its list.
    static func journal(_ name: String, into names: inout Set<String>, list: inout [String]) {
        if names.insert(name).inserted { list.append(name) }
    }

    /// Of `names`, those the kernel shows with `mark` (all of them when it cannot be read).
    func keepMarked(_ names: Set<String>, mark: String) -> Set<String> {
        guard let marks = try? backend.marks() else { return names }
        return names.filter { marks[$0] == mark }
    }

    /// While a timed revert is pending another apply is refused; a dead watchdog is said so.
    func refuseWhilePending() throws {
        guard let p = try store.pending() else { return }
        if let dead = Self.deadWatchdog(p) {
            throw StateError.io("a timed revert of the last apply (\(p.profile)) is pending, but \(dead): nothing will revert it (fix: run `xg-scale rollback` to restore the previous state from the snapshot, or `xg-scale confirm` to keep this one, then apply again)")
        }
        let left = max(0, Int((p.deadline - Date().timeIntervalSince1970).rounded(.up)))
        throw StateError.io("a timed revert of the last apply (\(p.profile)) is pending, \(left) s left, watchdog pid \(p.watchdogPID.map(String.init) ?? "?") (fix: run `xg-scale confirm` to keep it or `xg-scale rollback` to undo it, then apply again)")
    }

    /// Nil while the recorded watchdog runs (proved ours); else what is wrong with it.
    static func deadWatchdog(_ p: PendingRevert) -> String? {
        guard let w = p.watchdog else { return "no watchdog is recorded for it" }
        guard let why = Processes.proofProblem(w, token: p.id) else { return nil }
        return "its watchdog (pid \(w.pid)) is not running: \(why)"
    }

    /// Save the pending revert, start its watchdog, record what proves the watchdog is ours.
    func startRevert(_ id: String, seconds: Double, request: ApplyRequest, snapshot: Snapshot,
                     changes: [Change], ownedBefore: [String]) throws -> ProcessIdentity {
        var pending = PendingRevert(id: id, deadline: Date().timeIntervalSince1970 + seconds,
                                    profile: request.profile, snapshot: snapshot,
                                    created: ApplyEngine.createdNames(changes).sorted(), ownedBefore: ownedBefore)
        try store.savePending(pending)
        do {
            let watchdog = try TimedRevert.spawnWatchdog(store: store, id: id)
            pending.watchdog = watchdog
            do { try store.savePending(pending) } catch {
                _ = Processes.signal(watchdog, token: id, signal: SIGTERM)
                throw error
            }
            return watchdog
        } catch {
            // Nothing changed: no revert is pending.
            store.removePending()
            throw error
        }
    }

    /// After a failed (and undone) apply: no revert is pending any more, and ownership is as
    /// before when the undo was complete (the journal stays when something may be left).
    func finishFailed(_ outcome: ApplyOutcome, watchdog: ProcessIdentity?, revertID: String,
                      before: OwnedState, hadOwnedFile: Bool) {
        if let watchdog {
            store.removePending()
            _ = Processes.signal(watchdog, token: revertID, signal: SIGTERM)
        }
        guard outcome.rollback?.complete == true else { return }
        if hadOwnedFile { try? store.saveOwned(before) } else { try? store.removeOwned() }
    }

    /// Restore a pending revert's snapshot; ownership goes back to before that apply (keeping
    /// what it created when the restore is incomplete).
    func restore(_ p: PendingRevert, savingOwnership: Bool = true) throws -> RestoreReport {
        var owned = try store.ownedState()
        // The journal's names as a set, kept across creates (as in `apply`): a set built from
        // the array per create made the journal quadratic in the restore's creates; names
        // recorded already need no new write.
        var ownedNames = Set(owned.interfaces)
        let engine = self.engine(owned: owned, journal: { names in
            guard !names.isSubset(of: ownedNames) else { return }
            ownedNames.formUnion(names)
            owned.interfaces = Array(ownedNames)
            try self.store.saveOwned(owned)
        })
        var report = engine.restore(p.snapshot, owned: Set(p.created))
        report.errors += Persist.restore(p.persisted)
        if savingOwnership {
            owned.interfaces = Array(Set(p.ownedBefore).union(report.complete ? [] : p.created))
            try store.saveOwned(owned)
        }
        return report
    }
}
