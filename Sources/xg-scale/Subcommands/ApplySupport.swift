import Apply
import ArgumentParser
import Foundation
import Netlink
import NodeNetwork

/// --state-dir, shared by plan, apply, confirm and rollback.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where ownership, the lock and a pending timed revert are kept (default: $XG_SCALE_STATE_DIR, else /var/lib/xg-scale).",
                               valueName: "dir"))
    var stateDir: String?

    var store: StateStore { StateStore.resolve(option: stateDir) }
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
func desiredState(_ input: ProfileInput) throws -> NetworkState {
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
