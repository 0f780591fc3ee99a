// The monitor service: observations in (from an ObservationSource), events out (to emitters),
// metrics file kept current. Wakes up only for an observation, the topology poll, or a flap
// dampening deadline.
import Foundation
import MonitorCore
import NodeNetwork

/// Where observations come from. The netlink subscription (RTNLGRP_LINK through libnl) is the
/// real one; tests use a scripted one.
public protocol ObservationSource: Sendable {
    /// Changes as they happen. The monitor calls this BEFORE `snapshot()`, so the source must
    /// subscribe first and buffer, and nothing falls between the dump and the first change.
    /// On a receive-buffer overrun (ENOBUFS) the source re-reads the full state and yields
    /// `.resync(state)`. The sequence ends when the source closes; an error stops the monitor.
    func changes() async throws -> AsyncThrowingStream<Observation, any Error>
    /// The full current state (links, bridge ports, bond slaves, bridge STP data).
    func snapshot() async throws -> NetworkState
    /// Bridge-level STP data of every bridge (`.bridge(name:settings:)`): root and topology
    /// changes, which the kernel never notifies.
    func pollBridges() async throws -> [Observation]
}

public struct MonitorSettings: Sendable {
    public var classifier: ClassifierOptions
    /// Interval of the bridge topology poll.
    public var topologyPoll: Duration
    public var metrics: MetricsFileWriter?
    /// How long to keep delivering queued events on a clean stop.
    public var flushTimeout: TimeInterval

    public init(classifier: ClassifierOptions = ClassifierOptions(), topologyPoll: Duration = .seconds(2),
                metrics: MetricsFileWriter? = nil, flushTimeout: TimeInterval = 2) {
        self.classifier = classifier; self.topologyPoll = topologyPoll; self.metrics = metrics
        self.flushTimeout = flushTimeout
    }
}

public final class Monitor: Sendable {
    let source: any ObservationSource
    let emitters: [any EventEmitter]
    let settings: MonitorSettings
    let now: @Sendable () -> Date
    let warn: @Sendable (String) -> Void
    /// The metrics text last written: an unchanged text is not rewritten (the topology poll
    /// would otherwise rewrite the file on every tick).
    let lastMetrics = LockedBox<String?>(nil)

    public init(source: any ObservationSource, emitters: [any EventEmitter], settings: MonitorSettings,
                now: @escaping @Sendable () -> Date = { Date() },
                warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("xg-scale monitor: \($0)\n".utf8)) }) {
        self.source = source; self.emitters = emitters; self.settings = settings; self.now = now
        self.warn = warn
    }

    /// `--oneshot`: the redundancy of the current state (exit with `report.exitCode`).
    public static func oneshot(source: any ObservationSource, profile: [Group]?) async throws -> RedundancyReport {
        RedundancyReport(state: try await source.snapshot(), profile: profile)
    }

    enum Input: Sendable {
        case observation(Observation)
        case tick
        case failed(any Error)
        case ended
    }

    /// Run until the source ends, the task is cancelled (SIGTERM), or the source fails (thrown).
    /// Queued events are delivered (up to `flushTimeout`) before it returns.
    public func run() async throws {
        defer { for e in emitters { e.close(timeout: settings.flushTimeout) } }
        let changes = try await source.changes()
        var classifier = Classifier(options: settings.classifier)
        deliver(classifier.observe(.snapshot(try await source.snapshot()), at: now()))
        writeMetrics(classifier)

        let (inputs, cont) = AsyncStream<Input>.makeStream()
        let feed = Task {
            do {
                for try await o in changes { cont.yield(.observation(o)) }
                cont.yield(.ended)
            } catch {
                cont.yield(.failed(error))
            }
        }
        let source = self.source, interval = settings.topologyPoll
        let poll = Task {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    for o in try await source.pollBridges() { cont.yield(.observation(o)) }
                } catch is CancellationError {
                    return
                } catch {
                    cont.yield(.failed(error))
                    return
                }
            }
        }
        var timer: Task<Void, Never>? = nil
        var timerDeadline: Date? = nil
        defer { feed.cancel(); poll.cancel(); timer?.cancel(); cont.finish() }

        try await withTaskCancellationHandler {
            for await input in inputs {
                switch input {
                case .observation(let o):
                    deliver(classifier.observe(o, at: now()))
                case .tick:
                    timerDeadline = nil
                    deliver(classifier.tick(at: now()))
                case .failed(let error):
                    throw error
                case .ended:
                    return
                }
                writeMetrics(classifier)
                if let d = classifier.nextDeadline, d != timerDeadline {
                    timer?.cancel()
                    timerDeadline = d
                    let wait = max(0, d.timeIntervalSince(now())) + 0.001
                    timer = Task {
                        try? await Task.sleep(for: .seconds(wait))
                        if !Task.isCancelled { cont.yield(.tick) }
                    }
                }
            }
        } onCancel: {
            cont.finish()
        }
    }

    func deliver(_ events: [MonitorEvent]) {
        for e in events { for sink in emitters { sink.emit(e) } }
    }

    func writeMetrics(_ c: Classifier) {
        guard let m = settings.metrics, let state = c.state else { return }
        let dropped = emitters.compactMap { $0 as? TCPSyslogEmitter }.reduce(0) { $0 + $1.dropped }
        let text = MetricsText.render(state: state, groups: c.groups.values.sorted { $0.name < $1.name },
                                      flapping: c.dampener.flapping,
                                      links: { c.watched($0, in: state) }, droppedEvents: dropped)
        guard lastMetrics.get() != text else { return }
        do {
            try m.write(text)
            lastMetrics.set(text)
        } catch {
            warn("cannot write metrics file \(m.path): \(error)")
        }
    }
}

/// Clean stop on SIGTERM/SIGINT: run `body` in a task, cancel it when a signal arrives, wait.
public enum TerminationSignals {
    /// Returns the signal that stopped `body`, or nil if it returned by itself.
    public static func run(signals: [Int32] = [SIGTERM, SIGINT],
                           _ body: @escaping @Sendable () async throws -> Void) async throws -> Int32? {
        let received = LockedBox<Int32?>(nil)
        let task = Task { try await body() }
        var sources: [any DispatchSourceSignal] = []
        for sig in signals {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                received.set(sig)
                task.cancel()
            }
            s.resume()
            sources.append(s)
        }
        defer { for s in sources { s.cancel() } }
        try await task.value
        return received.get()
    }
}

final class LockedBox<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var value: T
    init(_ v: T) { value = v }
    func get() -> T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
}
