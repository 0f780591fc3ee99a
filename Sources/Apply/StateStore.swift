// The state directory of one network namespace: which interfaces xg-scale owns (created), and
// the pending timed revert. Every file goes through SystemIO: the directory and everything above
// it must be trusted (StrictModes), files are written atomically (O_EXCL temp, fsync, rename),
// created 0600, and never opened through a symlink.
//
//   STATE_DIR/owned.json     {"id", "netns", "interfaces": [...]}: interfaces an apply created,
//                            journalled before each create; "id" is the kernel mark's
//                            (IFLA_IFALIAS "xg-scale:ID")
//   STATE_DIR/lock           flock(2)ed by apply/confirm/rollback/the watchdog; holds the pid
//   STATE_DIR/pending.json   the snapshot a timed revert restores unless confirmed
//   STATE_DIR/watchdog.log   output of the detached watchdog
//   LOCK_DIR/netns-INODE.lock  the lock of the namespace, whatever the state directory
//
// The default state directory is STATE_ROOT/netns-INODE (INODE: of /proc/self/ns/net), so two
// namespaces never share ownership; a state directory given by hand records its namespace and
// is refused in another one.
import Foundation
import NodeNetwork
import SystemIO

public struct StateStore: Sendable {
    public static let defaultRoot = "/var/lib/xg-scale"
    public static let defaultLockDirectory = "/run/xg-scale"
    public static let environmentVariable = "XG_SCALE_STATE_DIR"
    public static let rootVariable = "XG_SCALE_STATE_ROOT"
    public static let lockVariable = "XG_SCALE_LOCK_DIR"
    /// Bigger state files than this are refused (a snapshot of thousands of links is far less).
    static let maxBytes = 64 << 20

    public let directory: String
    /// The network namespace this process runs in (inode of /proc/self/ns/net).
    public let netns: UInt64
    public let lockDirectory: String

    public init(directory: String, netns: UInt64, lockDirectory: String = StateStore.defaultLockDirectory) {
        self.directory = directory; self.netns = netns; self.lockDirectory = lockDirectory
    }

    /// A store for `directory` in this process's namespace, its namespace lock kept in the
    /// directory itself (for embedding and tests; the CLI uses `resolve`).
    public init(directory: String) {
        self.init(directory: directory, netns: (try? NetworkNamespace.identity()) ?? 0, lockDirectory: directory)
    }

    /// --state-dir, else $XG_SCALE_STATE_DIR, else ($XG_SCALE_STATE_ROOT or /var/lib/xg-scale)/netns-INODE.
    public static func resolve(option: String?) throws -> StateStore {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        let netns = try NetworkNamespace.identity()
        let lockDirectory = env(lockVariable) ?? defaultLockDirectory
        if let option, !option.isEmpty { return StateStore(directory: option, netns: netns, lockDirectory: lockDirectory) }
        if let dir = env(environmentVariable) { return StateStore(directory: dir, netns: netns, lockDirectory: lockDirectory) }
        let root = env(rootVariable) ?? defaultRoot
        return StateStore(directory: (root as NSString).appendingPathComponent("netns-\(netns)"), netns: netns,
                          lockDirectory: lockDirectory)
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    public var lockPath: String { path("lock") }
    public var pendingPath: String { path("pending.json") }
    public var ownedPath: String { path("owned.json") }
    public var watchdogLogPath: String { path("watchdog.log") }
    public var namespaceLockPath: String { (lockDirectory as NSString).appendingPathComponent("netns-\(netns).lock") }

    /// Create the directory (0700) when missing and refuse it unless trusted.
    public func createDirectory() throws {
        try Trust.ensureDirectory(directory, what: "state directory")
    }

    /// Nil when the directory does not exist yet (nothing recorded); refuses an untrusted one.
    func existingTrustedDirectory() throws -> Bool {
        var st = stat()
        if lstat(directory, &st) != 0 && errno == ENOENT { return false }
        try Trust.check(directory, what: "state directory")
        return true
    }

    func readJSON<T: Decodable>(_ type: T.Type, _ path: String, what: String, fix: String) throws -> T? {
        guard try existingTrustedDirectory(),
              let bytes = try Files.read(path, what: what, maxBytes: Self.maxBytes, trusted: true) else { return nil }
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw SystemError(refusing: path, because: "the \(what) is not valid: \(error)", fix: fix)
        }
    }

    /// Refuse a file another namespace wrote.
    func checkNamespace(_ recorded: UInt64?, _ path: String) throws {
        guard let recorded, recorded != netns else { return }
        throw SystemError(refusing: path, because: "it belongs to network namespace net:[\(recorded)], and this process runs in net:[\(netns)]",
                          fix: "give each namespace its own state directory: leave out --state-dir and $XG_SCALE_STATE_DIR (the default is per namespace)")
    }

