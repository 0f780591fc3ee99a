// A long-lived child process (a node side over ssh, a probe under `ip netns exec`, a monitor):
// started from an argv through Spawn, talked to through pipes the caller chose, its output
// drained by reader threads (`drain`) so that a chatty child never blocks on a full pipe, and
// reaped once, so that a pid is never signalled after it was reaped.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

public final class Child: Sendable {
    /// Where a standard descriptor of the child goes.
    public enum Stream: Sendable {
        /// /dev/null.
        case null
        /// A pipe to us: `stdin`/`stdout`/`stderr` of this object hold our end.
        case pipe
        /// One of our descriptors (a log file), dup2'd; the caller keeps and closes it.
        case descriptor(Int32)
    }

    public let pid: pid_t
    public let program: String
    /// Our ends of the pipes (nil where the stream is not a pipe). stdout and stderr stay open
    /// until this object goes; stdin until `closeStdin`.
    public let stdout: Int32?
    public let stderr: Int32?
    private let stdinEnd: Mutex<Int32?>
    /// The exit status once reaped (0…255, or 128 + signal).
    private let reaped = Mutex<Int32?>(nil)

    /// Start `argv` (argv[0] looked up in PATH when it has no slash) with the streams asked for.
    /// `newSession` and `closeOthers`: see `Spawn.start` (a detached monitor wants both).
    public init(_ argv: [String], stdin: Stream = .null, stdout: Stream = .pipe, stderr: Stream = .pipe,
                environment: [String: String] = [:], newSession: Bool = false, closeOthers: Bool = false) throws {
        program = argv.first ?? ""
        var ours: [Int32] = [], theirs: [Int32] = []
        func end(_ s: Stream, childReads: Bool) throws -> (child: Int32?, parent: Int32?) {
            switch s {
            case .null: return (nil, nil)
            case .descriptor(let fd): return (fd, nil)
            case .pipe:
                let p = try Spawn.pipePair(for: argv.first ?? "a child")
                let (c, o) = childReads ? (p.read, p.write) : (p.write, p.read)
                theirs.append(c); ours.append(o)
                return (c, o)
            }
        }
        do {
            let i = try end(stdin, childReads: true), o = try end(stdout, childReads: false), e = try end(stderr, childReads: false)
            pid = try Spawn.start(argv, stdio: .init(stdin: i.child, stdout: o.child, stderr: e.child),
                                  environment: environment, newSession: newSession, closeOthers: closeOthers)
            for fd in theirs { close(fd) }
            stdinEnd = Mutex(i.parent); self.stdout = o.parent; self.stderr = e.parent
        } catch {
            for fd in ours + theirs { close(fd) }
            throw error
        }
    }

    deinit {
        _ = exitStatus  // reap it if it has ended (no zombie left behind)
        closeStdin()
        for fd in [stdout, stderr] { if let fd { close(fd) } }
    }

