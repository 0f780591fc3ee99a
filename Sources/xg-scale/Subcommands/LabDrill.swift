// `xg-scale lab drill`: break the lab the ways the real world does, measure the VMs' outage.
import ArgumentParser
import Foundation
import Lab
import SystemIO

extension XGScale {
    struct LabDrill: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drill",
            abstract: "Cut the lab's cables and switches under a probe stream; measure each failover against its bound.",
            discussion: """
                Needs a lab that is up (`xg-scale lab up`) and root. For each scenario, in order:
                waits until redundancy is there (every uplink and switch port with carrier, no \
                STP port listening or learning, every monitor's last redundancy line ok), starts \
                a probe stream, cuts, holds the cut until the traffic is back (or the bound plus \
                1 s has passed), restores, and waits until redundancy is back before the next.

                Scenarios (--scenario S…, repeatable; default all three):
                  active-uplink-cut      the cable of node 1's active uplink (STP: the uplink \
                forwarding toward the root; bond: the active slave): its switch-side end set \
                down in the switch's namespace, so the node sees carrier loss as with a pulled \
                cable
                  switch-power-off       every port of switch1 down
                  inter-switch-link-cut  the link between the two switches

                Probes: UDP datagrams with a sequence number every --interval-ms (default 10), \
                echoed back, from node 1's VM to node 2's VM, and node 1 to node 2 over their \
                host addresses when both have an IPv4 one and neither namespace has a default route \
                (a profile's gateway gives one: the host stream is then left out, said in notes). Each end is this \
                program run inside its namespace (`ip netns exec NS xg-scale lab-probe`), which \
                refuses to probe where a default route exists. Outage = from the first lost \
                probe to the first received again, at the interval's resolution; outage_ms is \
                the longest over the streams, for the failover after the cut (the outage the \
                restore causes, as STP moves back to the better path, is restore_outage_ms).

                Bound (timers in effect, read from node 1's kernel; in STP the root's):
                  STP, carrier lost at the node: 2 x forward-delay + detection, detection = one \
                hello-time
                  STP, inter-switch-link-cut (no carrier loss at the node): 2 x forward-delay \
                + detection, detection = max-age + hello-time (stored BPDU information ages out)
                  bond, MII monitor: miimon + updelay; ARP monitor: arp_interval x \
                (arp_missed_max + 1)

                Restored: redundancy back to ok in the kernel and in the monitors' logs, and the \
                probes flowing, for 2 x hello-time + 0.5 s on end (bond: 1 s), within \
                2 x (2 x forward-delay + max-age + hello-time) + 60 s (bond: 60 s). The 60 s \
                cover what the restore itself breaks: STP moves back to the better path, and \
                guests' traffic was seen to stay cut up to ~35 s after a restore (suspected: FDB \
                entries on the port STP just blocked, until ARP re-resolves; restore_outage_ms \
                shows it). \
                A scenario that leaves the lab without redundancy ends the drill (the rest are \
                listed in notes).

                --compare: the same scenarios again with the kernel's default STP timers \
                (forward delay 15 s, hello 2 s, max age 20 s) on the switches and the nodes, \
                reported beside (timers "kernel-default"; the first run "profile"); then the \
                timers in effect before are put back. STP labs only. Takes about 35 s more per \
                scenario.

                JSON (--json): {"lab", "interval_ms", "notes":[…], "scenarios":[{"scenario", \
                "outage_ms", "bound_ms", "restored", "events":[…], "timers", "bound_basis", \
                "within_bound", "interval_ms", "cut":["NS:IF"…], "restore_outage_ms", \
                "probes":[{"path", "from", "to", "sent", "received", "outage_ms", \
                "restore_outage_ms"}]}]}; events are the monitors' JSON lines logged between \
                the cut and the restore, each with "node" added.

                Exit status: 0 every outage within its bound and redundancy restored; 2 not; \
                1 the drill could not run (no such lab, lab not up, bad scenario name, not \
                root, probes not flowing before the cut). SIGINT or SIGTERM during a drill ends \
                its probes, sets the cut links up and puts the lab's STP timers back, then exits \
                130 or 143.

                Examples:
                  xg-scale lab drill
                  xg-scale lab drill --scenario switch-power-off --json
                  xg-scale lab drill --scenario active-uplink-cut --compare
                """)

        @Option(help: ArgumentHelp("The lab's name.", valueName: "lab"))
        var name = "lab"

        @Option(parsing: .upToNextOption,
                help: ArgumentHelp("Scenarios to run, in the order given (--scenario A B, or --scenario A --scenario B): active-uplink-cut, switch-power-off, inter-switch-link-cut (default: all three, in this order).",
                                   valueName: "scenario"))
        var scenario: [String] = []

        @Flag(help: "Run the scenarios again with kernel-default STP timers and report both.")
        var compare = false

        @Option(help: ArgumentHelp("Milliseconds between two probes (1-1000).", valueName: "ms"))
        var intervalMs = 10

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() throws {
            let scenarios = try parsedScenarios()
            guard (1...1000).contains(intervalMs) else { throw drillFail("--interval-ms \(intervalMs) is out of range: give 1 to 1000") }
            guard getuid() == 0 else { throw drillFail("lab drill needs root (it sets the lab's links down and runs probes in its namespaces): run it with sudo") }
            guard let me = Processes.executable(of: "/proc/self/exe") else { throw drillFail("cannot find this executable (/proc/self/exe): mount /proc") }
            let request = DrillRequest(name: name, scenarios: scenarios, compare: compare, intervalMs: intervalMs,
                                       root: DrillRequest.defaultRoot(), executable: me)
            let report: DrillReport
            do {
                report = try Drill.run(request) { line in if !json { printStderr(line) } }
            } catch let e as DrillError {
                throw drillFail(e.description)
            }
            if json {
                let data = try JSONSerialization.data(withJSONObject: report.json(), options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(drillTable(report))
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }

        func parsedScenarios() throws -> [DrillScenario] {
            if scenario.isEmpty { return DrillScenario.allCases }
            return try scenario.map { s in
                guard let v = DrillScenario(rawValue: s) else {
                    throw drillFail("unknown scenario '\(s)': give one of \(DrillScenario.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return v
            }
        }
    }
}

/// The human report: one row per scenario, then the notes.
func drillTable(_ report: DrillReport) -> String {
    var lines = ["SCENARIO               TIMERS          OUTAGE_MS  BOUND_MS  RATIO  RESTORED  RESULT"]
    for e in report.entries {
        let ratio = e.bound.ms > 0 ? String(format: "%.2f", Double(e.outageMs) / Double(e.bound.ms)) : "-"
        lines.append(e.scenario.rawValue.padding(toLength: 23, withPad: " ", startingAt: 0)
            + e.timers.padding(toLength: 16, withPad: " ", startingAt: 0)
            + String(e.outageMs).padding(toLength: 11, withPad: " ", startingAt: 0)
            + String(e.bound.ms).padding(toLength: 10, withPad: " ", startingAt: 0)
            + ratio.padding(toLength: 7, withPad: " ", startingAt: 0)
            + (e.restored ? "yes" : "NO").padding(toLength: 10, withPad: " ", startingAt: 0)
            + (e.passed ? "ok" : "FAIL") + "  (\(e.events.count) monitor events)")
    }
    for e in report.entries { lines.append("bound \(e.scenario.rawValue) (\(e.timers)): \(e.bound.basis)") }
    lines += report.notes.map { "note: \($0)" }
    return lines.joined(separator: "\n")
}

/// Print a drill error; exit 1.
func drillFail(_ message: String) -> ExitCode {
    printStderr("xg-scale lab drill: error: \(message)")
    return ExitCode.failure
}
