// `xg-scale monitor`: the link and redundancy monitor daemon (and `--oneshot` check).
import ArgumentParser
import Foundation
import LinkMonitor
import MonitorCore
import NodeNetwork

extension XGScale {
    struct MonitorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "monitor",
            abstract: "Watch uplinks, bond failovers and STP ports; alert on lost redundancy.",
            discussion: """
                Follows the kernel's link notifications (netlink, in the network namespace it \
                runs in) and logs link failures, flaps, bond failovers, STP port state changes, \
                root and topology changes (read on a poll, --topology-poll, since the kernel \
                never notifies them), and above all the loss and restoration of redundancy of \
                each group (a bond, or an STP bridge with its uplinks): OK (all uplinks usable), \
                DEGRADED (some), DOWN (none). After a netlink receive-buffer overrun it re-reads \
                the whole state, logs a resync event, and reports what changed meanwhile.

                Storms: a link storm never stops it. A dump that overruns or that the kernel \
                interrupts is read again with a larger receive buffer after a backoff (up to \
                2 s) while notifications keep flowing, and once the links are quiet its state \
                is the kernel's. Only SIGTERM, SIGINT or a bad command line end it; a failing \
                poll, subscription or metrics write is said on stderr (rate-limited) and retried.

                Groups: with --profile, the group the profile describes (its bond, or its STP \
                bridge, with its uplinks); a missing or misconfigured group is reported \
                (group-config event, and DOWN for a missing one). Without --profile: every bond \
                with its slaves, and every bridge with STP on with its uplink ports: physical \
                devices, bonds, and veths whose peer lives in another network namespace (a \
                lab's switch); not guest ports (a veth whose peer is in this namespace, Xen \
                vif*, tap*). Groups and links are followed by name: an uplink deleted and \
                created again (a new ifindex) is watched again without a restart.

                Outputs: local syslog (--syslog-socket, /dev/log by default; if it is absent \
                the monitor says so once on stderr and goes on), remote syslog in RFC 5424 \
                (--syslog-server, UDP or TCP with octet counting, structured data under SD-ID \
                xgscale@32473; TCP reconnects and queues up to --queue-size events), JSON lines \
                on stdout (--json), and a node_exporter textfile (--metrics-file), written at \
                most once per --metrics-interval and never more than one interval behind, \
                replaced atomically (mode 0644). Its directory must be owned by root and not \
                writable by group or others (refused at start otherwise, exit 1). When the file \
                cannot be written the monitor says so once on stderr, then at most once a \
                minute, retries every interval, and goes on.

                Severities: redundancy DOWN = crit, DEGRADED = err (--degraded-severity warning), \
                link down = warning, restored = notice, STP transitions = info.

                Bonds (read from netlink notifications and, every --topology-poll, from a dump \
                of the bonds with /proc/net/bonding for churn states): \
                lacp-partner when an 802.3ad bond's LACP partner (system MAC or key) changes, \
                a switch replaced, rebooted or mis-cabled (warning; notice when a partner \
                appears where there was none); lacp-aggregator when the active aggregator \
                changes or its number of ports does (warning; crit when its ports fall below \
                max(min-links, 1); notice when ports are added); lacp-slave when a slave leaves \
                the active aggregator (warning) or joins it (notice); lacp-churn when a slave's \
                actor or partner churn state becomes churned (warning) or clears (notice); \
                arp-link when a bond's ARP monitor judges a slave down (warning) or up (notice) \
                while its carrier stays up: the ARP monitor decided, not the cable (this \
                replaces bond-slave for that change; fields monitor=arp, carrier=up, targets, \
                validate).

                Metrics (--metrics-file): xgscale_link_carrier, \
                xgscale_link_carrier_changes_total, xgscale_link_flapping, \
                xgscale_stp_port_state, xgscale_bond_active_slave, xgscale_redundancy_state, \
                xgscale_monitor_events_dropped_total; for 802.3ad bonds \
                xgscale_bond_ad_aggregator_id{bond}, xgscale_bond_ad_ports{bond} (ports in the \
                active aggregator), xgscale_bond_ad_partner{bond} (1 while a partner answers), \
                xgscale_bond_slave_ad_churned{bond,slave} (1 while churned); for bonds with ARP \
                monitoring xgscale_bond_slave_arp_up{bond,slave} (1 when the ARP monitor judges \
                the slave up).

                JSON lines (--json), one object per event, flushed per line: time (RFC 3339 UTC, \
                microseconds), event, severity, interface, group, from, to, and counters. \
                Events: link-down, link-up, link-flapping, stp-state, topology-change, \
                root-change, bond-failover, bond-slave, redundancy, resync, group-config, \
                events-dropped, lacp-partner, lacp-aggregator, lacp-slave, lacp-churn, arp-link.

                SIGTERM or SIGINT stops it cleanly: queued events are delivered (up to 2 s), \
                exit status 0.

                --oneshot prints the current redundancy state (a Nagios-style status line and \
                one line per group, or with --json one JSON object) and exits 0 (OK), \
                1 (DEGRADED) or 2 (DOWN), like a Nagios check; 3 (UNKNOWN) when the links \
                cannot be read.

                Examples:
                  xg-scale monitor --json
                  xg-scale monitor --syslog-server tcp://192.0.2.1:514 --facility local3
                  xg-scale monitor --profile /etc/xg-scale/node.yaml \\
                      --metrics-file /var/lib/prometheus/node-exporter/xgscale.prom
                  xg-scale monitor --oneshot        # exit 0 OK, 1 DEGRADED, 2 DOWN
                  xg-scale monitor --oneshot --json --profile profiles/stp-two-switches.yaml \\
                      --inventory profiles/inventory.yaml --node dom0
                  ip netns exec lab1 xg-scale monitor --json --no-local-syslog
                """).topLevel

        @Flag(help: "Print one JSON object per event on stdout (with --oneshot: the report as JSON).")
        var json = false

        @Flag(help: "Print the current redundancy state and exit 0 (OK), 1 (DEGRADED) or 2 (DOWN).")
        var oneshot = false

        @Option(help: ArgumentHelp("The node's profile: the redundancy group it should have.",
                                   valueName: "profile"))
        var profile: String?

        @Option(help: ArgumentHelp("Inventory file that gives the profile's ${NAME} values (needs --node): xg-scale's format or an Ansible YAML inventory (detected).",
                                   valueName: "file"))
        var inventory: String?

        @Option(help: ArgumentHelp("This node's name in the inventory (needs --inventory).", valueName: "name"))
        var node: String?

        @Option(help: ArgumentHelp("Also send RFC 5424 to a remote server (repeatable).",
                                   valueName: "udp://HOST:PORT|tcp://HOST:PORT"))
        var syslogServer: [String] = []

        @Flag(inversion: .prefixedNo, help: "Log to the local syslog socket, --syslog-socket (default: on; --no-local-syslog: off).")
        var localSyslog = true

        @Option(help: ArgumentHelp("Local syslog socket.", valueName: "path"))
        var syslogSocket = "/dev/log"

        @Option(help: "Syslog facility (daemon, user, local0 ... local7, ...).")
        var facility = "daemon"

        @Option(help: "Severity of a group going DEGRADED: err or warning.")
        var degradedSeverity = "err"

        @Option(help: ArgumentHelp("node_exporter textfile to keep current (replaced atomically).",
                                   valueName: "path"))
        var metricsFile: String?

        @Option(help: ArgumentHelp("Shortest time between two writes of --metrics-file (coalesced; default 1000).",
                                   valueName: "milliseconds"))
        var metricsInterval = 1000

        @Option(help: ArgumentHelp("Seconds between reads of bridge root/topology data and of bond LACP/churn state.", valueName: "seconds"))
        var topologyPoll: Double = 2

        @Option(help: "A link is flapping after this many carrier changes within --flap-window.")
        var flapThreshold = 4

        @Option(help: ArgumentHelp("Flap window, and how long a flapping link must stay quiet to be stable again.",
                                   valueName: "seconds"))
        var flapWindow: Double = 10

        @Option(help: "Events kept per TCP syslog server while it is unreachable; more are dropped and counted.")
        var queueSize = 10_000

        @Flag(help: "Report link-down/link-up/flapping (and link metrics) for every link, not only uplinks, bonds and physical devices.")
        var allLinks = false

        @Option(help: ArgumentHelp("Netlink receive buffer in bytes to start with (default: the system's); each overrun doubles it, up to 16 MiB. Small values provoke overruns, for tests.",
                                   valueName: "bytes"))
        var receiveBuffer: Int?

        func validate() throws {
            guard Facility(name: facility) != nil else {
                throw ValidationError("unknown facility '\(facility)' (fix: use daemon, user, local0 ... local7)")
            }
            guard degradedSeverity == "err" || degradedSeverity == "warning" else {
                throw ValidationError("--degraded-severity '\(degradedSeverity)' (fix: use err or warning)")
            }
            for s in syslogServer {
                do { _ = try SyslogServer(parsing: s) } catch { throw ValidationError("\(error)") }
            }
            guard topologyPoll > 0, flapWindow > 0, flapThreshold >= 1, queueSize >= 1 else {
                throw ValidationError("--topology-poll, --flap-window, --flap-threshold and --queue-size must be positive")
            }
            guard metricsInterval > 0 else {
                throw ValidationError("--metrics-interval \(metricsInterval) (fix: give a positive number of milliseconds)")
            }
            if let b = receiveBuffer, b <= 0 {
                throw ValidationError("--receive-buffer \(b) (fix: give a positive number of bytes)")
            }
            if inventory != nil || node != nil {
                guard profile != nil else { throw ValidationError("--inventory and --node need --profile PROFILE") }
                if inventory != nil && node == nil {
                    throw ValidationError("--inventory needs --node NAME (this node's name in the inventory)")
                }
                if node != nil && inventory == nil {
                    throw ValidationError("--node needs --inventory FILE (the file that lists the nodes)")
                }
            }
        }

        func run() async throws {
            let groups = try profile.map {
                [MonitorCore.Group(profile: try loadProfile($0, inventory: inventory, node: node).profile)]
            }
            let request = monitorRequest(groups: groups)
            if oneshot {
                let report: RedundancyReport
                do {
                    report = try await LinkMonitor.Monitor.oneshot(request)
                } catch {
                    printError("cannot read the links: \(error)")
                    throw ExitCode(3)
                }
                print(json ? try JSONOutput.string(report) : report.text, terminator: "")
                throw ExitCode(report.exitCode)
            }
            do {
                try await LinkMonitor.Monitor.serve(request, noLocalSyslog: { socket in
                    printStderr("xg-scale monitor: no local syslog socket \(socket); not logging locally (--no-local-syslog silences this)")
                })
            } catch let error as SyslogServerError {
                printError("--syslog-server \(error.server): \(error.underlying) (fix: give a resolvable host and a port)")
                throw ExitCode.failure
            } catch {
                printError("monitor: \(error)")
                throw ExitCode.failure
            }
        }

        /// The options as the monitor engine's request (`groups`: the profile's, nil without one).
        func monitorRequest(groups: [MonitorCore.Group]?) -> MonitorRequest {
            MonitorRequest(
                classifier: ClassifierOptions(
                    dampening: FlapDampening(threshold: flapThreshold, window: flapWindow, settle: flapWindow),
                    severity: SeverityPolicy(degraded: degradedSeverity == "warning" ? .warning : .err),
                    profile: groups, links: allLinks ? .all : .uplinks),
                json: json, localSyslogSocket: localSyslog ? syslogSocket : nil, syslogServers: syslogServer,
                facility: Facility(name: facility)!, queueSize: queueSize,
                topologyPoll: .milliseconds(Int64(topologyPoll * 1000)),
                metricsFile: metricsFile, metricsInterval: .milliseconds(metricsInterval),
                receiveBuffer: receiveBuffer)
        }
    }
}
