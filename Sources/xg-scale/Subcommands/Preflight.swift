import ArgumentParser
import Foundation
import NodeNetwork
import Preflight

extension XGScale {
    struct PreflightCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preflight",
            abstract: "Prove across the cluster that every DRBD port is reachable, in both directions.",
            discussion: """
                For every resource (or those named with --resource) and every directed pair of its \
                endpoints (A->B and B->A; every pair of a DRBD 9 mesh or 'connection'), B listens \
                on its exact address:port and A connects with its source bound to its own \
                configured address. The node side runs on each node as 'xg-scale preflight-node', \
                reached over 'ssh -o BatchMode=yes' (the inventory's vars may give a node \
                ssh-target, ssh-command and the xg-scale path) or through --exec. Nodes start in \
                parallel (at most --parallel at a time); all pairs connect at once. Listeners are \
                temporary, bound to the resource's address only, and close when the run ends or \
                at the node side's own deadline, even if the coordinator dies.

                Results:
                  ok                 connected, and large segments went both ways
                  filtered           no answer within --timeout: a firewall drops the port
                  rejected           ICMP unreachable/prohibited (EHOSTUNREACH, EACCES, ENETUNREACH)
                  refused            TCP reset although B listened: a reject-with-reset rule
                  no-route           A has no route to B's address
                  port-in-use        B could not listen: the holding process is named when visible
                  address-not-local  B's (or A's source) address is on none of that node's interfaces
                  node-unreachable   A or B could not be reached at all
                  mtu-blackhole      connected, but large segments stall (a link with a smaller MTU
                                     than the nodes'); the largest packet that got through is named
                A port DRBD itself holds is connected to but not pushed, and its state is named. \
                For filtered, rejected and refused, the nftables rule that matches (nft -j list \
                ruleset on B's input, else A's output: table, chain, handle, comment) is shown \
                beside the measured answer: the measurement decides, the rule explains. Each \
                node's findings are the local checks of 'xg-scale drbd check' for that node, \
                plus port-ephemeral (a warning: a DRBD port inside ip_local_port_range and not \
                in ip_local_reserved_ports).

                The inventory (the file 'render' reads) may say how to reach each node, in its \
                vars (ssh-target defaults to the node's name, ssh-command to ssh, xg-scale to \
                xg-scale on the node's PATH); 'ssh -o BatchMode=yes' is always added:
                  nodes:
                    dom0: {vars: {ssh-target: root@10.0.0.1, ssh-command: ssh -F /etc/xg/ssh_config,
                                  xg-scale: /usr/local/sbin/xg-scale}}
                An Ansible YAML inventory works too (detected): each host is a node, and \
                ansible_host, ansible_user and ansible_port (as 'ssh -p PORT') are used when \
                ssh-target is not set.

                --exec TEMPLATE is split on blanks into an argv ({node} = the host name in \
                drbd.conf) and this executable is appended; nothing is run through a shell, and \
                a host name with characters a shell would interpret is refused.

                Exit status: 0 every pair is ok, 2 any is not, 1 the preflight could not run \
                (unreadable or invalid configuration, unknown --resource, bad --exec).

                JSON (--json; extended, never renamed):
                  {"pairs":[{"resource","from","to","address","port","result","detail",
                             "rule":{"node","family","table","chain","handle","comment",
                                     "verdict","text"}|null,"source","mtu"}],
                   "nodes":[{"node","reachable","findings":[...as drbd check...],"error"}]}

                Examples:
                  xg-scale preflight
                  xg-scale preflight --config /etc/drbd.conf --new vm-new.res --inventory inv.yaml
                  xg-scale preflight --exec 'ip netns exec {node}' --timeout 1000 --json
                """
        ).topLevel

        @Option(name: .long, help: "The configuration file.")
        var config: String = "/etc/drbd.conf"

        @Option(name: .customLong("new"), help: ArgumentHelp("A resource file not yet installed, checked with the configuration (repeatable).", valueName: "file"))
        var newFiles: [String] = []

        @Option(name: .customLong("resource"), help: ArgumentHelp("Check only this resource (repeatable).", valueName: "name"))
        var resources: [String] = []

        @Option(name: .long, help: ArgumentHelp("Inventory whose node vars give ssh-target, ssh-command and xg-scale (the remote path).", valueName: "file"))
        var inventory: String?

        @Option(name: .customLong("exec"), help: ArgumentHelp("Run the node side through this command instead of ssh, e.g. 'ip netns exec {node}'.", valueName: "template"))
        var execTemplate: String?

        @Option(name: .long, help: ArgumentHelp("Milliseconds a connect may take before it counts as filtered.", valueName: "ms"))
        var timeout: Int = 2000

        @Option(name: .long, help: ArgumentHelp("Nodes started at the same time.", valueName: "n"))
        var parallel: Int = 16

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        func run() throws {
            guard (50...600_000).contains(timeout) else { fail("error: --timeout \(timeout) is out of range (fix: pass milliseconds from 50 to 600000, e.g. --timeout 2000)") }
            guard parallel >= 1 else { fail("error: --parallel must be at least 1 (fix: pass e.g. --parallel 16)") }
            var o = ClusterOptions(configPath: absolutePath(config), selfPath: selfExecutable())
            o.newFiles = newFiles.map(absolutePath); o.resources = resources; o.inventoryPath = inventory
            o.execTemplate = execTemplate; o.timeoutMs = timeout; o.parallel = parallel; o.inputs = .xgScale
            let report: ClusterReport
            do { report = try ClusterPreflight.run(o) } catch { fail(error.description) }
            print(json ? try JSONOutput.string(report) : PreflightText.render(report), terminator: "")
            if !report.allOK { throw ExitCode(2) }
        }
    }

    struct PreflightNode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preflight-node",
            abstract: "The node side of 'xg-scale preflight' (started by it over ssh or --exec).",
            discussion: """
                Not for interactive use. Reads a task as one JSON line on stdin, runs the local \
                checks, opens the temporary listeners and answers the facts as one JSON line on \
                stdout; then reads the connections to make, makes them all at once and answers \
                the results. It ends when stdin closes or at the deadline the task names, \
                whichever comes first, closing every listener. Exit status: 0 done, 1 no valid \
                task on stdin, 3 its deadline passed.
                """
        ).topLevel

        func run() throws {
            let status = NodeSide.run(inputs: .xgScale)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

private func fail(_ message: String) -> Never {
    printStderr(message)
    Foundation.exit(1)
}

private func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// This executable's path (the node side under --exec is this same binary).
private func selfExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// The human report: a table per resource, the nodes' findings, a summary.
enum PreflightText {
    static func render(_ r: ClusterReport) -> String {
        var out = ""
        var order: [String] = []
        for p in r.pairs where !order.contains(p.resource) { order.append(p.resource) }
        for res in order {
            let rows = r.pairs.filter { $0.resource == res }.map { p in
                [[p.from, p.to].sorted().joined(separator: " <-> "), "\(p.from) -> \(p.to)",
                 p.address.contains(":") ? "[\(p.address)]:\(p.port)" : "\(p.address):\(p.port)",
                 p.result.rawValue, p.detail, p.rule?.text ?? "-"]
            }
            out += "resource \(res)\n" + table(["PAIR", "DIRECTION", "ADDRESS", "RESULT", "DETAIL", "RULE"], rows) + "\n"
        }
        for n in r.nodes {
            if let e = n.error { out += "node \(n.node): unreachable: \(e)\n" }
            for f in n.findings {
                out += "node \(n.node): \(f.file):\(f.line): \(f.severity.rawValue): \(f.check.rawValue): \(f.message) (fix: \(f.fix))\n"
            }
        }
        let counts = r.counts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
        let down = r.nodes.filter { !$0.reachable }.map(\.node)
        out += "summary: \(r.pairs.count) pairs: \(counts); \(r.nodes.count - down.count) of \(r.nodes.count) nodes reachable"
        out += down.isEmpty ? "\n" : " (unreachable: \(down.joined(separator: ", ")))\n"
        return out
    }

    static func table(_ head: [String], _ rows: [[String]]) -> String {
        let all = [head] + rows
        let widths = head.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            "  " + row.indices.map { i in i == row.count - 1 ? row[i] : row[i].padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
