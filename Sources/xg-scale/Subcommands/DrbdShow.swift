import ArgumentParser
import DRBD
import Foundation
import NodeNetwork
import Preflight

extension XGScale.Drbd {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the DRBD configuration as drbdadm reads it: resources, hosts, volumes.",
            discussion: """
                Reads the configuration with its include files, as 'drbd check' does, and prints \
                the model after inheritance (volumes get the resource's device, disk and meta-disk \
                unless their host section overrides them): per resource its hosts with address, \
                port and node-id, its volumes per host with device, minor, disk and meta-disk, its \
                connections as written, and its options by section. The hosts, addresses, ports, \
                minors, disks and meta-disks are those 'drbdadm dump-xml' prints.

                A host section for several hosts ('on A B') is one host named "A B"; a floating \
                section has the name null and its volumes the host "floating IP"; options without \
                a section ('protocol C;' in 8.3) are under "resource", and a flag is "yes". \
                Connections are listed as written (DRBD 9 adds an implicit one when none is).

                Exit status: 0 printed, 1 the configuration cannot be read or parsed (every \
                error is printed on stderr as FILE:LINE:COLUMN: error: MESSAGE (fix: FIX), and \
                nothing on stdout).

                JSON (--json), null where a value is absent, meta-index null unless indexed:
                  {"resources":[{"name","file","line",
                    "hosts":[{"name","address","port","family","node-id"}],
                    "volumes":[{"host","volume","device","minor","disk","meta-disk","meta-index"}],
                    "connections":[{"hosts":["a","b"],"paths":[[{"name","address","port","family"}]]}],
                    "options":{"SECTION":{"KEY":"VALUE"}}}]}

                Examples:
                  xg-scale drbd show
                  xg-scale drbd show --config ./drbd.conf --json | jq '.resources[].volumes[].minor'
                """
        )

        @Option(name: .long, help: "The configuration file (default: /etc/drbd.conf).")
        var config: String = "/etc/drbd.conf"

        @Flag(name: .long, help: "Print the model as JSON.")
        var json = false

        func run() throws {
            let path = absolute(config)
            do { try requireReadable(path) } catch { drbdFail("\(error)") }
            let loaded = ConfigLoader.load(path, from: DiskFileSource(), inputs: .xgScale)
            guard loaded.errors.isEmpty, let model = loaded.configuration else {
                drbdFail(loaded.errors.map { "\($0)" }.joined(separator: "\n"))
            }
            let report = ShowReport(model)
            if json {
                print(try JSONOutput.string(report), terminator: "")
            } else {
                print(report.resources.map(\.text).joined(separator: "\n"), terminator: "")
            }
        }
    }
}
