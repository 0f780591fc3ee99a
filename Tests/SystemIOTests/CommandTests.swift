// Command.run with real children (/bin/sh, head, sleep): both pipes drained together (a child
// that fills stderr before writing stdout finishes), exit status and signals, the timeout kills,
// output caps, a missing program. Any user.
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
}
