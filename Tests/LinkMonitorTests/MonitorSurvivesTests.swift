import Testing
import Foundation
import MonitorCore
import NodeNetwork
@testable import LinkMonitor

/// A source whose subscription fails (as a socket error would end the netlink one) and whose
/// topology poll fails, for a while: the monitor must say so and go on, never exit.
final class FailingSource: ObservationSource, @unchecked Sendable {
    let lock = NSLock()
    var state: NetworkState
    var subscriptions = 0
    var pollFailures: Int
    var live: AsyncThrowingStream<Observation, any Error>.Continuation?

    init(_ state: NetworkState, pollFailures: Int) { self.state = state; self.pollFailures = pollFailures }

    func changes() async throws -> AsyncThrowingStream<Observation, any Error> {
        let (stream, cont) = AsyncThrowingStream<Observation, any Error>.makeStream()
        let n = lock.withLock { subscriptions += 1; return subscriptions }
        if n == 1 {
            // The first subscription fails soon after it starts.
            Task {
                try? await Task.sleep(for: .milliseconds(50))
                cont.finish(throwing: Failure())
            }
        } else {
            lock.withLock { live = cont }
        }
        return stream
    }
    func snapshot() async throws -> NetworkState { lock.withLock { state } }
    func pollBridges() async throws -> [Observation] {
        try lock.withLock {
            if pollFailures > 0 { pollFailures -= 1; throw Failure() }
            return []
        }
    }
    struct Failure: Error, CustomStringConvertible { var description: String { "receive link notifications: Out of memory" } }
}

final class Lines: @unchecked Sendable {
    let lock = NSLock()
    var all: [String] = []
    func add(_ s: String) { lock.withLock { all.append(s) } }
    var snapshot: [String] { lock.withLock { all } }
}

@Suite struct MonitorSurvivesTests {
    @Test func aFailedSubscriptionIsRenewedAndAFailingPollIsSaidOnce() async throws {
        let source = FailingSource(node(), pollFailures: 20)
        let sink = CollectingEmitter()
        let stderr = Lines()
        let monitor = Monitor(source: source, emitters: [sink], settings: MonitorSettings(topologyPoll: .milliseconds(10)),
                              warn: { stderr.add($0) })
        let started = Date()
        let run = Task { try await monitor.run() }

        // Subscribed again, starting with a resync to the state read anew.
        // Generous bounds: kernel tests running beside this one can hold the cooperative pool.
        #expect(await eventually(timeout: 90) { sink.snapshot.contains { $0.event == .resync } })
        #expect(await eventually(timeout: 90) { source.lock.withLock { source.live != nil } })
        #expect(stderr.snapshot.contains { $0.hasPrefix("link notifications failed: receive link notifications: Out of memory; subscribing again") })
        // Events flow through the new subscription.
        source.lock.withLock { source.live }?.yield(.snapshot(node(peth0: false, up0: 1, down0: 1)))
        #expect(await eventually(timeout: 90) { sink.snapshot.contains { $0.event == .redundancy && $0.to == "degraded" } })
        // 20 failed polls: one line, then one when it works again.
        #expect(await eventually(timeout: 90) { stderr.snapshot.contains("bridge topology poll works again") })
        // Said once, and again only once per minute while it lasts: under a heavily loaded test
        // run the 20 failing polls can span more than a minute.
        let minutes = Int(Date().timeIntervalSince(started) / 60)
        let said = stderr.snapshot.filter { $0.hasPrefix("bridge topology poll failed") }.count
        #expect(said >= 1 && said <= 1 + minutes, "\(stderr.snapshot)")
        #expect(!run.isCancelled)
        run.cancel()
        try await run.value
        #expect(sink.closed)
    }
}
