// `xg-scale monitor` — READY BUT NOT REGISTERED in XGScale.subcommands: it needs the netlink
// subscription (an `ObservationSource` over RTNLGRP_LINK), which is not built yet. Register it
// by implementing `MonitorCommand.makeSource()` and adding `MonitorCommand.self` to the list.
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
                Follows the kernel's link notifications and logs link failures, flaps, bond \
                failovers, STP port state changes, root and topology changes, and above all the \
                loss and restoration of redundancy of each group (a bond, or an STP bridge with \
                its uplinks): OK (all uplinks usable), DEGRADED (some), DOWN (none).

                Severities: redundancy DOWN = crit, DEGRADED = err (--degraded-severity warning), \
                link down = warning, restored = notice, STP transitions = info.

                Examples:
                  xg-scale monitor --json
                  xg-scale monitor --syslog-server tcp://192.0.2.1:514 --facility local3
                  xg-scale monitor --metrics-file /var/lib/prometheus/node-exporter/xgscale.prom
                  xg-scale monitor --oneshot        # exit 0 OK, 1 DEGRADED, 2 DOWN

                JSON lines (--json): time (RFC 3339, microseconds), event, severity, interface, \
                group, from, to, counters. Events: link-down, link-up, link-flapping, stp-state, \
                topology-change, root-change, bond-failover, bond-slave, redundancy, resync, \
                group-config, events-dropped.
                """)

        @Flag(help: "Print one JSON object per event on stdout.")
        var json = false

        @Flag(help: "Print the current redundancy state and exit 0 (OK), 1 (DEGRADED) or 2 (DOWN).")
        var oneshot = false

        @Option(help: ArgumentHelp("Also send RFC 5424 to a remote server (repeatable).",
                                   valueName: "udp://HOST:PORT|tcp://HOST:PORT"))
        var syslogServer: [String] = []

        @Option(help: "Syslog facility (daemon, local0 ... local7, ...).")
        var facility = "daemon"

        @Option(help: "Severity of a group going DEGRADED: err or warning.")
        var degradedSeverity = "err"

        @Option(help: ArgumentHelp("Local syslog socket.", valueName: "PATH"))
        var syslogSocket = "/dev/log"

        @Flag(help: "Do not log to the local syslog socket.")
        var noLocalSyslog = false

        @Option(help: ArgumentHelp("node_exporter textfile to keep current (replaced atomically).",
                                   valueName: "PATH"))
        var metricsFile: String?

        @Option(help: ArgumentHelp("Seconds between reads of bridge root/topology data.", valueName: "SECONDS"))
        var topologyPoll: Double = 2

        @Option(help: "A link is flapping after more than this many carrier changes within --flap-window.")
        var flapThreshold = 4

        @Option(help: ArgumentHelp("Flap window and settle time.", valueName: "SECONDS"))
        var flapWindow: Double = 10

        @Option(help: "Events kept per TCP syslog server while it is unreachable; more are dropped and counted.")
        var queueSize = 10_000

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
        }

        /// The one plug-in point left: the netlink subscription as an ObservationSource.
        static func makeSource() throws -> any ObservationSource {
            throw ValidationError("the netlink event source is not built yet")
        }

        func run() async throws {
            let source = try Self.makeSource()
            if oneshot {
                let report = try await LinkMonitor.Monitor.oneshot(source: source, profile: nil)
                print(json ? try JSONOutput.string(report) : report.text, terminator: "")
                throw ExitCode(report.exitCode)
            }
            let hostname = ProcessInfo.processInfo.hostName
            let format = SyslogFormat(facility: Facility(name: facility)!, processID: Int(getpid()),
                                      hostname: hostname,
                                      utcOffsetSeconds: TimeZone.current.secondsFromGMT())
            var emitters: [any EventEmitter] = []
            if json { emitters.append(JSONLinesEmitter()) }
            if !noLocalSyslog { emitters.append(LocalSyslogEmitter(path: syslogSocket, format: format)) }
            for s in syslogServer {
                let server = try SyslogServer(parsing: s)
                switch server.transport {
                case .udp: emitters.append(try UDPSyslogEmitter(host: server.host, port: server.port, format: format))
                case .tcp: emitters.append(TCPSyslogEmitter(host: server.host, port: server.port, format: format,
                                                             capacity: queueSize))
                }
            }
            let settings = MonitorSettings(
                classifier: ClassifierOptions(
                    dampening: FlapDampening(threshold: flapThreshold, window: flapWindow, settle: flapWindow),
                    severity: SeverityPolicy(degraded: degradedSeverity == "warning" ? .warning : .err)),
                topologyPoll: .milliseconds(Int64(topologyPoll * 1000)),
                metrics: metricsFile.map { MetricsFileWriter(path: $0) })
            let monitor = LinkMonitor.Monitor(source: source, emitters: emitters, settings: settings)
            _ = try await TerminationSignals.run { try await monitor.run() }
        }
    }
}
