// The probe processes of one scenario: an echo in the far namespace, a sender in the near one,
// each this executable under `ip netns exec NS` (so every thread is inside), talking to the drill
// through lines on stdout and ending when the drill closes their stdin.
import Foundation
import SystemIO

final class ProbeProcess: @unchecked Sendable {
    let label: String
    private let child: Child
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""
    private let errors = OutputBuffer(maxBytes: 65536)
    private var outDrain: Drain?, errDrain: Drain?

    init(label: String, namespace: String, executable: String, arguments: [String]) throws {
        self.label = label
        let outside = (try? NetworkNamespace.identity()).map { ["--outside", String($0)] } ?? []
        let argv = ["/usr/bin/env", "ip", "netns", "exec", namespace, executable, "lab-probe"] + outside + arguments
        do { child = try Child(argv, stdin: .pipe, stdout: .pipe, stderr: .pipe) } catch {
            throw DrillError("cannot start the \(label) probe: \(error)")
        }
        DrillUndo.shared.started(child)
        do {
            outDrain = try child.drain(child.stdout!) { [weak self] in self?.take($0) }
            errDrain = try child.drain(child.stderr!) { [errors] in errors.append($0) }
        } catch {
            stop()
            throw DrillError("cannot start the \(label) probe: \(error)")
        }
    }

    private func take(_ data: [UInt8]) {
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
            if !child.isRunning { break }
            usleep(10_000)
        }
        // Its stderr once it has ended (all of it: the reader reaches end of file).
        let ended = !child.isRunning && errDrain?.wait(timeout: .seconds(1)) != false
        let why = ended ? errors.text : ""
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
        child.closeStdin()
        let status = child.wait() ?? -1
        DrillUndo.shared.ended(child)
        outDrain?.wait(timeout: .seconds(5))
        guard let last = seen.last, let report = try? JSONDecoder().decode(ProbeReport.self, from: Data(last.utf8)) else {
            throw DrillError("the \(label) probe ended without a report (exit \(status))")
        }
        return report
    }

    func stop() {
        child.closeStdin()
        child.signal(SIGTERM)
        child.wait()
        DrillUndo.shared.ended(child)
    }
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
