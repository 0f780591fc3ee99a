// Run a short-lived helper program (drbdsetup, nft) from an argv, never a shell string: stdin
// from /dev/null, stdout and stderr drained together with poll(2) (so a child that fills one
// pipe while we wait on the other cannot deadlock), bounded in bytes and in time.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum Command {
    public struct Result: Sendable, Equatable {
        /// The exit status (0…255), or 128 + the signal number when a signal ended the child.
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        /// The child outlived the timeout and was killed (SIGKILL); status says so too.
        public var timedOut: Bool
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Run `argv` (argv[0] looked up in PATH when it has no slash) and collect its output.
    /// Output past `maxBytes` per stream is read and dropped. Throws `SystemError` only when the
    /// program cannot be started (not found, not executable).
    public static func run(_ argv: [String], timeout: Duration = .seconds(30),
                           maxBytes: Int = 16 << 20) throws -> Result {
        precondition(!argv.isEmpty, "Command.run needs a program")
        let out = try pipePair(argv[0]), err = try pipePair(argv[0])
        let pid: pid_t
        do { pid = try spawn(argv, stdout: out.write, stderr: err.write) } catch {
            for fd in [out.read, out.write, err.read, err.write] { close(fd) }
            throw error
        }
        close(out.write); close(err.write)
        defer { close(out.read); close(err.read) }
        var result = Result(status: 0, stdout: [], stderr: [], timedOut: false)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        result.timedOut = !drain([(out.read, \Result.stdout), (err.read, \Result.stderr)], into: &result,
                                 deadline: deadline, maxBytes: maxBytes)
        if result.timedOut { kill(pid, SIGKILL) }
        // A child that closed its output but lives on is bounded by the same deadline.
        let (status, killed) = wait(pid, deadline: deadline)
        result.status = status
        result.timedOut = result.timedOut || killed
        return result
    }

    private static func pipePair(_ program: String) throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try posix("create a pipe for", program) { pipe(&fds) }
        // Close-on-exec, so that no other child inherits our ends (pipe2 is not in Glibc's module).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private static func spawn(_ argv: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // The child starts with no signal blocked and every signal at its default action, whatever
        // the caller (a service loop, a test runner) blocked or ignored.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none); sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = argv[0].contains("/")
            ? posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
            : posix_spawnp(&pid, argv[0], &actions, &attributes, &cArgs, environ)
        guard rc == 0 else {
            throw SystemError("run", argv[0], errno: rc, fix: "install \(argv[0]) or give its full path")
        }
        return pid
    }

    /// Read every stream until all reach end of file; false when the deadline came first.
    private static func drain(_ streams: [(fd: Int32, into: WritableKeyPath<Result, [UInt8]>)],
                              into result: inout Result, deadline: ContinuousClock.Instant,
                              maxBytes: Int) -> Bool {
        var open = streams
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            var polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ms = Int32(min(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000), 60_000))
            if poll(&polls, nfds_t(polls.count), ms) <= 0 { continue }
            for (i, p) in polls.enumerated().reversed() where p.revents != 0 {
                let n = read(p.fd, &chunk, chunk.count)
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 { open.remove(at: i); continue }
                let room = max(0, maxBytes - result[keyPath: open[i].into].count)
                result[keyPath: open[i].into] += chunk[0..<min(n, room)]
            }
        }
        return true
    }

    /// Reap `pid` (killing it at the deadline); its exit status, or 128 + signal, and whether
    /// it had to be killed.
    private static func wait(_ pid: pid_t, deadline: ContinuousClock.Instant) -> (Int32, Bool) {
        var status: Int32 = 0
        var killed = false
        while true {
            let r = waitpid(pid, &status, killed ? 0 : WNOHANG)
            if r == pid { break }
            if r == -1 && errno != EINTR { return (-1, killed) }
            if r == 0 {
                if ContinuousClock.now >= deadline { kill(pid, SIGKILL); killed = true } else { usleep(2000) }
            }
        }
        let signal = status & 0x7f
        return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, killed)
    }
}
