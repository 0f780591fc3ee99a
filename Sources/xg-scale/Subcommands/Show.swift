import ArgumentParser
import Foundation
import Netlink
import NodeNetwork

extension XGScale {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show the current links that matter for redundancy.",
            discussion: """
                Reads the kernel's links, addresses and default routes through netlink (in the \
                network namespace it runs in) and prints bridges with their STP settings and \
                ports (STP state, priority, cost, carrier), bonds with their mode, active slave \
                and slaves' MII status, veth pairs and devices. For an 802.3ad bond: the active \
                aggregator (id, ports), actor key, LACP partner MAC and key, and per slave its \
                aggregator, actor/partner LACP port state and churn state; for a bond with ARP \
                monitoring: arp-validate, all-targets, missed-max, and per slave the link state \
                the ARP monitor judged ("arp-link" instead of "mii"). Loopback and other link kinds \
                are left out unless --all is given. Anything the kernel does not report is \
                omitted, never guessed.

                --json prints the same schema as `xg-scale render --format json` (the desired \
                state), with the kernel-only fields (carrier, operstate, STP port state, active \
                slave, bridge and root id...) filled in. A bond's runtime state is under \
                "bond-state" ("ad": aggregator-id, num-ports, actor-key, partner-key, \
                partner-mac; "arp": interval, targets, validate, all-targets, missed-max), a \
                slave's under "slave" (perm-hwaddr, queue-id, "lacp": aggregator-id, \
                actor-oper-port-state, partner-oper-port-state, actor-churn-state, \
                partner-churn-state).

                Examples:
                  xg-scale show
                  xg-scale show --json | jq '.interfaces[] | select(.port) | {name, state: .port.state}'
                  xg-scale show --json | jq '.interfaces[] | select(.kind == "bond") | .["bond-state"].ad'
                  ip netns exec lab1 xg-scale show --all
                """).topLevel

        @Flag(name: .long, help: "Print the state as JSON (the NetworkState schema).")
        var json = false

        @Flag(name: .long, help: "Show every link, loopback and other kinds included.")
        var all = false

        func run() throws {
            let state: NetworkState
            do {
                let full = try LinkReader().currentState()
                state = all ? full : full.redundancyRelevant()
            } catch {
                printStderr("xg-scale show: error: \(error)")
                throw ExitCode.failure
            }
            print(json ? try state.jsonString() : state.summaryText(), terminator: "")
        }
    }
}
