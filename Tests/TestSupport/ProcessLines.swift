// A long-running child (e.g. `xg-scale monitor --json` under `ip netns exec`) whose stdout lines
// are collected as they come, with stop by signal and bounded waits; and the spawn with clean
// signal handling that it and Rsyslog use.
import Foundation
import Glibc

/// Start a program with an empty signal mask and default handlers. Foundation's Process
/// spawns from a thread of the test runner, whose mask blocks SIGTERM, and the child would
/// inherit it. Its stdout and stderr go to /dev/null.
public func spawnWithCleanSignals(_ argv: [String]) throws -> pid_t {
    try spawnWithCleanSignals(argv, name: argv[0]) { actions in
        posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_WRONLY, 0)
    }
}

/// `posix_spawn` of `argv` (argv[0] is a path) with an empty signal mask and default handlers;
/// `files` sets up the child's descriptors. Throws naming `name` when the spawn fails.
func spawnWithCleanSignals(_ argv: [String], name: String,
                           files: (UnsafeMutablePointer<posix_spawn_file_actions_t>) -> Void) throws -> pid_t {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var empty = sigset_t(); sigemptyset(&empty)
    var all = sigset_t(); sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &empty)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    files(&actions)
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attr, &cargs, environ)
    if rc != 0 { throw TestSupportError.missingPrerequisite("cannot start \(name): \(String(cString: strerror(rc)))") }
    return pid
}

public final class LineProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var collected: [String] = []
    private var errors = Data()
    private var exitStatus: Int32?
    private let outFD: Int32
    private let errFD: Int32

    /// Start `argv` (argv[0] looked up through /usr/bin/env) with an empty signal mask and default
    /// handlers (a test runner thread may block SIGTERM, and a child would inherit the mask).
    public init(_ argv: [String]) throws {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw TestSupportError.missingPrerequisite("pipe: \(String(cString: strerror(errno)))")
        }
        let child: pid_t
        do {
            child = try spawnWithCleanSignals(["/usr/bin/env"] + argv, name: argv[0]) { actions in
                posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(actions, outPipe[1], 1)
                posix_spawn_file_actions_adddup2(actions, errPipe[1], 2)
                for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(actions, fd) }
            }
        } catch {
            for fd in outPipe + errPipe { Glibc.close(fd) }
            throw error
        }
        Glibc.close(outPipe[1]); Glibc.close(errPipe[1])
        pid = child
        outFD = outPipe[0]; errFD = errPipe[0]
        Thread.detachNewThread { [self] in
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(outFD, &buffer, buffer.count)
                if n <= 0 { break }
                pending += buffer[0..<n]
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[0..<nl], as: UTF8.self)
                    pending.removeSubrange(0...nl)
                    lock.withLock { collected.append(line) }
                }
            }
            Glibc.close(outFD)
        }
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(errFD, &buffer, buffer.count)
                if n <= 0 { break }
                lock.withLock { errors.append(contentsOf: buffer[0..<n]) }
            }
            Glibc.close(errFD)
        }
    }

    public var lines: [String] { lock.withLock { collected } }
    public var stderr: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

    /// Wait (bounded) until `condition` holds for the lines so far.
    public func wait(timeout: Double, _ condition: ([String]) -> Bool) -> Bool {
        waitUntil(timeout: timeout, interval: 0.02) { condition(lines) }
    }

    /// The exit status if the child has ended (reaps it), else nil. A signal death is 128+N.
    public func exited() -> Int32? {
        lock.lock(); defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Wait (bounded) for the child to end; its exit status, or nil if it still runs.
    public func waitForExit(timeout: Double) -> Int32? {
        _ = waitUntil(timeout: timeout, interval: 0.01) { exited() != nil }
        return exited()
    }

    public func signal(_ sig: Int32) { if exited() == nil { kill(pid, sig) } }

    /// SIGTERM, then SIGKILL after 5 s; reaps the child.
    public func stop() {
        guard exited() == nil else { return }
        kill(pid, SIGTERM)
        if waitForExit(timeout: 5) == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    deinit { stop() }
}
