// The programs the lab runs: iproute2 and this executable, by argv (never through a shell),
// through SystemIO's one runner (Command for a program waited for, Child for the monitors,
// started detached).
import Foundation
import SystemIO

extension Command {
    static let ip = FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip"
    static let bridge = FileManager.default.isExecutableFile(atPath: "/usr/sbin/bridge") ? "/usr/sbin/bridge" : "/sbin/bridge"

    /// The bound on one program the lab waits for: generous (an apply in a qemu guest under TCG
    /// is slow), so that only a hung program is ever killed.
    static let labTimeout: Duration = .seconds(600)

    /// Run `argv` and wait (stdin /dev/null, both outputs read together); a LabError when it
    /// cannot be started.
    static func labRun(_ argv: [String], environment: [String: String] = [:]) throws -> Result {
        do { return try run(argv, environment: environment, timeout: labTimeout) } catch {
            throw LabError("cannot run \(argv[0]): \(error)")
        }
    }

    /// Run `argv`; throw naming the command and its stderr unless it exits 0.
    @discardableResult
    static func check(_ argv: [String], environment: [String: String] = [:]) throws -> Result {
        let r = try labRun(argv, environment: environment)
        guard r.status == 0 else {
            let why = r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LabError("`\(argv.joined(separator: " "))` failed (exit \(r.status))\(why.isEmpty ? "" : ": " + why)")
        }
        return r
    }

    /// `ip -n NS …`, checked.
    @discardableResult
    static func ipIn(_ namespace: String, _ arguments: [String]) throws -> Result {
        try check([ip, "-n", namespace] + arguments)
    }

    /// Start `argv` detached: its own session, stdin /dev/null, stdout and stderr appended to
    /// `log`, no other descriptor inherited. Returns its pid and /proc start time.
    static func spawnDetached(_ argv: [String], log: String) throws -> (pid: Int32, startTime: UInt64) {
        let fd = try Files.openOwn(log, what: "monitor log", append: true)
        defer { close(fd) }
        let child: Child
        do {
            child = try Child(argv, stdin: .null, stdout: .descriptor(fd), stderr: .descriptor(fd),
                              newSession: true, closeOthers: true)
        } catch let e as SystemError {
            throw LabError("cannot start \(argv[0]): \(e.reason)")
        }
        guard let identity = Processes.identity(of: child.pid) else {
            throw LabError("\(argv.dropFirst(4).prefix(2).joined(separator: " ")) (pid \(child.pid)) exited at once; see \(log)")
        }
        return (child.pid, identity.startTime)
    }
}
