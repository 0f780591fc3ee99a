// One running node side: the child process (ssh, or the --exec template), its stdin for
// tasks, its stdout read line by line against deadlines, its stderr kept for the error text.
import Foundation
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

final class NodeSession: @unchecked Sendable {
    let node: String
    private let process = Process()
    private let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
    private lazy var lines = LineReader(fd: stdoutPipe.fileHandleForReading.fileDescriptor)
    private var sendFailed = false
    private let lock = NSLock()
    private var errText: [UInt8] = []
    private let errDone = DispatchSemaphore(value: 0)
    /// stdout reached end of file, or stdin refused a line (the node side or its transport ended).
    var sawEOF: Bool { sendFailed || lines.atEnd }

    init(node: String, argv: [String]) {
        self.node = node
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--"] + argv
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
    }

    func start() throws {
        try process.run()
        let fd = stderrPipe.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.withLock { if errText.count < 65536 { errText += chunk[0..<n] } }
            }
            errDone.signal()
        }
    }

    /// What the node side or its transport wrote on stderr (last lines, trimmed).
    var stderrText: String {
        let t = lock.withLock { String(decoding: errText, as: UTF8.self) }
        let lines = t.split(separator: "\n").suffix(3).joined(separator: "; ")
        return lines.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Write one line; false when the node side is gone.
    func send(_ data: Data) -> Bool {
        let fd = stdinPipe.fileHandleForWriting.fileDescriptor
        guard (try? Files.writeAll(fd, [UInt8](data) + [10], path: "the node side's stdin")) != nil else {
            sendFailed = true
            return false
        }
        return true
    }

    /// The next line of stdout, nil at end of file or when `deadline` passes.
    func readLine(deadline: ContinuousClock.Instant) -> Data? {
        lines.next(deadline: deadline)
    }

    /// Close stdin (the node side ends), wait up to `grace` for the exit, then end the child.
    func finish(grace: Duration) {
        try? stdinPipe.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { usleep(5000) }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let hard = ContinuousClock.now + .milliseconds(500)
        while process.isRunning && ContinuousClock.now < hard { usleep(5000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        waitStderr(1)
    }

    /// Why no answer came: the transport's own words when it ended, else the time waited.
    func failure(waitedMs: Int) -> String {
        guard sawEOF else { return "no answer from the node side within \(waitedMs) ms" }
        let deadline = ContinuousClock.now + .seconds(1)
        while process.isRunning && ContinuousClock.now < deadline { usleep(2000) }
        waitStderr(0.5)
        let status = process.isRunning ? "" : " (exit status \(process.terminationStatus))"
        let text = stderrText
        return "the node side ended without answering\(status)" + (text.isEmpty ? "" : ": \(text)")
    }

    /// Wait for the stderr reader to reach end of file (and leave the signal for the next waiter).
    private func waitStderr(_ seconds: Double) {
        if errDone.wait(timeout: .now() + seconds) == .success { errDone.signal() }
    }

    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
}

extension Duration {
    var milliseconds: Int {
        let (s, a) = components
        return Int(s) * 1000 + Int(a / 1_000_000_000_000_000)
    }
}
