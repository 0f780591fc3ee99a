// Timed revert: after `apply --confirm-within S` a detached watchdog (this binary, hidden
// subcommand, own session, same network namespace) restores the snapshot unless `confirm` ran.
import Foundation
import NodeNetwork

/// Time, injected so the watchdog's decisions can be tested without waiting.
public protocol RevertClock {
    func now() -> Double
    func sleep(seconds: Double)
}

public struct SystemClock: RevertClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(seconds: Double) { if seconds > 0 { Thread.sleep(forTimeInterval: seconds) } }
}

public enum WatchResult: String, Sendable {
    /// Confirmed or rolled back meanwhile: nothing to do.
    case cancelled
    /// The deadline passed: the snapshot was restored.
    case restored
    /// The deadline passed but the restore did not complete.
    case restoreIncomplete = "restore-incomplete"
}

public enum TimedRevert {
    /// How often the watchdog looks whether it was cancelled.
    public static let pollInterval = 0.2

    /// The watchdog's job: wait for the deadline of pending revert `id`, then (holding the lock)
    /// restore through `restore` unless the revert was confirmed or rolled back meanwhile.
    public static func watch(store: StateStore, id: String, clock: RevertClock,
                             restore: (PendingRevert) -> RestoreReport) throws -> (WatchResult, RestoreReport?) {
        while true {
            guard let p = try store.pending(), p.id == id else { return (.cancelled, nil) }
            let remaining = p.deadline - clock.now()
            if remaining <= 0 { break }
            clock.sleep(seconds: min(remaining, pollInterval))
        }
        let lock = try store.lock(waiting: true)
        defer { lock.release() }
        guard let p = try store.pending(), p.id == id else { return (.cancelled, nil) }
        let report = restore(p)
        try store.saveOwned(Set(p.ownedBefore))
        store.removePending()
        return (report.complete ? .restored : .restoreIncomplete, report)
    }

    /// Restore a pending revert's snapshot now through `engine`.
    public static func restore(_ p: PendingRevert, with engine: ApplyEngine) -> RestoreReport {
        engine.restore(p.snapshot, owned: Set(p.created))
    }

    /// Start `xg-scale _watchdog --state-dir DIR --id ID` detached: a new session (setsid), stdin
    /// from /dev/null, output to STATE_DIR/watchdog.log. It inherits this process's network
    /// namespace. Returns its pid.
    public static func spawnWatchdog(store: StateStore, id: String) throws -> pid_t {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard n > 0 else { throw StateError.io("cannot find this program (/proc/self/exe): \(String(cString: strerror(errno)))") }
        let exe = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let arguments = [exe, "_watchdog", "--state-dir", store.directory, "--id", id]

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26): the child leads a new session, so the applying
        // shell's hangup or process-group kill does not reach it. Default signal handling too.
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(setsid | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, store.watchdogLogPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        // Nothing but 0-2 may reach the watchdog: an inherited pipe end (the caller's stdout
        // capture, say) would keep a reader waiting for EOF until the deadline.
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            for fd in fds.compactMap({ Int32($0) }) where fd > 2 {
                let flags = fcntl(fd, F_GETFD)
                if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
            }
        }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw StateError.io("cannot start the watchdog: \(String(cString: strerror(rc)))") }
        return pid
    }
}