    /// Write all of `bytes` to the child's stdin; a SystemError (EPIPE) when the child is gone.
    public func write(_ bytes: [UInt8]) throws {
        guard let fd = stdinEnd.withLock({ $0 }) else {
            throw SystemError("write to", "the stdin of \(program)", errno: EBADF)
        }
        var offset = 0
        while offset < bytes.count {
            let (n, e) = bytes.withUnsafeBytes { Spawn.writeNoSignal(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if n > 0 { offset += n; continue }
            if e == EINTR { continue }
            throw SystemError("write to", "the stdin of \(program)", errno: n == 0 ? EIO : e)
        }
    }

    /// Close our end of its stdin: the child reads end of file. Idempotent.
    public func closeStdin() {
        stdinEnd.withLock { fd in
            if let f = fd { close(f) }
            fd = nil
        }
    }

    /// The exit status (0…255, or 128 + signal) once the child has ended; nil while it runs.
    public var exitStatus: Int32? {
        reaped.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                let r = waitpid(pid, &raw, WNOHANG)
                if r == pid { status = Self.decode(raw) } else if r == -1 && errno == ECHILD { status = -1 }
            }
            return status
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Send `signal` unless the child was reaped already (its pid may be another process's now).
    public func signal(_ signal: Int32) {
        reaped.withLock { if $0 == nil { _ = kill(pid, signal) } }
    }

    /// Wait until the child ends or `deadline` passes; its status, or nil at the deadline.
    @discardableResult
    public func wait(until deadline: ContinuousClock.Instant? = nil) -> Int32? {
        while true {
            if let s = exitStatus { return s }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            usleep(2000)
        }
    }

    /// Close its stdin and wait up to `grace` for it to end; then SIGTERM, half a second, SIGKILL.
    @discardableResult
    public func end(grace: Duration) -> Int32 {
        closeStdin()
        if let s = wait(until: .now + grace) { return s }
        signal(SIGTERM)
        if let s = wait(until: .now + .milliseconds(500)) { return s }
        signal(SIGKILL)
        return wait() ?? -1
    }

    static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// Read `fd` (one of this child's output ends) on a thread of its own until end of file,
    /// handing each chunk to `each` on that thread.
    public func drain(_ fd: Int32, _ each: @escaping @Sendable ([UInt8]) -> Void) throws -> Drain {
        try Drain(fd: fd, owner: self, each)
    }
}

/// A reader thread emptying one output pipe of a child until end of file.
public final class Drain: Sendable {
    private let done = Mutex(false)

    init(fd: Int32, owner: Child, _ each: @escaping @Sendable ([UInt8]) -> Void) throws {
        try Threads.detach { [self] in
            // The child object (and so the descriptor) lives as long as this thread reads.
            withExtendedLifetime(owner) {
                var chunk = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &chunk, chunk.count)
                    if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                    if n <= 0 { break }
                    each(Array(chunk[0..<n]))
                }
            }
            done.withLock { $0 = true }
        }
    }

    /// The pipe reached end of file and every chunk was handed over.
    public var finished: Bool { done.withLock { $0 } }

    /// Wait up to `timeout` for end of file; true when it came.
    @discardableResult
    public func wait(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !finished {
            if ContinuousClock.now >= deadline { return false }
            usleep(2000)
        }
        return true
    }
}

/// A bounded byte buffer several threads append to (a child's stderr, kept for an error text).
public final class OutputBuffer: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    public let maxBytes: Int
    public init(maxBytes: Int) { self.maxBytes = maxBytes }
    /// Keep what fits under `maxBytes`; the rest is dropped.
    public func append(_ chunk: [UInt8]) {
        bytes.withLock { b in if b.count < maxBytes { b += chunk.prefix(maxBytes - b.count) } }
    }
    public var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// Threads started with pthread_create, a closure as their body.
public enum Threads {
    private final class Body { let run: () -> Void; init(_ r: @escaping () -> Void) { run = r } }

    /// Start `body` on a new thread (default stack size); nil and the error number when the
    /// thread could not be started (then `body` is released, not run).
    private static func start(_ body: @escaping () -> Void) -> (pthread_t?, Int32) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { p in
            Unmanaged<Body>.fromOpaque(p!).takeRetainedValue().run()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return (nil, rc)
        }
        return (thread, 0)
    }

    /// Run `body` on a new detached thread.
    static func detach(_ body: @escaping @Sendable () -> Void) throws {
        let (thread, rc) = start(body)
        guard let thread else { throw SystemError("start a thread for", "a child's output", errno: rc) }
        pthread_detach(thread)
    }

    /// A thread started by `spawn`, to be joined once.
    public struct Joinable: Sendable {
        let thread: pthread_t
        /// Wait for the thread's body to return (what it wrote is then visible to the caller).
        public func join() { pthread_join(thread, nil) }
    }

    /// Start `body` on a new thread to be joined; nil when no thread can be started (then `body`
    /// is released, not run).
    public static func spawn(_ body: @escaping @Sendable () -> Void) -> Joinable? {
        start(body).0.map(Joinable.init)
    }

    /// Run `body` on a new thread and wait for it; on the calling thread when no thread can be
    /// started.
    public static func runJoined(_ body: @escaping () -> Void) {
        guard let thread = start(body).0 else { return body() }
        pthread_join(thread, nil)
    }
}
