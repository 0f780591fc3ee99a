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
    /// `.resync(state)`. The sequence ends when the source closes. When it throws, the monitor
    /// says so and subscribes again (calls `changes()` then `snapshot()` anew, with backoff).
    func changes() async throws -> AsyncThrowingStream<Observation, any Error>
    /// The full current state (links, bridge ports, bond slaves, bridge STP data).
    func snapshot() async throws -> NetworkState
    /// Bridge-level STP data of every bridge (`.bridge(name:settings:)`): root and topology
    /// changes, which the kernel never notifies.
    func pollBridges() async throws -> [Observation]
    /// Every bond and bond slave (`.bondRuntime`): the LACP partner, the active aggregator and
    /// churn states, which the kernel does not always notify.
    func pollBonds() async throws -> [Observation]
}

extension ObservationSource {
    /// A source without bonds to poll.
    public func pollBonds() async throws -> [Observation] { [] }
}

public struct MonitorSettings: Sendable {
    public var classifier: ClassifierOptions
    /// Interval of the bridge topology and bond state poll.
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
        case metricsDue
        /// Something went wrong that the monitor survives (said once on stderr).
        case trouble(String)
        case ended
    }

    /// Run until the source ends or the task is cancelled (SIGTERM). Throws only at start (an
    /// untrusted metrics directory, no first subscription); afterwards a failing source is
    /// subscribed again and a failing poll or metrics write is reported, never fatal. Queued
    /// events are delivered (up to `flushTimeout`) before it returns.
    public func run() async throws {
        defer { for e in emitters { e.close(timeout: settings.flushTimeout) } }
        try settings.metrics?.checkDirectory()
        let changes = try await source.changes()
        var classifier = Classifier(options: settings.classifier)
        deliver(classifier.observe(.snapshot(try await source.snapshot()), at: now()))

        let (inputs, cont) = AsyncStream<Input>.makeStream()
        let feed = Task { [source] in await Self.feed(source, first: changes, into: cont) }
        let poll = Task { [source, interval = settings.topologyPoll] in
            await Self.poll(source, every: interval, into: cont)
        }
        var timer: Task<Void, Never>? = nil
        var timerDeadline: Date? = nil
        var metricsTimer: Task<Void, Never>? = nil
        var schedule = MetricsSchedule(interval: settings.metrics.map { Self.seconds($0.interval) } ?? 1)
        defer { feed.cancel(); poll.cancel(); timer?.cancel(); metricsTimer?.cancel(); cont.finish() }

        func armMetrics() {
            if let due = schedule.due, metricsTimer == nil {
                metricsTimer = Self.alarm(at: due, now: now(), cont: cont, .metricsDue)
            }
        }
        func metricsChanged() {
            guard settings.metrics != nil else { return }
            if schedule.changed(at: now()) == .write { writeMetrics(classifier, &schedule) }
            armMetrics()
        }
        metricsChanged()
        await withTaskCancellationHandler {
            for await input in inputs {
                switch input {
                case .observation(let o):
                    deliver(classifier.observe(o, at: now()))
                case .tick:
                    timerDeadline = nil
                    deliver(classifier.tick(at: now()))
                case .metricsDue:
                    metricsTimer = nil
                    if schedule.fired(at: now()) { writeMetrics(classifier, &schedule) }
                    armMetrics()  // a failed write is retried
                    continue
                case .trouble(let text):
                    warn(text)
                    continue
                case .ended:
                    return
                }
                metricsChanged()
                if let d = classifier.nextDeadline, d != timerDeadline {
                    timer?.cancel()
                    timerDeadline = d
                    timer = Self.alarm(at: d, now: now(), cont: cont, .tick)
                }
            }
        } onCancel: {
            cont.finish()
        }
    }

    /// Yield `input` at `date` (a task that sleeps; cancel it to disarm).
    static func alarm(at date: Date, now: Date, cont: AsyncStream<Input>.Continuation,
                      _ input: Input) -> Task<Void, Never> {
        let wait = max(0, date.timeIntervalSince(now)) + 0.001
        return Task {
            try? await Task.sleep(for: .seconds(wait))
            if !Task.isCancelled { cont.yield(input) }
        }
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The source's changes into `cont`; when they fail, say so and subscribe again (with a
    /// backoff of 0.1 s doubling to 5 s), starting with a resync to the state read anew.
    static func feed(_ source: any ObservationSource, first: AsyncThrowingStream<Observation, any Error>,
                     into cont: AsyncStream<Input>.Continuation) async {
        var changes: AsyncThrowingStream<Observation, any Error>? = first
        var backoff = 0.1
        while !Task.isCancelled {
            do {
                if changes == nil {
                    changes = try await source.changes()
                    cont.yield(.observation(.resync(try await source.snapshot())))
                }
                for try await o in changes! {
                    cont.yield(.observation(o))
                    backoff = 0.1
                }
                cont.yield(.ended)
                return
            } catch {
                if Task.isCancelled { return }
                cont.yield(.trouble("link notifications failed: \(error); subscribing again in \(backoff) s"))
                changes = nil
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 5)
            }
        }
    }

    /// The bridge topology poll into `cont`. A failed read (a storm can interrupt its dump
    /// again and again) is said once, then once more per minute while it lasts.
    static func poll(_ source: any ObservationSource, every interval: Duration,
                     into cont: AsyncStream<Input>.Continuation) async {
        var failing = false
        var lastReport = Date.distantPast
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                for o in try await source.pollBridges() { cont.yield(.observation(o)) }
                for o in try await source.pollBonds() { cont.yield(.observation(o)) }
                if failing { cont.yield(.trouble("bridge topology poll works again")) }
                failing = false
            } catch {
                if !failing || Date().timeIntervalSince(lastReport) >= 60 {
                    cont.yield(.trouble("bridge topology poll failed: \(error) (retrying every poll)"))
                    lastReport = Date()
                }
                failing = true
            }
        }
    }

    func deliver(_ events: [MonitorEvent]) {
        for e in events { for sink in emitters { sink.emit(e) } }
    }

    /// Render the metrics of the current state and write them (unless unchanged).
    func writeMetrics(_ c: Classifier, _ schedule: inout MetricsSchedule) {
        guard let m = settings.metrics, let state = c.state else { return }
        let dropped = emitters.compactMap { $0 as? TCPSyslogEmitter }.reduce(0) { $0 + $1.dropped }
        let uplinks = c.options.links == .uplinks ? c.uplinkNames(in: state) : []
        let text = MetricsText.render(state: state, groups: c.groups.values.sorted { $0.name < $1.name },
                                      flapping: c.dampener.flapping,
                                      links: { c.watched($0, uplinks: uplinks) }, droppedEvents: dropped)
        guard lastMetrics.get() != text else { return }
        do {
            try m.write(text)
            lastMetrics.set(text)
            if let line = schedule.succeeded(at: now()) { warn(line) }
        } catch {
            if let line = schedule.failed("cannot write the metrics file \(m.path): \(error)", at: now()).report {
                warn(line)
            }
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