    /// What an earlier apply created (empty, with a fresh id, when nothing is recorded).
    public func ownedState() throws -> OwnedState {
        guard let o = try readJSON(OwnedState.self, ownedPath, what: "ownership file",
                                   fix: "delete it; xg-scale then owns nothing it did not create from now on") else {
            return OwnedState(netns: netns)
        }
        try checkNamespace(o.netns, ownedPath)
        return o
    }

    /// The recorded names only.
    public func owned() throws -> Set<String> { Set(try ownedState().interfaces) }

    /// Journal ownership: written and fsynced before the call returns. `durable: false` (the
    /// shrink after a verified apply) leaves out the directory's fsync: lost in a crash, the
    /// file stays the superset journalled before the first create, which is harmless (a
    /// recorded name is deleted only when the kernel also shows our mark on it).
    public func saveOwned(_ state: OwnedState, durable: Bool = true) throws {
        try createDirectory()
        var s = state
        s.netns = netns
        s.interfaces = Self.sortedUnique(s.interfaces)
        try Files.writeAtomically(s.jsonText(), to: ownedPath, syncingDirectory: durable)
    }

    /// `Array(Set(names)).sorted()` without the set: sorted (a stable sort, so of equal names
    /// the first stays), each name once.
    static func sortedUnique(_ names: [String]) -> [String] {
        let sorted = names.sorted()
        var unique: [String] = []
        unique.reserveCapacity(sorted.count)
        for n in sorted where unique.last != n { unique.append(n) }
        return unique
    }

    public func saveOwned(_ names: Set<String>) throws {
        var s = try ownedState()
        s.interfaces = names.sorted()
        try saveOwned(s)
    }

    /// Forget ownership altogether (an apply that left nothing behind, on a node that had none).
    public func removeOwned() throws { try Files.remove(ownedPath) }

    public func pending() throws -> PendingRevert? {
        guard let p = try readJSON(PendingRevert.self, pendingPath, what: "pending revert",
                                   fix: "delete it if no timed revert is pending") else { return nil }
        try checkNamespace(p.netns, pendingPath)
        return p
    }

    public func savePending(_ p: PendingRevert) throws {
        try createDirectory()
        var p = p
        p.netns = netns
        try Files.writeAtomically(JSONOutput.string(p), to: pendingPath)
    }

    /// Cancel the pending revert (durably: the watchdog reads it to know).
    public func cancelPending() throws { try Files.remove(pendingPath) }

    /// Best effort `cancelPending`.
    public func removePending() { try? cancelPending() }

    /// The watchdog's log, opened for appending (the caller closes it).
    public func openWatchdogLog() throws -> Int32 {
        try createDirectory()
        return try Files.openOwn(watchdogLogPath, what: "watchdog log", append: true)
    }
}

/// owned.json.
public struct OwnedState: Codable, Sendable, Equatable {
    /// Names the mark in the kernel: IFLA_IFALIAS "xg-scale:ID".
    public var id: String
    public var netns: UInt64?
    public var interfaces: [String]

    public init(id: String = OwnedState.newID(), netns: UInt64?, interfaces: [String] = []) {
        self.id = id; self.netns = netns; self.interfaces = interfaces
    }

    public static func newID() -> String { String(UInt64.random(in: 0...UInt64.max), radix: 16) }

    /// The alias xg-scale gives every interface it creates under this state.
    public var mark: String { "xg-scale:" + id }

    enum CodingKeys: String, CodingKey { case id, netns, interfaces }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A state written before the mark existed has no id: a fresh one marks nothing yet,
        // so nothing it names is deleted (it was never marked).
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? OwnedState.newID()
        netns = try c.decodeIfPresent(UInt64.self, forKey: .netns)
        interfaces = try c.decode([String].self, forKey: .interfaces)
    }
}

extension OwnedState {
    /// owned.json's text, byte for byte what `JSONOutput.string` makes of it (pretty printed,
    /// sorted keys, trailing newline), written directly: Foundation's encoder (and the protocol
    /// conformance lookups of its first use) cost more than the rest of the journal write. Any
    /// string JSON escapes, and the rare shapes (no netns, no interface), go through the encoder.
    func jsonText() throws -> String {
        guard let netns, !interfaces.isEmpty, Self.isPlain(id), interfaces.allSatisfy(Self.isPlain) else {
            return try JSONOutput.string(self)
        }
        var text = "{\n  \"id\" : \"" + id + "\",\n  \"interfaces\" : [\n"
        text.reserveCapacity(64 + interfaces.reduce(0) { $0 + $1.utf8.count + 8 })
        for (n, name) in interfaces.enumerated() {
            text += "    \"" + name + (n + 1 < interfaces.count ? "\",\n" : "\"\n")
        }
        text += "  ],\n  \"netns\" : " + String(netns) + "\n}\n"
        return text
    }

    /// Printable ASCII other than `"` and `\`: the encoder writes it as it is.
    static func isPlain(_ s: String) -> Bool {
        s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}
