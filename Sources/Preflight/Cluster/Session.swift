// One running node side: the child process (ssh, or the --exec template), its stdin for
// tasks, its stdout read line by line against deadlines, its stderr kept for the error text.
import Foundation
import SystemIO

final class NodeSession: @unchecked Sendable {
    let node: String
    private let argv: [String]
    private var child: Child?
    private var lines: LineReader?
    private var sendFailed = false
    private let errText = OutputBuffer(maxBytes: 65536)
    private var errDrain: Drain?
    /// stdout reached end of file, or stdin refused a line (the node side or its transport ended).
    var sawEOF: Bool { sendFailed || lines?.atEnd == true }

    init(node: String, argv: [String]) {
        self.node = node
        // Through env(1), as before: a transport missing from PATH ends with env's own words
        // ("No such file or directory") on stderr, reported as the node side ending.
        self.argv = ["/usr/bin/env", "--"] + argv
    }

    func start() throws {
        let c = try Child(argv, stdin: .pipe, stdout: .pipe, stderr: .pipe)
        child = c
        lines = LineReader(fd: c.stdout!)
        errDrain = try c.drain(c.stderr!) { [errText] in errText.append($0) }
    }

    /// What the node side or its transport wrote on stderr (last lines, trimmed).
    var stderrText: String {
        let lines = errText.text.split(separator: "\n").suffix(3).joined(separator: "; ")
        return lines.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Write one line; false when the node side is gone.
    func send(_ data: Data) -> Bool {
        guard let child, (try? child.write([UInt8](data) + [10])) != nil else {
            sendFailed = true
            return false
        }
        return true
    }

    /// The next line of stdout, nil at end of file or when `deadline` passes.
    func readLine(deadline: ContinuousClock.Instant) -> Data? {
        lines?.next(deadline: deadline).map { Data($0) }
    }

    /// Close stdin (the node side ends), wait up to `grace` for the exit, then end the child.
    func finish(grace: Duration) {
        child?.end(grace: grace)
        errDrain?.wait(timeout: .seconds(1))
    }

    /// Why no answer came: the transport's own words when it ended, else the time waited.
    func failure(waitedMs: Int) -> String {
        guard sawEOF else { return "no answer from the node side within \(waitedMs) ms" }
        let status = child?.wait(until: .now + .seconds(1))
        errDrain?.wait(timeout: .milliseconds(500))
        let text = stderrText
        return "the node side ended without answering\(status.map { " (exit status \($0))" } ?? "")" + (text.isEmpty ? "" : ": \(text)")
    }

    var exitStatus: Int32? { child?.exitStatus }
}

extension Duration {
    var milliseconds: Int {
        let (s, a) = components
        return Int(s) * 1000 + Int(a / 1_000_000_000_000_000)
    }
}
