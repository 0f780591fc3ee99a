// Command.run with real children (/bin/sh, head, sleep): both pipes drained together (a child
// that fills stderr before writing stdout finishes), stdin fed while they are, the environment
// added to, exit status and signals, the timeout kills, output caps, a missing program; and
// Child, the long-lived runner. Any user.
import Foundation
import SystemIO
import Testing

@Suite struct CommandTests {
    @Test func stderrFilledBeforeStdoutDoesNotDeadlock() throws {
        // 200 kB on stderr is three times a pipe's buffer: a runner reading stdout to its end
        // first waits forever while the child waits for room on stderr.
        let r = try Command.run(["/bin/sh", "-c", "head -c 200000 /dev/zero >&2; echo done"], timeout: .seconds(60))
        #expect(!r.timedOut)
        #expect(r.status == 0)
        #expect(r.stderr.count == 200_000)
        #expect(r.stdoutText == "done\n")
    }

    @Test func exitStatusAndSignalAreReported() throws {
        #expect(try Command.run(["/bin/sh", "-c", "exit 3"]).status == 3)
        #expect(try Command.run(["/bin/sh", "-c", "kill -TERM $$"]).status == 128 + SIGTERM)
        // argv[0] without a slash is looked up in PATH; each argument arrives as one word.
        #expect(try Command.run(["printf", "%s|", "a b", "c"]).stdoutText == "a b|c|")
    }

    @Test func aChildOutlivingTheTimeoutIsKilled() throws {
        let start = ContinuousClock.now
        let r = try Command.run(["/bin/sleep", "30"], timeout: .milliseconds(300))
        #expect(r.timedOut)
        #expect(r.status == 128 + SIGKILL)
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func aChildThatClosesItsOutputButLivesOnIsKilledAtTheDeadline() throws {
        let start = ContinuousClock.now
        let r = try Command.run(["/bin/sh", "-c", "exec >&- 2>&-; exec sleep 30"], timeout: .milliseconds(300))
        #expect(r.timedOut && r.status == 128 + SIGKILL)
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func outputBeyondTheCapIsDropped() throws {
        let r = try Command.run(["/bin/sh", "-c", "head -c 100000 /dev/zero"], maxBytes: 1000)
        #expect(r.status == 0 && !r.timedOut)
        #expect(r.stdout.count == 1000)
    }

    @Test func aMissingProgramIsASystemError() {
        #expect(throws: SystemError.self) { try Command.run(["/nonexistent/xg-scale-no-such-program"]) }
        #expect(throws: SystemError.self) { try Command.run(["xg-scale-no-such-program-in-path"]) }
    }

    @Test func overAMebibyteOnStderrAndOnStdoutDoesNotHang() throws {
        // Each burst is many times a pipe's buffer, stderr first, then stdout, then stderr again:
        // a runner that reads one stream to its end before the other waits forever.
        let mib = 1 << 20
        let script = "head -c \(mib + 4096) /dev/zero >&2; head -c \(mib + 8192) /dev/zero; head -c \(mib) /dev/zero >&2"
        let start = ContinuousClock.now
        let r = try Command.run(["/bin/sh", "-c", script], timeout: .seconds(120))
        #expect(!r.timedOut && r.status == 0)
        #expect(r.stdout.count == mib + 8192)
        #expect(r.stderr.count == 2 * mib + 4096)
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func stdinIsFedWhileBothOutputsAreRead() throws {
        // tee copies 2 MiB of stdin to stdout and stderr as it reads: feeding stdin to its end
        // before reading, or reading one output first, stalls all three pipes.
        let input = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let r = try Command.run(["/bin/sh", "-c", "tee /dev/stderr"], stdin: input, timeout: .seconds(120))
        #expect(!r.timedOut && r.status == 0)
        #expect(r.stdout == input)
        #expect(r.stderr == input)
    }

    @Test func stdinAChildDoesNotReadNeitherKillsUsNorHangs() throws {
        // The child exits without reading: the write gets EPIPE (SIGPIPE is not delivered).
        let r = try Command.run(["/bin/true"], stdin: [UInt8](repeating: 65, count: 4 << 20), timeout: .seconds(60))
        #expect(!r.timedOut && r.status == 0)
        #expect(try Command.run(["/bin/cat"], stdin: []).stdout.isEmpty)
    }

    @Test func theEnvironmentIsAddedToNotReplaced() throws {
        let r = try Command.run(["/bin/sh", "-c", "printf '%s|%s' \"$XG_SCALE_TEST_VALUE\" \"$PATH\""],
                                environment: ["XG_SCALE_TEST_VALUE": "a b=c"])
        let parts = r.stdoutText.split(separator: "|", omittingEmptySubsequences: false)
        #expect(parts.first == "a b=c")
        #expect(parts.count == 2 && !parts[1].isEmpty, "PATH kept: \(r.stdoutText)")
    }
}

/// Child: a long-lived child with pipes, its output drained on reader threads.
@Suite struct ChildCommandTests {
    @Test func linesGoInAndComeBackAndStdinsEndEndsIt() throws {
        let c = try Child(["/bin/cat"], stdin: .pipe, stdout: .pipe, stderr: .null)
        let lines = LineReader(fd: c.stdout!)
        try c.write(Array("one\n".utf8))
        #expect(lines.next(deadline: .now + .seconds(30)) == Array("one".utf8))
        try c.write(Array("two\n".utf8))
        #expect(lines.next(deadline: .now + .seconds(30)) == Array("two".utf8))
        c.closeStdin()
        #expect(lines.next(deadline: .now + .seconds(30)) == nil && lines.atEnd)
        #expect(c.wait(until: .now + .seconds(30)) == 0)
        #expect(throws: SystemError.self) { try c.write(Array("late\n".utf8)) }
    }

    @Test func drainsKeepAChattyChildRunningAndSeeEverything() throws {
        let mib = 1 << 20
        let c = try Child(["/bin/sh", "-c", "head -c \(2 * mib) /dev/zero >&2; head -c \(2 * mib) /dev/zero"],
                          stdin: .null, stdout: .pipe, stderr: .pipe)
        let out = OutputBuffer(maxBytes: 4 * mib), err = OutputBuffer(maxBytes: 4 * mib)
        let d1 = try c.drain(c.stdout!) { out.append($0) }, d2 = try c.drain(c.stderr!) { err.append($0) }
        #expect(c.wait(until: .now + .seconds(60)) == 0)
        #expect(d1.wait(timeout: .seconds(30)) && d2.wait(timeout: .seconds(30)))
        #expect(out.text.utf8.count == 2 * mib && err.text.utf8.count == 2 * mib)
        // The buffer keeps what fits, no more.
        let small = OutputBuffer(maxBytes: 10)
        small.append(Array("0123456789abc".utf8))
        #expect(small.text == "0123456789")
    }

    @Test func endTerminatesAChildThatIgnoresStdinAndAReapedOneIsNotSignalled() throws {
        let c = try Child(["/bin/sleep", "60"], stdin: .pipe, stdout: .null, stderr: .null)
        let start = ContinuousClock.now
        #expect(c.isRunning)
        #expect(c.end(grace: .milliseconds(100)) == 128 + SIGTERM)
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(!c.isRunning && c.exitStatus == 128 + SIGTERM)
        c.signal(SIGKILL)  // reaped: its pid is not ours any more, nothing is sent
        #expect(c.exitStatus == 128 + SIGTERM)
    }

    @Test func aMissingProgramIsASystemError() {
        #expect(throws: SystemError.self) { try Child(["/nonexistent/xg-scale-no-such-program"]) }
    }
}
