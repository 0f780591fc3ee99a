// Run a short-lived helper program (drbdsetup, nft, ip) from an argv, never a shell string:
// stdin from /dev/null or fed from bytes, stdout and stderr drained together with poll(2) (so a
// child that fills one pipe while we wait on the other, or on its stdin, cannot deadlock),
// bounded in bytes and in time.
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
    /// `environment` is added to ours (replacing a variable of the same name). `stdin`: bytes
    /// written to the child's stdin while its output is read (nil: /dev/null). Output past
    /// `maxBytes` per stream is read and dropped. Throws `SystemError` only when the program
    /// cannot be started (not found, not executable).
    public static func run(_ argv: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil,
                           timeout: Duration = .seconds(30), maxBytes: Int = 16 << 20) throws -> Result {
        precondition(!argv.isEmpty, "Command.run needs a program")
        let out = try Spawn.pipePair(for: argv[0]), err = try Spawn.pipePair(for: argv[0])
        let input: (read: Int32, write: Int32)?
        do { input = try stdin.map { _ in try Spawn.pipePair(for: argv[0]) } } catch {
            for fd in [out.read, out.write, err.read, err.write] { close(fd) }
            throw error
        }
        let pid: pid_t
        do {
            pid = try Spawn.start(argv, stdio: .init(stdin: input?.read, stdout: out.write, stderr: err.write),
                                  environment: environment)
        } catch {
            for fd in [out.read, out.write, err.read, err.write] + (input.map { [$0.read, $0.write] } ?? []) { close(fd) }
            throw error
        }
        close(out.write); close(err.write)
        var feed: Feed? = nil
        if let input {
            close(input.read)
            _ = fcntl(input.write, F_SETFL, fcntl(input.write, F_GETFL) | O_NONBLOCK)
            feed = Feed(fd: input.write, bytes: stdin ?? [])
        }
        defer { close(out.read); close(err.read); feed?.close() }
        var result = Result(status: 0, stdout: [], stderr: [], timedOut: false)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        result.timedOut = !drain([(out.read, \Result.stdout), (err.read, \Result.stderr)], feeding: &feed,
                                 into: &result, deadline: deadline, maxBytes: maxBytes)
        if result.timedOut { kill(pid, SIGKILL) }
        // A child that closed its output but lives on is bounded by the same deadline.
        let (status, killed) = wait(pid, deadline: deadline)
        result.status = status
        result.timedOut = result.timedOut || killed
        return result
    }

    /// The bytes still to write to a child's stdin (non-blocking), closed once all are written
    /// or the child closed its end.
    struct Feed {
        let fd: Int32
        let bytes: [UInt8]
        var offset = 0
        var open = true
        init(fd: Int32, bytes: [UInt8]) {
            self.fd = fd; self.bytes = bytes
            if bytes.isEmpty { close() }
        }

        /// Write what the pipe takes now; close it once everything is written or refused.
        mutating func writeSome() {
            while open && offset < bytes.count {
                let (n, e) = bytes.withUnsafeBytes { Spawn.writeNoSignal(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                if n > 0 { offset += n; continue }
                if e == EINTR { continue }
                if e == EAGAIN { return }
                break  // EPIPE: the child closed its stdin
            }
            close()
        }

        mutating func close() {
            guard open else { return }
            _ = systemClose(fd)
            open = false
        }
    }

    /// Read every stream until all reach end of file, feeding stdin in the same poll(2) loop;
    /// false when the deadline came first.
    private static func drain(_ streams: [(fd: Int32, into: WritableKeyPath<Result, [UInt8]>)], feeding feed: inout Feed?,
                              into result: inout Result, deadline: ContinuousClock.Instant,
                              maxBytes: Int) -> Bool {
        var open = streams
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            let feeding = feed?.open == true
            var polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if feeding { polls.append(pollfd(fd: feed!.fd, events: Int16(POLLOUT), revents: 0)) }
            let ms = Int32(min(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000), 60_000))
            if poll(&polls, nfds_t(polls.count), ms) <= 0 { continue }
            if feeding, polls.removeLast().revents != 0 { feed!.writeSome() }
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

/// close(2), for types with a `close` member of their own.
func systemClose(_ fd: Int32) -> Int32 { close(fd) }
