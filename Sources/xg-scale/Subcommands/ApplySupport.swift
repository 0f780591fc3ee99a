import Apply
import ArgumentParser
import Foundation
import Netlink
import NodeNetwork

/// --state-dir, shared by plan, apply, confirm and rollback.
struct StateOptions: ParsableArguments {
    @Option(help: Self.stateDirHelp)
    var stateDir: String?

    static let stateDirHelp = ArgumentHelp("Where ownership and a pending timed revert are kept (default: $XG_SCALE_STATE_DIR, else $XG_SCALE_STATE_ROOT/netns-INODE with /var/lib/xg-scale as the root: one per network namespace).",
                                           valueName: "dir")

    func store() throws -> StateStore { try StateStore.resolve(option: stateDir) }
}

/// Print a user error in house style and exit 1.
func fail(_ command: String, _ message: String) -> ExitCode {
    printStderr("xg-scale \(command): error: \(message)")
    return ExitCode.failure
}


/// Numbered list of changes for humans.
func changeList(_ changes: [Change]) -> String {
    let width = String(changes.count).count
    return changes.enumerated().map { i, c in
        let n = String(i + 1)
        return "  " + String(repeating: " ", count: width - n.count) + n + ". " + c.summary
    }.joined(separator: "\n")
}

/// The desired state of PROFILE, or exit 1 after printing the profile's diagnostics.
func desiredState(_ input: ProfileSource) throws -> NetworkState {
    try input.load().profile.desiredState()
}

/// Restore report for humans.
func describe(_ r: RestoreReport) -> String {
    var lines: [String] = []
    if r.complete {
        lines.append("rolled back: the touched interfaces and default routes are as before (\(r.steps.count) undo steps)")
    } else {
        lines.append("ROLLBACK INCOMPLETE: still different from the snapshot: " + r.remaining.joined(separator: "; "))
    }
    for e in r.errors { lines.append("  undo step failed (repaired by the final pass when rolled back): \(e)") }
    return lines.joined(separator: "\n")
}

/// Print what `apply` did: the dry-run plan, the verdict, or the failure (then exit 1).
func printApply(_ result: ApplyResult, json: Bool, confirmWithin: Double?) throws {
    let outcome = result.outcome
    if json { print(try JSONOutput.string(outcome), terminator: "") }
    if let failure = outcome.failure {
        var message = failure.step.map { "step \($0) of \(outcome.changes.count) (\(failure.change?.summary ?? "")) failed: " } ?? "apply failed: "
        message += failure.reason
        if let k = failure.kernelReason, !failure.reason.contains(k) { message += " (kernel: \(k))" }
        if let r = outcome.rollback { message += "\n" + describe(r) }
        throw fail("apply", message)
    }
    if json {
    } else if outcome.dryRun && !outcome.inSync {
        print("dry run: would make \(outcome.changes.count) change\(outcome.changes.count == 1 ? "" : "s"):")
        print(changeList(outcome.changes))
    } else if outcome.inSync {
        print(outcome.dryRun ? "in sync: nothing to change (dry run)" : "in sync: nothing to change")
    } else {
        print("applied and verified \(outcome.changes.count) change\(outcome.changes.count == 1 ? "" : "s") (\(outcome.requests.changes) netlink change requests)")
    }
    if !json { for path in outcome.persisted { print("persisted \(path)") } }
    if let seconds = confirmWithin, !outcome.inSync {
        printStderr("xg-scale apply: run `xg-scale confirm` within \(Plan.format(seconds)) s to keep this, or the node returns to its previous state (watchdog pid \(result.watchdog.map { String($0.pid) } ?? "?"))")
    }
}

/// The note confirm and rollback print when the watchdog was found dead.
func printDeadWatchdog(_ command: String, _ result: PendingResult) {
    if let dead = result.deadWatchdog {
        printStderr("xg-scale \(command): warning: \(dead); nothing would have reverted the apply of \(result.profile) by itself")
    }
}

/// Apply's progress, "  N. SUMMARY" per step made: the lines of a batch are built as bytes in
/// one buffer and printed together (one print per batch, not per step; same bytes, same
/// stream, written before anything the apply prints after its steps).
final class StepLines {
    private var bytes: [UInt8] = []

    func add(_ step: Int, _ change: Change) {
        bytes.append(0x20); bytes.append(0x20)   // "  "
        Change.appendDecimal(step, to: &bytes)
        bytes.append(0x2E); bytes.append(0x20)   // ". "
        change.appendSummary(to: &bytes)
        bytes.append(0x0A)
    }

    func flush() {
        guard !bytes.isEmpty else { return }
        print(String(decoding: bytes, as: UTF8.self), terminator: "")
        bytes.removeAll(keepingCapacity: true)
    }
}
