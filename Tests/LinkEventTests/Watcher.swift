// Runs `link-watch` under `ip netns exec` and collects its JSON lines while the test changes
// the namespace's links.
import Foundation
import NodeNetwork
import TestSupport

struct WatchLine: Decodable, Sendable {
    struct Update: Decodable, Sendable {
        var interface: Interface
        var source: String
        var event: String?
    }
    struct Bridge: Decodable, Sendable {
        var name: String
        var settings: BridgeSettings
    }
    var type: String
    var time: Double
    var snapshot: NetworkState?
    var update: Update?
    var name: String?
    var index: Int?
    var overruns: Int?
    var bridges: [Bridge]?
}

final class Watcher: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var collected: [WatchLine] = []
    private var errors = Data()
    private var undecodable: [String] = []

    init(_ ns: Namespace, _ arguments: [String] = []) throws {
        let binary = buildProductsDirectory().appendingPathComponent("link-watch").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", ns.name, binary] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outHandle = out.fileHandleForReading, errHandle = err.fileHandleForReading
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = outHandle.availableData
                if chunk.isEmpty { return }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = Data(pending[pending.startIndex..<newline])
                    pending.removeSubrange(pending.startIndex...newline)
                    let decoded = try? JSONDecoder().decode(WatchLine.self, from: line)
                    lock.withLock {
                        if let decoded { collected.append(decoded) } else {
                            undecodable.append(String(decoding: line, as: UTF8.self))
                        }
                    }
                }
            }
        }
        Thread.detachNewThread { [self] in
            while true {
                let chunk = errHandle.availableData
                if chunk.isEmpty { return }
                lock.withLock { errors.append(chunk) }
            }
        }
    }

    var lines: [WatchLine] { lock.withLock { collected } }
    var stderr: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }
    var badLines: [String] { lock.withLock { undecodable } }

    /// Wait (bounded) until `condition` holds for the lines so far.
    func wait(timeout: Double, _ condition: ([WatchLine]) -> Bool) -> Bool {
        waitUntil(timeout: timeout, interval: 0.02) { condition(lines) }
    }

    /// The initial snapshot, once printed.
    func snapshot(timeout: Double = 10) -> NetworkState? {
        _ = wait(timeout: timeout) { $0.contains { $0.type == "snapshot" } }
        return lines.first { $0.type == "snapshot" }?.snapshot
    }

    /// Link updates of `name`, in order.
    func updates(_ name: String) -> [Interface] {
        lines.compactMap { $0.update?.interface }.filter { $0.name == name }
    }

    /// The state as the stream tells it: the last snapshot (initial or overrun) with every
    /// later update applied.
    func currentState() -> NetworkState? {
        var state: NetworkState?
        for line in lines {
            switch line.type {
            case "snapshot", "overrun": state = line.snapshot
            case "link":
                guard let i = line.update?.interface else { continue }
                if let at = state?.interfaces.firstIndex(where: { $0.index == i.index }) {
                    state?.interfaces[at] = i
                } else {
                    state?.interfaces.append(i)
                }
            case "removed":
                state?.interfaces.removeAll { $0.index == line.index }
            default: break
            }
        }
        return state
    }

    /// The exit status once the process ended by itself within `timeout`, else nil.
    func waitForExit(timeout: Double) -> Int32? {
        guard waitUntil(timeout: timeout, { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        if !waitUntil(timeout: 3, { !process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    deinit { stop() }
}
