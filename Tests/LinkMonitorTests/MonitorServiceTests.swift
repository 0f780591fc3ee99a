import Testing
import Foundation
import Glibc
import MonitorCore
import NodeNetwork
@testable import LinkMonitor
import SystemIO
import TestSupport

/// Wait (bounded) without blocking a thread of the cooperative pool (2 on a 2-core machine). The
/// bound is generous: it only matters when the condition never comes, and a run of parallel
/// suites that block the pool's threads once starved this test past 10 s.
func eventually(timeout: Double = 60, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// A scripted source: the test pushes observations and sets what the topology poll returns.
final class ScriptedSource: ObservationSource, @unchecked Sendable {
    let lock = NSLock()
    var state: NetworkState
    var bridges: [Observation] = []
    var polls = 0
    let stream: AsyncThrowingStream<Observation, any Error>
    let cont: AsyncThrowingStream<Observation, any Error>.Continuation

    init(_ state: NetworkState) {
        self.state = state
        (stream, cont) = AsyncThrowingStream.makeStream()
    }
    func changes() async throws -> AsyncThrowingStream<Observation, any Error> { stream }
    func snapshot() async throws -> NetworkState { lock.withLock { state } }
    func pollBridges() async throws -> [Observation] {
        lock.withLock { polls += 1; return bridges }
    }
    func push(_ o: Observation) { cont.yield(o) }
}

final class CollectingEmitter: EventEmitter, @unchecked Sendable {
    let lock = NSLock()
    var events: [MonitorEvent] = []
    var closed = false
    func emit(_ event: MonitorEvent) { lock.withLock { events.append(event) } }
    func close(timeout: TimeInterval) { lock.withLock { closed = true } }
    var snapshot: [MonitorEvent] { lock.withLock { events } }
    func wait(for kind: EventKind, count: Int = 1,
              where match: @Sendable (MonitorEvent) -> Bool = { _ in true }) async -> Bool {
        await eventually { self.snapshot.filter { $0.event == kind && match($0) }.count >= count }
    }
}

func node(peth0: Bool = true, up0: Int = 1, down0: Int = 0, root: String = "8000.aa") -> NetworkState {
    NetworkState(interfaces: [
        Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true, rootID: root,
                                                                         topologyChangeCount: 0)),
        Interface(name: "peth0", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(state: peth0 ? .forwarding : .disabled),
                  carrier: peth0, carrierUpCount: up0, carrierDownCount: down0),
        Interface(name: "peth1", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(state: .blocking), carrier: true,
                  carrierUpCount: 1, carrierDownCount: 0),
    ])
}

@Suite struct MonitorServiceTests {
    @Test func eventsFlowToEveryEmitterAndMetricsFollow() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgt-mon-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let metricsPath = dir.appendingPathComponent("xgscale.prom").path
        // JSON lines go through a pipe: each line must be readable as soon as it is emitted.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let json = JSONLinesEmitter(fd: fds[1])
        let sink = CollectingEmitter()
        let source = ScriptedSource(node())
        let settings = MonitorSettings(
            classifier: ClassifierOptions(dampening: FlapDampening(threshold: 4, window: 10, settle: 0.3)),
            topologyPoll: .milliseconds(50), metrics: MetricsFileWriter(path: metricsPath))
        let monitor = Monitor(source: source, emitters: [json, sink], settings: settings)
        let run = Task { try await monitor.run() }

        #expect(await sink.wait(for: .redundancy, where: { $0.to == "ok" }))
        let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: false)
        let firstLine = String(decoding: reader.availableData, as: UTF8.self)
        #expect(firstLine.hasPrefix("{\"event\":\"redundancy\""))
        #expect(firstLine.hasSuffix("}\n"))

        source.push(.snapshot(node(peth0: false, up0: 1, down0: 1)))
        #expect(await sink.wait(for: .redundancy, where: { $0.to == "degraded" }))
        #expect(await eventually {
            ((try? String(contentsOfFile: metricsPath, encoding: .utf8)) ?? "")
                .contains("xgscale_redundancy_state{group=\"xenbr0\",kind=\"stp\"} 1")
        })
        #expect(try String(contentsOfFile: metricsPath, encoding: .utf8).contains("xgscale_link_carrier{interface=\"peth0\"} 0"))

        // The topology poll reports a new root without any netlink message.
        source.lock.withLock {
            source.bridges = [.bridge(name: "xenbr0", settings: BridgeSettings(stp: true, rootID: "8000.bb",
                                                                              topologyChangeCount: 1))]
        }
        #expect(await sink.wait(for: .rootChange))
        #expect(await sink.wait(for: .topologyChange))

        // Flapping, then the settle summary arrives by the monitor's own timer.
        var up = 1, down = 1
        for k in 0..<8 {
            if k % 2 == 0 { up += 1 } else { down += 1 }
            source.push(.snapshot(node(peth0: k % 2 == 0, up0: up, down0: down, root: "8000.bb")))
        }
        #expect(await sink.wait(for: .linkFlapping, where: { $0.to == "flapping" }))
        #expect(await sink.wait(for: .linkFlapping, where: { $0.to == "stable" }))
        #expect(sink.snapshot.filter { $0.event == .linkFlapping }.count == 2)

        run.cancel()
        try await run.value
        #expect(sink.closed)
        close(fds[1])
        let rest = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        let lines = rest.split(separator: "\n")
        #expect(lines.count == sink.snapshot.count - 1)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test func sourceEndEndsTheMonitorAndOneshotReportsState() async throws {
        let source = ScriptedSource(node(peth0: false))
        let report = try await Monitor.oneshot(source: source, profile: nil)
        #expect(report.state == .degraded && report.exitCode == 1)
        let sink = CollectingEmitter()
        let monitor = Monitor(source: source, emitters: [sink], settings: MonitorSettings(topologyPoll: .seconds(60)))
        source.cont.finish()
        try await monitor.run()
        #expect(sink.snapshot.map(\.event) == [.redundancy])
        #expect(sink.closed)
    }

    @Test func signalStopsTheServiceCleanly() async throws {
        let source = ScriptedSource(node())
        let sink = CollectingEmitter()
        let monitor = Monitor(source: source, emitters: [sink], settings: MonitorSettings(topologyPoll: .seconds(60)))
        // SIGUSR2 stands in for SIGTERM here so a stray signal cannot end the test runner.
        let killer = Task {
            _ = await eventually { !sink.snapshot.isEmpty }
            kill(getpid(), SIGUSR2)
        }
        let sig = try await TerminationSignals.run(signals: [SIGUSR2]) { try await monitor.run() }
        await killer.value
        #expect(sig == SIGUSR2)
        #expect(sink.closed)
    }
}

@Suite struct MetricsFileTests {
    @Test func writeReplacesTheFileAtomicallyAndLeavesNoTemp() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgt-prom-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("xgscale.prom").path
        let w = MetricsFileWriter(path: path)
        try w.write("a 1\n")
        var before = stat(); stat(path, &before)
        try w.write("a 2\n")
        var after = stat(); stat(path, &after)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a 2\n")
        // A new inode: readers see the old file or the new one, never a half-written one.
        #expect(before.st_ino != after.st_ino)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["xgscale.prom"])
        #expect(throws: SystemError.self) { try MetricsFileWriter(path: dir.path + "/none/x.prom").write("") }
    }
}
