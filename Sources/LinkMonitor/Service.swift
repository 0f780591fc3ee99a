// The monitor as one entry point for the CLI: a request says what to watch and where to send
// events; `Monitor.serve` builds the netlink source and the emitters and runs until SIGTERM or
// SIGINT, `Monitor.oneshot(_:)` reads the redundancy report once.
import Foundation
import MonitorCore

/// What `xg-scale monitor` asks of the monitor.
public struct MonitorRequest: Sendable {
    /// Flap dampening, severities, the profile's groups (nil: discovered) and which links.
    public var classifier: ClassifierOptions
    /// Print one JSON object per event on stdout.
    public var json: Bool
    /// The local syslog socket (nil: no local syslog).
    public var localSyslogSocket: String?
    /// Remote syslog servers as written (`udp://HOST:PORT`, `tcp://HOST:PORT`), already valid.
    public var syslogServers: [String]
    public var facility: Facility
    /// Events kept per TCP syslog server while it is unreachable.
    public var queueSize: Int
    public var topologyPoll: Duration
    /// The node_exporter textfile kept current (nil: none), written at most once per interval.
    public var metricsFile: String?
    public var metricsInterval: Duration
    /// The netlink receive buffer to start with (nil: the system's).
    public var receiveBuffer: Int?

    public init(classifier: ClassifierOptions, json: Bool, localSyslogSocket: String?,
                syslogServers: [String], facility: Facility, queueSize: Int, topologyPoll: Duration,
                metricsFile: String?, metricsInterval: Duration, receiveBuffer: Int?) {
        self.classifier = classifier; self.json = json; self.localSyslogSocket = localSyslogSocket
        self.syslogServers = syslogServers; self.facility = facility; self.queueSize = queueSize
        self.topologyPoll = topologyPoll; self.metricsFile = metricsFile
        self.metricsInterval = metricsInterval; self.receiveBuffer = receiveBuffer
    }
}

/// A remote syslog server the monitor cannot start with (a UDP host that does not resolve).
public struct SyslogServerError: Error {
    /// The server as written in the request.
    public let server: String
    public let underlying: any Error
}

extension Monitor {
    /// Run the monitor `request` describes until SIGTERM or SIGINT. `noLocalSyslog` hears of a
    /// local syslog socket that does not exist (the monitor goes on without it). Throws
    /// `SyslogServerError` before starting, or what stopped the monitor.
    public static func serve(_ request: MonitorRequest, noLocalSyslog: (String) -> Void) async throws {
        let source = NetlinkObservationSource(options: .init(receiveBufferSize: request.receiveBuffer))
        let emitters = try request.emitters(noLocalSyslog: noLocalSyslog)
        let settings = MonitorSettings(
            classifier: request.classifier, topologyPoll: request.topologyPoll,
            metrics: request.metricsFile.map { MetricsFileWriter(path: $0, interval: request.metricsInterval) })
        let monitor = Monitor(source: source, emitters: emitters, settings: settings)
        do {
            _ = try await TerminationSignals.run { try await monitor.run() }
        } catch is CancellationError {
            // Stopped by a signal while starting up.
        }
        source.stop()
    }

    /// The redundancy report of the links as they are now, for the request's groups.
    public static func oneshot(_ request: MonitorRequest) async throws -> RedundancyReport {
        let source = NetlinkObservationSource(options: .init(receiveBufferSize: request.receiveBuffer))
        return try await oneshot(source: source, profile: request.classifier.profile)
    }
}

extension MonitorRequest {
    /// The emitters asked for: JSON lines, local syslog (when its socket exists), each server.
    func emitters(noLocalSyslog: (String) -> Void) throws -> [any EventEmitter] {
        let format = SyslogFormat(facility: facility, processID: Int(getpid()),
                                  hostname: ProcessInfo.processInfo.hostName,
                                  utcOffsetSeconds: TimeZone.current.secondsFromGMT())
        var emitters: [any EventEmitter] = []
        if json { emitters.append(JSONLinesEmitter()) }
        if let socket = localSyslogSocket {
            if FileManager.default.fileExists(atPath: socket) {
                emitters.append(LocalSyslogEmitter(path: socket, format: format))
            } else {
                noLocalSyslog(socket)
            }
        }
        for s in syslogServers {
            let server = try SyslogServer(parsing: s)
            switch server.transport {
            case .udp:
                do {
                    emitters.append(try UDPSyslogEmitter(host: server.host, port: server.port, format: format))
                } catch {
                    throw SyslogServerError(server: s, underlying: error)
                }
            case .tcp:
                emitters.append(TCPSyslogEmitter(host: server.host, port: server.port, format: format,
                                                 capacity: queueSize))
            }
        }
        return emitters
    }
}
