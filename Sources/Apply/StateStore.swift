// The state directory: which interfaces xg-scale owns (created), the lock that serialises
// applies, and the pending timed revert.
//
//   STATE_DIR/owned.json     {"interfaces": [...]}: interfaces an apply created
//   STATE_DIR/lock           flock(2)ed by apply/confirm/rollback/the watchdog; holds the pid
//   STATE_DIR/pending.json   the snapshot a timed revert restores unless confirmed
//   STATE_DIR/watchdog.log   output of the detached watchdog
import Foundation
import NodeNetwork

public struct StateStore: Sendable {
    public static let defaultDirectory = "/var/lib/xg-scale"
    public static let environmentVariable = "XG_SCALE_STATE_DIR"

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// --state-dir, else $XG_SCALE_STATE_DIR, else /var/lib/xg-scale.
    public static func resolve(option: String?) -> StateStore {
        if let option, !option.isEmpty { return StateStore(directory: option) }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            return StateStore(directory: env)
        }
        return StateStore(directory: defaultDirectory)
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    public var lockPath: String { path("lock") }
    public var pendingPath: String { path("pending.json") }
    public var ownedPath: String { path("owned.json") }
    public var watchdogLogPath: String { path("watchdog.log") }

    public func createDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StateError.io("cannot create the state directory \(directory): \((error as NSError).localizedDescription) (fix: run as root, or give a writable --state-dir)")
        }
    }

    struct Owned: Codable { var interfaces: [String] }

    /// Interfaces an earlier apply created (empty when none is recorded).
    public func owned() throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: ownedPath) else { return [] }
        do { return Set(try JSONDecoder().decode(Owned.self, from: data).interfaces) } catch {
            throw StateError.io("\(ownedPath) is not valid: \(error) (fix: delete it; xg-scale then owns nothing it did not create from now on)")
        }
    }

    public func saveOwned(_ names: Set<String>) throws {
        try write(JSONOutput.string(Owned(interfaces: names.sorted())), to: ownedPath)
    }

    public func pending() throws -> PendingRevert? {
        guard let data = FileManager.default.contents(atPath: pendingPath) else { return nil }
        do { return try JSONDecoder().decode(PendingRevert.self, from: data) } catch {
            throw StateError.io("\(pendingPath) is not valid: \(error) (fix: delete it if no timed revert is pending)")
        }
    }

    public func savePending(_ p: PendingRevert) throws { try write(JSONOutput.string(p), to: pendingPath) }

    public func removePending() { try? FileManager.default.removeItem(atPath: pendingPath) }

    /// Write atomically (temp file + rename) so a crash never leaves half a file.
    func write(_ text: String, to path: String) throws {
        try createDirectory()
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw StateError.io("cannot write \(path): \((error as NSError).localizedDescription)")
        }
    }

    /// Take the lock. Non-blocking: when another process holds it, throws `.locked` naming it.
    public func lock(waiting: Bool = false) throws -> StateLock {
        try createDirectory()
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StateError.io("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | (waiting ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let holder = Self.readHolder(fd)
            close(fd)
            throw StateError.locked(path: lockPath, holder: holder)
        }
        let text = "\(getpid())\n"
        ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return StateLock(fd: fd)
    }

    static func readHolder(_ fd: Int32) -> Int32? {
        var buffer = [CChar](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Held until released or deallocated (closing the descriptor releases the flock).
public final class StateLock {
    private var fd: Int32
    init(fd: Int32) { self.fd = fd }
    public func release() {
        guard fd >= 0 else { return }
        ftruncate(fd, 0)
        close(fd)
        fd = -1
    }
    deinit { release() }
}

public enum StateError: Error, CustomStringConvertible {
    case io(String)
    case locked(path: String, holder: Int32?)

    public var description: String {
        switch self {
        case .io(let what): return what
        case .locked(let path, let holder):
            let who = holder.map { "process \($0)" } ?? "another process"
            return "another xg-scale apply is running: \(who) holds \(path) (fix: wait for it to finish; if pid \(holder.map(String.init) ?? "?") no longer exists, run again)"
        }
    }
}

/// A timed revert waiting for `xg-scale confirm`.
public struct PendingRevert: Codable, Sendable, Equatable {
    public var id: String
    /// Seconds since 1970.
    public var deadline: Double
    public var watchdogPID: Int32?
    public var profile: String
    public var snapshot: Snapshot
    /// Interfaces the apply created (deleted by the revert).
    public var created: [String]
    /// owned.json as it was before the apply (put back by the revert).
    public var ownedBefore: [String]

    public init(id: String, deadline: Double, watchdogPID: Int32? = nil, profile: String, snapshot: Snapshot,
                created: [String], ownedBefore: [String]) {
        self.id = id; self.deadline = deadline; self.watchdogPID = watchdogPID; self.profile = profile
        self.snapshot = snapshot; self.created = created; self.ownedBefore = ownedBefore
    }

    enum CodingKeys: String, CodingKey {
        case id, deadline, watchdogPID = "watchdog-pid", profile, snapshot, created
        case ownedBefore = "owned-before"
    }
}
