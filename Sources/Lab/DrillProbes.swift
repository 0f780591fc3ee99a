// The probe processes of one scenario: an echo in the far namespace, a sender in the near one,
// each this executable under `ip netns exec NS` (so every thread is inside), talking to the drill
// through lines on stdout and ending when the drill closes their stdin.
import Foundation
import SystemIO

final class ProbeProcess: @unchecked Sendable {
    let label: String
    private let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""

    init(label: String, namespace: String, executable: String, arguments: [String]) throws {
        self.label = label
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let outside = (try? NetworkNamespace.identity()).map { ["--outside", String($0)] } ?? []
        process.arguments = ["ip", "netns", "exec", namespace, executable, "lab-probe"] + outside + arguments
        process.standardInput = input; process.standardOutput = output; process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] h in self?.take(h.availableData) }
        do { try process.run() } catch { throw DrillError("cannot start the \(label) probe: \(error)") }
        DrillUndo.shared.started(process)
    }

    private func take(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        partial += String(decoding: data, as: UTF8.self)
        while let nl = partial.firstIndex(of: "\n") {
            lines.append(String(partial[..<nl])); partial = String(partial[partial.index(after: nl)...])
        }
    }

    var seen: [String] { lock.lock(); defer { lock.unlock() }; return lines }

    /// Wait (bounded) for a line equal to `word`; a DrillError with the probe's stderr otherwise.
    func await(_ word: String, timeout: Double) throws {
        let end = ProbeClock.now() + timeout
        while ProbeClock.now() < end {
            if seen.contains(word) { return }
            if !process.isRunning { break }
            usleep(10_000)
        }
        let why = String(decoding: errors.fileHandleForReading.availableDataIfExited(process), as: UTF8.self)
        stop()
        throw DrillError("the \(label) probe did not report '\(word)' within \(Int(timeout)) s\(why.isEmpty ? "" : ": " + why.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// (sent, newest echoed sequence) from the latest status line.
    var status: (sent: Int, echoed: Int)? {
        guard let l = seen.last(where: { $0.hasPrefix("status ") }) else { return nil }
        let f = l.split(separator: " ")
        guard f.count == 3, let s = Int(f[1]), let e = Int(f[2]) else { return nil }
        return (s, e)
    }

    /// Close stdin, wait for the end, and decode the report (the last line).
    func finish() throws -> ProbeReport {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        DrillUndo.shared.ended(process)
        output.fileHandleForReading.readabilityHandler = nil
        take(output.fileHandleForReading.readDataToEndOfFile())
        guard let last = seen.last, let report = try? JSONDecoder().decode(ProbeReport.self, from: Data(last.utf8)) else {
            throw DrillError("the \(label) probe ended without a report (exit \(process.terminationStatus))")
        }
        return report
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        DrillUndo.shared.ended(process)
        output.fileHandleForReading.readabilityHandler = nil
    }
}

extension FileHandle {
    /// What the process wrote to this pipe, once it has ended (empty while it runs).
    func availableDataIfExited(_ p: Process) -> Data { p.isRunning ? Data() : readDataToEndOfFile() }
}

/// A stream from a near namespace to an address in a far one.
struct ProbePath {
    var path: String, fromNode: String, toNode: String
    var nearNamespace: String, farNamespace: String, farAddress: String, port: UInt16
}

/// The running probes of one scenario: echoes first, then senders, until every stream flows.
final class ProbeSet: @unchecked Sendable {
    let paths: [ProbePath]
    private var echoes: [ProbeProcess] = [], senders: [ProbeProcess] = []

    init(paths: [ProbePath], executable: String, intervalMs: Int) throws {
        self.paths = paths
        do {
            for p in paths {
                let e = try ProbeProcess(label: "\(p.path) echo (\(p.farNamespace))", namespace: p.farNamespace,
                                         executable: executable, arguments: ["--echo", "--port", String(p.port)])
                echoes.append(e)
                try e.await("ready", timeout: 10)
            }
            for p in paths {
                let s = try ProbeProcess(label: "\(p.path) sender (\(p.nearNamespace))", namespace: p.nearNamespace,
                                         executable: executable,
                                         arguments: ["--to", p.farAddress, "--port", String(p.port), "--interval-ms", String(intervalMs)])
                senders.append(s)
                try s.await("flowing", timeout: 10)
            }
        } catch {
            stop()
            throw error
        }
    }

    /// True when every stream's newest echo is recent (within `slack` probes of the newest sent).
    func flowing(slack: Int) -> Bool {
        senders.allSatisfy { s in s.status.map { $0.echoed >= $0.sent - 1 - slack } ?? false }
    }

    func finish() throws -> [ProbeReport] {
        defer { stop() }
        return try senders.map { try $0.finish() }
    }

    func stop() {
        senders.forEach { $0.stop() }
        echoes.forEach { $0.stop() }
    }
}
