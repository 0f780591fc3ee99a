// Trust like OpenSSH's StrictModes: xg-scale runs as root, so a file or directory that anyone but
// root (or the invoking user) can write is someone else's say over what root does. A path is
// trusted when it and every directory above it is owned by root or by the effective user, and is
// writable by neither group nor others — except a root-owned sticky directory such as /tmp, in
// which others may create names but cannot replace or rename ours.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum Trust {
    /// The uids whose files are trusted: root and the effective user.
    static func trustedOwner(_ uid: uid_t) -> Bool { uid == 0 || uid == geteuid() }

    /// Why `st` (of `path`) is not trusted, or nil when it is. `ancestor`: a directory above the
    /// one in question, where a root-owned sticky directory is acceptable.
    static func problem(_ st: stat, ancestor: Bool) -> String? {
        if !trustedOwner(st.st_uid) {
            return "owned by uid \(st.st_uid), not by root" + (geteuid() == 0 ? "" : " or uid \(geteuid())")
        }
        let groupOrOtherWrite = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0
        if groupOrOtherWrite {
            let sticky = (st.st_mode & S_ISVTX) != 0
            if ancestor && sticky && st.st_uid == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return nil }
            return "writable by " + ((st.st_mode & S_IWOTH) != 0 ? "others" : "its group")
                + " (mode " + String(st.st_mode & 0o7777, radix: 8) + ")"
        }
        return nil
    }

    /// Refuse `path` unless it and every directory above it are trusted. `what` names it in the
    /// error ("state directory", "metrics directory", "configuration"). Symlinks in the path are
    /// followed for the ancestors (as the kernel does) but the last component must not be one.
    public static func check(_ path: String, what: String) throws {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var st = stat()
        try posix("inspect", absolute) { lstat(absolute, &st) }
        if (st.st_mode & S_IFMT) == S_IFLNK {
            throw SystemError(refusing: absolute, because: "the \(what) is a symbolic link",
                              fix: "give the real path, owned by root and not writable by group or others")
        }
        if let why = problem(st, ancestor: false) {
            throw SystemError(refusing: absolute, because: "the \(what) is \(why)",
                              fix: "chown root:root '\(absolute)' && chmod go-w '\(absolute)', or choose another path")
        }
        var dir = parent(of: absolute)
        while true {
            var ds = stat()
            try posix("inspect", dir) { stat(dir, &ds) }
            if let why = problem(ds, ancestor: true) {
                throw SystemError(refusing: dir, because: "a directory above the \(what) \(absolute) is \(why)",
                                  fix: "chown root '\(dir)' && chmod go-w '\(dir)', or choose a path under a root-owned directory")
            }
            if dir == "/" { break }
            dir = parent(of: dir)
        }
    }

    /// Create `path` as a directory (mode 0700, parents 0755 as mkdir -p would) when missing,
    /// then `check` it.
    public static func ensureDirectory(_ path: String, what: String) throws {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var st = stat()
        if lstat(absolute, &st) != 0 {
            guard errno == ENOENT else { throw SystemError("inspect", absolute, errno: errno) }
            let up = parent(of: absolute)
            if up != absolute { try makeParents(up) }
            if mkdir(absolute, 0o700) != 0 && errno != EEXIST {
                throw SystemError("create", absolute, errno: errno, fix: "run as root, or choose a writable path")
            }
            try posix("inspect", absolute) { lstat(absolute, &st) }
        }
        if (st.st_mode & S_IFMT) != S_IFDIR && (st.st_mode & S_IFMT) != S_IFLNK {
            throw SystemError(refusing: absolute, because: "the \(what) is not a directory", fix: "remove it or choose another path")
        }
        try check(absolute, what: what)
    }

    static func makeParents(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 { return }
        let up = parent(of: path)
        if up != path { try makeParents(up) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SystemError("create", path, errno: errno, fix: "run as root, or choose a writable path")
        }
    }

    public static func parent(of path: String) -> String {
        // An ASCII path (most are) by its bytes: counting Characters and searching them costs
        // ~4 K instructions per step up, and a trust check steps up to / for every file.
        if path.utf8.allSatisfy({ $0 < 0x80 }) { return asciiParent(of: path) }
        return generalParent(of: path)
    }

    /// `parent(of:)` of an ASCII path, read byte by byte. (In ASCII only CR LF is a Character of
    /// two bytes, and it holds no '/': the byte count and search answer as the Character ones.)
    static func asciiParent(of path: String) -> String {
        let u = path.utf8
        var end = u.endIndex
        while u.distance(from: u.startIndex, to: end) > 1 && u[u.index(before: end)] == UInt8(ascii: "/") {
            end = u.index(before: end)
        }
        guard let slash = u[..<end].lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let up = String(path[..<slash])
        return up.isEmpty ? "/" : up
    }

    /// `parent(of:)` by Characters, for any path.
    static func generalParent(of path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        let up = String(p[..<slash])
        return up.isEmpty ? "/" : up
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(cString: buffer)
    }
}
