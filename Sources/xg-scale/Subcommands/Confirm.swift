import Apply
import ArgumentParser
import Foundation
import NodeNetwork

extension XGScale {
    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Keep the last `apply --confirm-within`: cancel its timed revert.",
            discussion: """
                Removes the pending revert from the state directory and stops its watchdog, so \
                the state the last apply made stays. Run it from the new connection, to prove \
                the node is still reachable after the change.

                The watchdog is signalled only after proving it is the one apply started (its \
                pid, start time and program as recorded, the revert id in its command line; \
                through a pidfd): a stale or forged pending.json never gets another process \
                signalled. A watchdog found dead is reported on stderr (nothing would have \
                reverted the apply). The state directory is per network namespace and must be \
                trusted (see `xg-scale apply --help`).

                Exit status: 0 confirmed, 1 nothing pending (never applied with \
                --confirm-within, already confirmed, or the revert already happened).

                Examples:
                  xg-scale apply site.yaml --confirm-within 120 && xg-scale confirm
                  ip netns exec lab1 xg-scale confirm --state-dir /tmp/lab1
                """).topLevel

        @OptionGroup var state: StateOptions

        func run() throws {
            let result: PendingResult
            do {
                result = try ApplySession(store: try state.store(), backend: try KernelBackend()).confirm()
            } catch {
                throw fail("confirm", "\(error)")
            }
            printDeadWatchdog("confirm", result)
            print("confirmed: the apply of \(result.profile) stays; timed revert cancelled")
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Undo the last `apply --confirm-within` now, without waiting for its deadline.",
            discussion: """
                Restores the snapshot the pending timed revert holds (the touched interfaces and \
                the default routes as they were before that apply; interfaces it created are \
                deleted when the kernel shows them marked as xg-scale's), through the same \
                engine as apply, then stops the watchdog — only after proving it is ours, as \
                confirm does. It works also when the watchdog died (said on stderr).

                Exit status: 0 restored, 1 nothing pending or the restore was incomplete.

                Examples:
                  xg-scale apply site.yaml --confirm-within 300
                  xg-scale rollback
                  xg-scale rollback --json --state-dir /tmp/lab1
                """).topLevel

        @OptionGroup var state: StateOptions

        @Flag(name: .long, help: "Print the restore report as JSON.")
        var json = false

        func run() throws {
            let result: PendingResult
            do {
                result = try ApplySession(store: try state.store(), backend: try KernelBackend()).rollback()
            } catch {
                throw fail("rollback", "\(error)")
            }
            printDeadWatchdog("rollback", result)
            let report = result.report ?? RestoreReport()
            if json { print(try JSONOutput.string(report), terminator: "") } else { print(describe(report)) }
            if !report.complete { throw ExitCode.failure }
        }
    }

    /// Hidden: the detached watchdog of a timed revert (started by apply --confirm-within).
    struct Watchdog: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "_watchdog", abstract: "Internal: wait for a timed revert's deadline and restore.",
            shouldDisplay: false).topLevel

        @OptionGroup var state: StateOptions
        @Option var id: String

        func run() throws {
            let stamp = { ISO8601DateFormatter().string(from: Date()) }
            print("\(stamp()) watchdog \(getpid()) waiting for revert \(id)")
            do {
                let session = ApplySession(store: try state.store(), backend: try KernelBackend())
                let (result, report) = try session.watch(id: id)
                print("\(stamp()) revert \(id): \(result.rawValue)")
                if let report { print(describe(report)) }
                if result == .restoreIncomplete { throw ExitCode.failure }
            } catch let e as ExitCode {
                throw e
            } catch {
                print("\(stamp()) revert \(id): error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
