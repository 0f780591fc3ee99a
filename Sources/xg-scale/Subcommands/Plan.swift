import Apply
import ArgumentParser
import Foundation
import Netlink
import NodeNetwork

extension XGScale {
    struct PlanCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show the ordered changes that would bring this node to PROFILE.",
            discussion: """
                Reads the kernel's current links, addresses and default routes (in the network \
                namespace it runs in), compares them with the state PROFILE asks for, and lists \
                the changes `xg-scale apply` would make, in the order it would make them: create, \
                set options, enslave, release, up/down, add/remove addresses and routes, and \
                delete interfaces an earlier apply created that the profile no longer wants \
                (recorded in the state directory of this network namespace and marked \
                "xg-scale:ID" in the kernel; never lo, an uplink or an uplink's peer). Interfaces the profile does not \
                name are never touched. Bridge timers that read back one centisecond tick off, \
                and arp-ip-target in another order, count as in sync. Changes nothing.

                Exit status (like terraform's --detailed-exitcode): 0 in sync, 2 changes \
                pending, 1 error (bad profile, missing uplink, netlink failure).

                --json prints {"changes": [{"action", "interface", "summary", ...}], "in-sync": BOOL}.

                Examples:
                  xg-scale plan profiles/stp-two-switches.yaml --inventory profiles/inventory.yaml --node dom0
                  xg-scale plan site.yaml --json | jq -r '.changes[].summary'
                  ip netns exec lab1 xg-scale plan site.yaml --state-dir /tmp/lab1-state; echo $?
                """).topLevel

        @OptionGroup var input: ProfileInput
        @OptionGroup var state: StateOptions

        @Flag(name: .long, help: "Print the plan as JSON.")
        var json = false

        struct Output: Encodable {
            var changes: [Change]
            var inSync: Bool
            enum CodingKeys: String, CodingKey { case changes, inSync = "in-sync" }
        }

        func run() throws {
            let desired = try desiredState(input.source)
            let changes: [Change]
            do {
                changes = try ApplySession(store: try state.store(), backend: try KernelBackend()).plan(desired)
            } catch {
                throw fail("plan", "\(error)")
            }
            if json {
                print(try JSONOutput.string(Output(changes: changes, inSync: changes.isEmpty)), terminator: "")
            } else if changes.isEmpty {
                print("in sync: nothing to change")
            } else {
                print("\(changes.count) change\(changes.count == 1 ? "" : "s") pending:")
                print(changeList(changes))
            }
            if !changes.isEmpty { throw ExitCode(2) }
        }
    }
}
