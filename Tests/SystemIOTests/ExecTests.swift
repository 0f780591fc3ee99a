// Replacing this process: a program that cannot be run leaves us running, with the reason in the
// one error type (a program that can be run replaces us: `lab exec` in LabTests). Any user.
import Foundation
import SystemIO
import Testing

@Suite struct ExecTests {
    @Test func aMissingProgramIsAnErrorAndWeRunOn() {
        let e = Exec.replace(with: ["/nonexistent-xg-scale/ip", "netns", "exec", "x", "true"])
        #expect(e.errno == ENOENT && e.operation == "run" && e.path == "/nonexistent-xg-scale/ip")
        #expect(e.summary == "cannot run /nonexistent-xg-scale/ip: No such file or directory")
    }

    @Test func aFileThatIsNotExecutableIsRefusedByTheKernel() throws {
        let path = "/tmp/xg-exec-\(getpid())-\(UUID().uuidString.prefix(8))"
        try "#!/bin/sh\nexit 0\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        chmod(path, 0o644)
        let e = Exec.replace(with: [path])
        // Root may exec no file without an execute bit either (EACCES for everyone).
        #expect(e.errno == EACCES, "\(e)")
        #expect(e.summary == "cannot run \(path): Permission denied")
    }
}
