// The apply lock: one per network namespace (LOCK_DIR/netns-INODE.lock, whatever --state-dir
// says, so two applies in one namespace never interleave), and the state directory's own lock
// (STATE_DIR/lock, so two namespaces given one state directory by hand do not write it at once).
// Both are flock(2)ed, opened without following a symlink, and hold "PID STATE_DIR".
import Foundation
import NodeNetwork
import SystemIO

extension StateStore {
    /// Take both locks: the state directory's, then the namespace's (always in this order, so
    /// two waiters never deadlock). Non-blocking unless `waiting`: when another process holds
    /// one, throws `.locked` naming it.
    public func lock(waiting: Bool = false) throws -> StateLock {
        try createDirectory()
        let own = try Self.acquire(lockPath, what: "lock file", waiting: waiting, note: directory)
        do {
            try Trust.ensureDirectory(lockDirectory, what: "lock directory")
            let namespace = try Self.acquire(namespaceLockPath, what: "namespace lock", waiting: waiting,
                                             note: directory, removable: true)
            return StateLock(fds: [own, namespace], removing: [namespaceLockPath])
        } catch {
            close(own)
            throw error
        }
    }

    /// Open and flock `path`. With `removable`, the holder unlinks the file when it releases
    /// it, so a lock taken on a file that was unlinked meanwhile is dropped and taken again.
    static func acquire(_ path: String, what: String, waiting: Bool, note: String, removable: Bool = false) throws -> Int32 {
        while true {
            let fd = try Files.openOwn(path, what: what)
            while flock(fd, LOCK_EX | (waiting ? 0 : LOCK_NB)) != 0 {
                if errno == EINTR { continue }
                let holder = readHolder(fd)
                close(fd)
                throw StateError.locked(path: path, holder: holder?.pid, stateDirectory: holder?.note)
            }
            var held = stat(), named = stat()
            if removable && (fstat(fd, &held) != 0 || stat(path, &named) != 0 || held.st_ino != named.st_ino) {
                close(fd)
                continue
            }
            ftruncate(fd, 0)
            let text = "\(getpid()) \(note)\n"
            _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
            return fd
        }
    }

    static func readHolder(_ fd: Int32) -> (pid: Int32, note: String?)? {
        var buffer = [UInt8](repeating: 0, count: 4097)
        let n = pread(fd, &buffer, 4096, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: " ", maxSplits: 1)
        guard let first = parts.first, let pid = Int32(first) else { return nil }
        return (pid, parts.count > 1 ? String(parts[1]) : nil)
    }
}

/// Held until released or deallocated (closing the descriptors releases the flocks).
public final class StateLock {
    private var fds: [Int32]
    /// Lock files unlinked on release (while still held, see `StateStore.acquire`).
    private var removing: [String]
    init(fds: [Int32], removing: [String] = []) { self.fds = fds; self.removing = removing }
    public func release() {
        for path in removing { unlink(path) }
        for fd in fds.reversed() {
            ftruncate(fd, 0)
            close(fd)
        }
        fds = []
        removing = []
    }
    deinit { release() }
}

public enum StateError: Error, CustomStringConvertible {
    case io(String)
    case locked(path: String, holder: Int32?, stateDirectory: String?)

    public var description: String {
        switch self {
        case .io(let what): return what
        case .locked(let path, let holder, let dir):
            let who = holder.map { "process \($0)" } ?? "another process"
            let whose = dir.map { " (state directory \($0))" } ?? ""
            return "another xg-scale apply is running: \(who) holds \(path)\(whose) (fix: wait for it to finish; if pid \(holder.map(String.init) ?? "?") no longer exists, run again)"
        }
    }
}
