// The step loop of an apply: each step (or a create with the steps one request can carry) is
// journalled when it creates, sent, and its creation marked in the kernel; the loop stops at the
// first failure or signal.
import Foundation
import Netlink
import NodeNetwork

extension ApplyEngine {
    /// Make `changes` in order. Returns the steps done and the failure that stopped it, if any.
    func execute(_ changes: [Change], before: NetworkState) -> (done: [Change], failure: StepFailure?) {
        var done: [Change] = []
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
                return (done, StepFailure(step: i + 1, change: change, reason: ApplyError.interrupted(signal: s).description))
            }
            do {
                try journal(change)
            } catch {
                return (done, StepFailure(step: i + 1, change: change,
                                          reason: "cannot record ownership before the change, so it was not made: \(error)"))
            }
            if let more = groups[i] {
                let steps = [i] + more
                switch runCombined(steps.map { changes[$0] }) {
                case .done:
                    for j in steps { done.append(changes[j]); executed[j] = true }
                    report()
                    continue
                case .oneByOne: break
                case .failed(let error):
                    // Something of the combined request may be left: the create counts as done,
                    // so the undo deletes what exists.
                    done.append(change)
                    return (done, Self.failure(i, change, error))
                }
            }
            do {
                try backend.execute(change)
                done.append(change)
                try markCreated(change)
                executed[i] = true
                report()
            } catch {
                return (done, Self.failure(i, change, error))
            }
        }
        return (done, nil)
    }

    enum CombinedResult { case done, oneByOne, failed(Error) }

    /// One request for a create and the steps it carries, then the mark on what it created.
    func runCombined(_ steps: [Change]) -> CombinedResult {
        do {
            guard try backend.executeCombined(steps) else { return .oneByOne }
        } catch is CombinedRequestRefused {
            // The kernel refused the combined request and nothing of it is left: make the steps
            // one by one, so a failure names its exact step.
            return .oneByOne
        } catch {
            return .failed(error)
        }
        do { try markCreated(steps[0]) } catch { return .failed(error) }
        return .done
    }

    /// One step of an undo or restore: a (re)create is journalled and marked like any create,
    /// so what the undo brings back stays ours.
    func executeOwned(_ step: Change) throws {
        try journal(step)
        try backend.execute(step)
        try markCreated(step)
    }

    /// Before a create: journal the names it makes (both ends of a veth).
    func journal(_ change: Change) throws {
        guard let ownership, case .create = change else { return }
        try ownership.journal(Self.createdNames([change]))
    }

    /// After a create: mark what it made as ours in the kernel (unless the backend marks in the
    /// create request itself).
    func markCreated(_ change: Change) throws {
        guard let ownership, !ownership.markedByBackend, case .create = change else { return }
        for name in Self.createdNames([change]).sorted() { try backend.mark(name, as: ownership.mark) }
    }

    static func failure(_ i: Int, _ change: Change, _ error: Error) -> StepFailure {
        StepFailure(step: i + 1, change: change, reason: "\(error)", kernelReason: (error as? NetlinkError)?.kernelMessage)
    }
}
