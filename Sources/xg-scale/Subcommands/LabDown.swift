// `xg-scale lab down`, `lab status`, `lab exec`.
import ArgumentParser
import Foundation
import Lab
import NodeNetwork

extension XGScale {
    struct LabDown: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "down",
            abstract: "Remove a lab: its monitors, every namespace it made (with their interfaces), its state directory.",
            discussion: """
                Reads $XG_SCALE_LAB_ROOT/LAB/state.json (default /run/xg-scale/lab/LAB). Each \
                recorded process is signalled (SIGTERM, then SIGKILL after 3 s) only after \
                proving it is the one the lab started: same pid, same /proc start time, the \
                lab's metrics file in its arguments. A process still carrying a path of the lab's \
                directory in its arguments but never recorded (a `lab up` killed between \
                starting it and writing its pid) is stopped too. Every recorded namespace that \
                exists is deleted (its veths go with it, and their peers in the other \
                namespaces), then the directory is removed.

                Idempotent: a lab that does not exist is not an error, and it works after a \
                `lab up` that crashed or was killed at any moment.

                Exit status: 0 removed (or nothing to remove), 1 error (not root, unreadable record).
                """)

        @OptionGroup var lab: LabName

        func run() throws {
            let store = try lab.store()
            let report: LabDownReport
            do { report = try LabEngine.down(store: store) } catch { throw labFail("\(error)", "lab down") }
            guard report.existed else {
                print("no lab named '\(store.name)': nothing to remove")
                return
            }
            for s in report.stopped { print("stopped \(s)") }
            for r in report.refused { print("not signalled: \(r)") }
            print("deleted \(report.namespacesDeleted.count) namespaces\(report.namespacesDeleted.isEmpty ? "" : ": " + report.namespacesDeleted.joined(separator: " "))")
            print("lab '\(store.name)' is down (\(store.directory) removed)")
        }
    }

    struct LabStatusCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show a lab: each node's uplinks and monitor, each switch's STP ports.",
            discussion: """
                Read from the kernel now, not from the record: per node `ip -n NS -j -d link` \
                (each uplink's carrier and its bridge port STP state, or bond slave state; the \
                uplink carrying the traffic), whether its monitor still runs (pid and /proc \
                start time as recorded), and the last redundancy state the monitor logged; per \
                switch `bridge -n NS -j link` (each port's STP state) and whether it is the STP \
                root.

                JSON (--json):
                  {"name","phase":"building"|"up","profile","redundancy":"stp"|"bond",
                   "nodes":[{"name","namespace",
                             "uplinks":[{"name","switch","exists","carrier","state"}],
                             "active-uplink","monitor":{"pid","alive","log"},
                             "redundancy":"ok"|"degraded"|"down"|null}],
                   "switches":[{"name","namespace","root","ports":[{"name","state"}]}]}
                state: forwarding, blocking, listening, learning, disabled (bridge port) or \
                active, backup (bond slave); null when the uplink is in neither.

                Exit status: 0 shown, 1 no such lab (or not root).
                """)

        @OptionGroup var lab: LabName

        @Flag(help: "Print the status as JSON.")
        var json = false

        func run() throws {
            let store = try lab.store()
            let status: LabStatus
            do { status = try LabEngine.status(store: store) } catch { throw labFail("\(error)", "lab status") }
            if json { print(try JSONOutput.string(status), terminator: ""); return }
            print("lab \(status.name): \(status.phase), \(status.redundancy) profile \(status.profile)")
            for s in status.switches {
                let ports = s.ports.map { "\($0.name) \($0.state ?? "?")" }.joined(separator: ", ")
                print("  \(s.name)\(s.root ? " (STP root)" : ""): \(ports)")
            }
            for n in status.nodes {
                let uplinks = n.uplinks.map { u in
                    "\(u.name)→\(u.switch) \(u.exists ? (u.carrier ? "carrier" : "NO CARRIER") : "MISSING") \(u.state ?? "-")"
                }.joined(separator: ", ")
                let monitor = n.monitor.alive ? "monitor pid \(n.monitor.pid.map(String.init) ?? "?")" : "monitor NOT RUNNING"
                print("  \(n.name): \(uplinks); active \(n.activeUplink ?? "none"); \(monitor); redundancy \(n.redundancy ?? "not logged yet")")
            }
        }
    }

    struct LabExec: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec",
            abstract: "Run a command inside one of a lab's namespaces; its exit status is passed through.",
            discussion: """
                TARGET is a node of the lab (its inventory name), NODE-vm (that node's VM), \
                switch1 or switch2. CMD replaces this process under `ip netns exec`, so every \
                thread of it runs inside the namespace, with this terminal's stdin and stdout.

                With preflight, each node's side runs in its namespace:
                  xg-scale preflight --config examples/drbd/lab.res --exec 'xg-scale lab exec lab {node} --'

                Exit status: CMD's; 1 when the lab or TARGET does not exist (the error lists the \
                targets).

                Examples:
                  xg-scale lab exec lab dom0 -- ip -br link
                  xg-scale lab exec lab dom0-vm -- ping -c1 198.51.100.2
                  xg-scale lab exec lab switch1 -- bridge link
                """)

        @Argument(help: ArgumentHelp("The lab's name.", valueName: "lab"))
        var lab: String

        @Argument(help: ArgumentHelp("NODE, NODE-vm, switch1 or switch2.", valueName: "target"))
        var target: String

        @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "cmd"))
        var command: [String] = []

        func validate() throws {
            if command.isEmpty { throw ValidationError("give the command after --, e.g. xg-scale lab exec \(lab) \(target) -- ip -br link") }
        }

        func run() throws {
            do {
                let ns = try LabEngine.namespace(of: target, store: try LabStore(name: lab))
                throw LabEngine.exec(command, in: ns)
            } catch {
                throw labFail("\(error)", "lab exec")
            }
        }
    }
}
