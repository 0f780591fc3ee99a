// The programs the lab runs: iproute2 and this executable, by argv (never through a shell),
// waited for with their output captured; and the monitors, started detached.
import Foundation
import SystemIO

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Command {
    static let ip = FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip"
    static let bridge = FileManager.default.isExecutableFile(atPath: "/usr/sbin/bridge") ? "/usr/sbin/bridge" : "/sbin/bridge"

    /// Run `argv` and wait. stdin is /dev/null.
    static func run(_ argv: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw LabError("cannot run \(argv[0]): \(error)")
        }
        // Read both pipes while it runs, so a chatty child never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box(), group = DispatchGroup(), errHandle = err.fileHandleForReading
        group.enter()
        DispatchQueue.global().async { errBox.data = errHandle.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Run `argv`; throw naming the command and its stderr unless it exits 0.
    @discardableResult
    static func check(_ argv: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let r = try run(argv, environment: environment)
        guard r.status == 0 else {
            let why = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LabError("`\(argv.joined(separator: " "))` failed (exit \(r.status))\(why.isEmpty ? "" : ": " + why)")
        }
        return r
    }

    /// `ip -n NS …`, checked.
    @discardableResult
    static func ipIn(_ namespace: String, _ arguments: [String]) throws -> CommandResult {
        try check([ip, "-n", namespace] + arguments)
    }

    /// Start `argv` detached: its own session, stdin /dev/null, stdout and stderr appended to
    /// `log`, no other descriptor inherited. Returns its pid and /proc start time.
    static func spawnDetached(_ argv: [String], log: String) throws -> (pid: Int32, startTime: UInt64) {
        let fd = try Files.openOwn(log, what: "monitor log", append: true)
        defer { close(fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all); sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc 2.26)
        posix_spawnattr_setflags(&attributes, Int16(setsid | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        // A pipe end inherited by a long-lived monitor would keep its reader waiting for EOF.
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            for n in fds.compactMap({ Int32($0) }) where n > 2 {
                let flags = fcntl(n, F_GETFD)
                if flags >= 0 { _ = fcntl(n, F_SETFD, flags | FD_CLOEXEC) }
            }
        }
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, environ)
        guard rc == 0 else { throw LabError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        guard let identity = Processes.identity(of: pid) else {
            throw LabError("\(argv.dropFirst(4).prefix(2).joined(separator: " ")) (pid \(pid)) exited at once; see \(log)")
        }
        return (pid, identity.startTime)
    }
}
