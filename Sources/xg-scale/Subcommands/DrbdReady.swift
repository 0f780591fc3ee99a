import ArgumentParser
import DRBD
import Foundation
import NodeNetwork
import Preflight

extension XGScale.Drbd {
    struct Ready: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ready",
            abstract: "Tell whether a VM whose disk is RESOURCE may start on this node.",
            discussion: """
                The guard to run before a domain starts (libvirt's qemu hook, a Xen block script, \
                a cluster resource agent): ready when every volume of RESOURCE is Primary on this \
                node with an UpToDate disk, and no peer is Primary too unless the resource sets \
                allow-two-primaries (read from --config).

                The state is the kernel's: with DRBD 9, `drbdsetup status RESOURCE --json`; with \
                DRBD 8.3 and 8.4, /proc/drbd, whose minors --config maps to RESOURCE for --host \
                (default: uname -n). A resource that is not up, or a node without the drbd \
                module, is not ready.

                Exit status: 0 ready, 2 not ready (the reason and the fix are printed), 1 could \
                not tell (unreadable state or configuration).

                JSON (--json): {"resource","ready","reason","fix","role","disk",
                  "devices":[{"volume","minor","role","disk","connection"}],
                  "peers":[{"name","role","connection"}],"source"}

                Examples:
                  xg-scale drbd ready vm-web || exit 1
                  xg-scale drbd ready vm-db --config /etc/drbd.conf --host dom0 --json
                  (contrib/libvirt-qemu-hook-drbd-ready and contrib/xen-drbd-ready run it)
                """
        )

        @Argument(help: "The DRBD resource.")
        var resource: String

        @Option(name: .long, help: "The configuration file (default: /etc/drbd.conf).")
        var config: String = "/etc/drbd.conf"

        @Option(name: .long, help: "This node's name in the configuration (default: uname -n).")
        var host: String?

        @Flag(name: .long, help: "Print the verdict as JSON.")
        var json = false

        func run() throws {
            let verdict: Readiness
            do { verdict = try ReadyProbe.ready(resource, configPath: config, host: host, inputs: .xgScale) } catch {
                printStderr("xg-scale drbd ready: \(error)")
                throw ExitCode(1)
            }
            if json {
                print(try JSONOutput.string(verdict), terminator: "")
            } else if verdict.ready {
                print("ready: \(resource): \(verdict.reason)")
            } else {
                print("not ready: \(resource): \(verdict.reason)" + (verdict.fix.map { " (fix: \($0))" } ?? ""))
            }
            if !verdict.ready { throw ExitCode(2) }
        }
    }
}
