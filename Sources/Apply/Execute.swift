// The step loop of an apply: the plan in batches of independent units (a step, or a create with
// the steps one request can carry), each batch's creates journalled, its requests pipelined,
// each creation marked in the kernel; the loop stops at the first failure or signal.
import Foundation
import Netlink
import NodeNetwork

/// The progress of one execution: steps done (in the order made, for the undo) and reported.
final class StepRun {
    let changes: [Change]
    let onStep: ((Int, Change) -> Void)?
    /// Indexes into `changes` of the steps done, in the order made.
    var done: [Int] = []
    private var executed: [Bool]
    private var reported = 0

    init(_ changes: [Change], onStep: ((Int, Change) -> Void)?) {
        self.changes = changes; self.onStep = onStep
        executed = [Bool](repeating: false, count: changes.count)
    }

    /// The steps of `unit` are done; progress is reported in plan order, up to the first step
    /// not done (also for steps a combined request or a batch made early).
    func finished(_ unit: [Int]) {
        done += unit
        report(unit)
    }

    /// The steps done, in the order made.
    var doneSteps: [Change] { done.map { changes[$0] } }

    /// The steps of `unit` (already in `done`) are complete.
    func report(_ unit: [Int]) {
        for j in unit { executed[j] = true }
        while reported < changes.count && executed[reported] {
            onStep?(reported + 1, changes[reported])
            reported += 1
        }
    }
}

extension ApplyEngine {
    /// Make `changes` in order, batch by batch (`batches`). Returns the steps done and the
    /// failure that stopped it, if any.
    func execute(_ changes: [Change], names: StepNames, before: NetworkState) -> (done: [Change], failure: StepFailure?) {
        let run = StepRun(changes, onStep: onStep)
        defer { onBatch?() }
        let units = Self.units(changes, names: names, before: before, combining: backend.combinesRequests)
        for batch in Self.batches(units, of: changes, names: names, before: before) {
            if let failure = interruption(at: batch[0][0], run) { return (run.doneSteps, failure) }
            if let failure = runBatch(batch, run) { return (run.doneSteps, failure) }
            onBatch?()
        }
        return (run.doneSteps, nil)
    }

    func interruption(at i: Int, _ run: StepRun) -> StepFailure? {
        interrupted().map { StepFailure(step: i + 1, change: run.changes[i], reason: ApplyError.interrupted(signal: $0).description) }
    }

    /// Journal the batch's creates, then make it: one unit as before, several pipelined. A
    /// create that cannot be journalled is not made, nor anything after it.
    func runBatch(_ batch: [[Int]], _ run: StepRun) -> StepFailure? {
        var units = batch
        var journalFailure: StepFailure?
        for (n, unit) in batch.enumerated() {
            do { try journal(run.changes[unit[0]]) } catch {
                journalFailure = StepFailure(step: unit[0] + 1, change: run.changes[unit[0]],
                                             reason: "cannot record ownership before the change, so it was not made: \(error)")
                units = Array(batch.prefix(n))
                break
            }
        }
        if units.count > 1, let results = backend.executeBatch(units.map { $0.map { run.changes[$0] } }) {
            return settle(units, results, run) ?? journalFailure
        }
        for (n, unit) in units.enumerated() {
            if n > 0, let failure = interruption(at: unit[0], run) { return failure }
            if let failure = runUnit(unit, run) { return failure }
        }
        return journalFailure
    }

    /// Read a pipelined batch's results in plan order. Every unit the kernel made counts as
    /// done — also after a refused one (the undo takes it back); a refused create of which
    /// nothing is left is made again on its own, as without batching; the first failure is
    /// the one reported.
    func settle(_ units: [[Int]], _ results: [PipelinedResult], _ run: StepRun) -> StepFailure? {
        var failure: StepFailure?
        for (unit, result) in zip(units, results) {
            let i = unit[0], change = run.changes[i]
            switch result {
            case .done:
                run.done += unit
                // A backend that cannot mark in the create request marks right after it.
                do { try markCreated(change); run.report(unit) } catch { failure = failure ?? Self.failure(i, change, error) }
            case .refused(_, nothingLeft: true) where failure == nil && change.isCreate:
                failure = runUnit(unit, run)
            case .refused(let error, _):
                failure = failure ?? Self.failure(i, change, error)
            case .notSent(let error):
                failure = failure ?? Self.failure(i, change, error)
            case .unknown(let error):
                // It may have been made: the undo puts back what exists.
                run.done += unit
                failure = failure ?? Self.failure(i, change, error)
            }
        }
        return failure
    }

    /// One unit without pipelining: a combined request (or, refused, its steps one by one), or
    /// one step; its create marked in the kernel.
    func runUnit(_ unit: [Int], _ run: StepRun) -> StepFailure? {
        let i = unit[0], change = run.changes[i]
        if unit.count > 1 {
            switch runCombined(unit.map { run.changes[$0] }) {
            case .done:
                run.finished(unit)
                return nil
            case .oneByOne: break
            case .failed(let error):
                // Something of the combined request may be left: the create counts as done,
                // so the undo deletes what exists.
                run.done.append(i)
                return Self.failure(i, change, error)
            }
        }
        for (n, j) in unit.enumerated() {
            if n > 0, let failure = interruption(at: j, run) { return failure }
            do {
                try backend.execute(run.changes[j])
                run.done.append(j)
                try markCreated(run.changes[j])
                run.report([j])
            } catch {
                return Self.failure(j, run.changes[j], error)
            }
        }
        return nil
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
