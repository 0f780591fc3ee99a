// `xg-scale lab`: the command group (up, status, exec, down; drill joins it).
import ArgumentParser
import Foundation
import Lab

extension XGScale {
    struct LabCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lab",
            abstract: "Rehearse a profile on the two-switch topology, built in network namespaces.",
            discussion: """
                `lab up` builds the seed's topology on this machine in network namespaces: two \
                switches (bridges with kernel STP, linked to each other), N nodes each with one \
                uplink to each switch and a heartbeat link to the next node, and a "VM" namespace \
                behind each node's bridge. It applies your profile to every node through the \
                same engine as `apply`, and runs `xg-scale monitor --json` per node. `lab \
                status` shows it, `lab exec` runs a command inside one of its namespaces, `lab \
                down` removes all of it. Nothing is created in the machine's own namespace, and \
                all traffic stays between the lab's namespaces.

                State: $XG_SCALE_LAB_ROOT/LAB/state.json (default root /run/xg-scale/lab), \
                journalled before each namespace is created, so `lab down` removes everything \
                even after a crashed or killed `lab up`. Every subcommand needs root.

                Examples:
                  xg-scale lab up
                  xg-scale lab status --json
                  xg-scale lab exec lab dom0-vm -- ping -c1 198.51.100.2
                  xg-scale preflight --config examples/drbd/lab.res --exec 'xg-scale lab exec lab {node} --'
                  xg-scale lab down
                """,
            subcommands: [
                LabUp.self,
                LabStatusCommand.self,
                LabExec.self,
                LabDown.self,
                LabDrill.self,
            ]
        )
    }
}

/// --name LAB, shared by the lab's subcommands.
struct LabName: ParsableArguments {
    @Option(help: ArgumentHelp("The lab's name (1-16 of a-z, 0-9, '-'); its namespaces are xgl-LAB-*.", valueName: "lab"))
    var name = "lab"

    func store() throws -> LabStore {
        do { return try LabStore(name: name) } catch { throw labFail("\(error)") }
    }
}

/// Print a lab error in house style; exit 1.
func labFail(_ message: String, _ command: String = "lab") -> ExitCode {
    printStderr("xg-scale \(command): error: \(message)")
    return ExitCode.failure
}
