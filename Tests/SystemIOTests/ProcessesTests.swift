// Signalling only a proved process: pid <= 1 never, a reused pid (other start time) never, a
// process without the expected token never; the proved one is signalled. Any user.
import Foundation
import SystemIO
import Testing

@Suite struct ProcessesTests {
    func sleeper() throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sleep")
        p.arguments = ["60"]
        try p.run()
        // Process.run may return before the child has exec'd sleep, and the kernel shows the new
        // comm before the new command line: wait for the command line.
        // Under load exec may take a while: wait (bounded) until both the command line and the
        // executable are sleep's.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? Processes.arguments(of: p.processIdentifier))?.contains("60") == true,
               Processes.identity(of: p.processIdentifier)?.executable.hasSuffix("sleep") == true { break }
            usleep(10_000)
        }
        return p
    }

    @Test func pidsOneAndBelowAreNeverSignalled() {
        for pid: Int32 in [-1, 0, 1] {
            let fake = ProcessIdentity(pid: pid, startTime: 0, executable: "/bin/sleep")
            #expect(Processes.signal(fake, token: "60", signal: 0) == .refused("pid \(pid) is never signalled"))
        }
    }

    @Test func onlyTheProvedProcessIsSignalled() throws {
        let p = try sleeper()
        defer { p.terminate(); p.waitUntilExit() }
        let id = try #require(Processes.identity(of: p.processIdentifier))
        #expect(id.executable.hasSuffix("sleep"))
        var reused = id
        reused.startTime += 1
        #expect(Processes.signal(reused, token: "60", signal: SIGKILL) != .signalled)
        var otherProgram = id
        otherProgram.executable = "/usr/bin/xg-scale"
        #expect(Processes.signal(otherProgram, token: "60", signal: SIGKILL) != .signalled)
        #expect(Processes.signal(id, token: "revert-id", signal: SIGKILL) != .signalled)
        #expect(p.isRunning)
        #expect(Processes.signal(id, token: "60", signal: SIGKILL) == .signalled, "arguments now: \((try? Processes.arguments(of: p.processIdentifier)) ?? [])")
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL)
        #expect(Processes.identity(of: p.processIdentifier) == nil)
    }

    @Test func theNamespaceIdentityIsTheInodeOfProcSelfNsNet() throws {
        var st = stat()
        #expect(stat("/proc/self/ns/net", &st) == 0)
        #expect(try NetworkNamespace.identity() == UInt64(st.st_ino))
    }
}
