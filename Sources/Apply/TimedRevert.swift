// Timed revert: after `apply --confirm-within S` a detached watchdog (this binary, hidden
// subcommand, own session, same network namespace) restores the snapshot unless `confirm` ran.
import Foundation
import NodeNetwork
import SystemIO

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
        try store.saveOwned(Set(p.ownedBefore).union(report.complete ? [] : p.created))
        try store.cancelPending()
        return (report.complete ? .restored : .restoreIncomplete, report)
    }

    /// Restore a pending revert's snapshot now through `engine`.
    public static func restore(_ p: PendingRevert, with engine: ApplyEngine) -> RestoreReport {
        engine.restore(p.snapshot, owned: Set(p.created))
    }

    /// Start `xg-scale _watchdog --state-dir DIR --id ID` detached: a new session (setsid), stdin
    /// from /dev/null, output to STATE_DIR/watchdog.log (opened without following a symlink). It
    /// inherits this process's network namespace. Returns what proves it is that watchdog.
    public static func spawnWatchdog(store: StateStore, id: String) throws -> ProcessIdentity {
        guard let exe = Processes.executable(of: "/proc/self/exe") else {
            throw StateError.io("cannot find this program (/proc/self/exe): \(String(cString: strerror(errno)))")
        }
        let arguments = [exe, "_watchdog", "--state-dir", store.directory, "--id", id]
        let log = try store.openWatchdogLog()
        defer { close(log) }

        // A new session (setsid): the applying shell's hangup or process-group kill does not
        // reach it. Nothing but 0-2 may reach it either: an inherited pipe end (the caller's
        // stdout capture, say) would keep a reader waiting for EOF until the deadline.
        let child: Child
        do {
            child = try Child(arguments, stdin: .null, stdout: .descriptor(log), stderr: .descriptor(log),
                              newSession: true, closeOthers: true)
        } catch let e as SystemError {
            throw StateError.io("cannot start the watchdog: \(e.reason)")
        }
        let pid = child.pid
        // glibc's posix_spawn returns once the child has exec'd: /proc shows the watchdog.
        guard let identity = Processes.identity(of: pid) else {
            throw StateError.io("the watchdog (pid \(pid)) exited at once; see \(store.watchdogLogPath)")
        }
        return identity
    }
}

/// A timed revert waiting for `xg-scale confirm`.
public struct PendingRevert: Codable, Sendable, Equatable {
    public var id: String
    /// Seconds since 1970.
    public var deadline: Double
    /// What proves the watchdog is ours: pid, start time, executable (and `id` in its arguments).
    public var watchdog: ProcessIdentity?
    public var profile: String
    public var snapshot: Snapshot
    /// Interfaces the apply created (deleted by the revert).
    public var created: [String]
    /// owned.json as it was before the apply (put back by the revert).
    public var ownedBefore: [String]
    /// The network namespace of the apply (inode of /proc/self/ns/net).
    public var netns: UInt64?
    /// Files `--persist` wrote, with their previous bytes (journalled before each write).
    public var persisted: [PersistedFile] = []

    public var watchdogPID: Int32? { watchdog?.pid }

    public init(id: String, deadline: Double, watchdog: ProcessIdentity? = nil, profile: String, snapshot: Snapshot,
                created: [String], ownedBefore: [String]) {
        self.id = id; self.deadline = deadline; self.watchdog = watchdog; self.profile = profile
        self.snapshot = snapshot; self.created = created; self.ownedBefore = ownedBefore
    }

    enum CodingKeys: String, CodingKey {
        case id, deadline, watchdogPID = "watchdog-pid", watchdog, profile, snapshot, created
        case ownedBefore = "owned-before", netns, persisted
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        deadline = try c.decode(Double.self, forKey: .deadline)
        // A bare "watchdog-pid" (older state, or forged) proves nothing: it is never signalled.
        watchdog = try c.decodeIfPresent(ProcessIdentity.self, forKey: .watchdog)
        profile = try c.decode(String.self, forKey: .profile)
        snapshot = try c.decode(Snapshot.self, forKey: .snapshot)
        created = try c.decode([String].self, forKey: .created)
        ownedBefore = try c.decode([String].self, forKey: .ownedBefore)
        netns = try c.decodeIfPresent(UInt64.self, forKey: .netns)
        persisted = try c.decodeIfPresent([PersistedFile].self, forKey: .persisted) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(deadline, forKey: .deadline)
        try c.encodeIfPresent(watchdog?.pid, forKey: .watchdogPID)
        try c.encodeIfPresent(watchdog, forKey: .watchdog)
        try c.encode(profile, forKey: .profile)
        try c.encode(snapshot, forKey: .snapshot)
        try c.encode(created, forKey: .created)
        try c.encode(ownedBefore, forKey: .ownedBefore)
        try c.encodeIfPresent(netns, forKey: .netns)
        if !persisted.isEmpty { try c.encode(persisted, forKey: .persisted) }
    }

    /// Is the recorded watchdog still running (proved: same start time, executable and id)?
    public var watchdogAlive: Bool { watchdog.map { Processes.isRunning($0, token: id) } ?? false }

    /// Stop the watchdog, only once it is proved to be ours. Returns why it was not signalled.
    @discardableResult
    public func stopWatchdog() -> String? {
        guard let w = watchdog else { return "no watchdog is recorded" }
        if case .refused(let why) = Processes.signal(w, token: id, signal: SIGTERM) { return why }
        return nil
    }
}
