// Files opened the careful way: never through a symlink (O_NOFOLLOW), never inherited by a child
// (O_CLOEXEC), written atomically (an O_EXCL temp file in the same directory, fsync, rename, fsync
// of the directory), read only when they are regular files of a bounded size.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum Files {
    /// Replace `path` with `bytes` atomically and durably. The temp file is created with O_EXCL
    /// and O_NOFOLLOW under a random name, so a planted file or symlink is never written through.
    /// `syncingDirectory: false` leaves out the directory's fsync: after a crash the file is then
    /// either the old or the new one, both whole (for a save whose loss is harmless).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600,
                                       syncingDirectory: Bool = true) throws {
        let dir = Trust.parent(of: path)
        var fd: Int32 = -1
        var tmp = ""
        for _ in 0..<16 {
            tmp = "\(path).tmp.\(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff)"
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw SystemError("create", tmp, errno: errno) }
        do {
            try writeAll(fd, bytes, path: tmp)
            try posix("fsync", tmp) { fsync(fd) }
            close(fd)
            fd = -1
            try posix("rename to \(path)", tmp) { rename(tmp, path) }
        } catch {
            if fd >= 0 { close(fd) }
            unlink(tmp)
            throw error
        }
        if syncingDirectory { syncDirectory(dir) }
    }

    public static func writeAtomically(_ text: String, to path: String, mode: mode_t = 0o600,
                                       syncingDirectory: Bool = true) throws {
        try writeAtomically(Array(text.utf8), to: path, mode: mode, syncingDirectory: syncingDirectory)
    }

    /// fsync a directory so a rename or unlink in it survives a crash. Best effort.
    public static func syncDirectory(_ dir: String) {
        let d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if d >= 0 { fsync(d); close(d) }
    }

    /// Remove `path` (no error when it is gone already), then fsync its directory.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path, errno: errno) }
        syncDirectory(Trust.parent(of: path))
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path, errno: errno)
            }
            offset += n
        }
    }

    /// Open for reading without following a final symlink and without blocking on a FIFO; refuse
    /// anything but a regular file. Returns nil when the file does not exist.
    /// `followSymlinks`: for read-only checks of files that are often links (drbd.conf); the
    /// type and size are still checked on the file reached.
    public static func openRegular(_ path: String, what: String, maxBytes: Int,
                                   followSymlinks: Bool = false) throws -> (fd: Int32, size: Int)? {
        let fd = open(path, O_RDONLY | (followSymlinks ? 0 : O_NOFOLLOW) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP {
                throw SystemError(refusing: path, because: "the \(what) is a symbolic link", fix: "give the real path")
            }
            throw SystemError("open", path, errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw SystemError("inspect", path, errno: e) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SystemError(refusing: path, because: "the \(what) is not a regular file (a FIFO, device or directory)",
                              fix: "give the path of a regular file")
        }
        guard Int(st.st_size) <= maxBytes else {
            close(fd)
            throw SystemError(refusing: path, because: "the \(what) is \(st.st_size) bytes, over the limit of \(maxBytes)",
                              fix: "split it, or check that this is the right file")
        }
        return (fd, Int(st.st_size))
    }

    /// The whole of a regular file of at most `maxBytes`, or nil when it does not exist.
    /// `trusted`: also refuse a file not owned by root/the effective user or writable by others.
    public static func read(_ path: String, what: String, maxBytes: Int, trusted: Bool = false,
                            followSymlinks: Bool = false) throws -> [UInt8]? {
        guard let (fd, size) = try openRegular(path, what: what, maxBytes: maxBytes,
                                               followSymlinks: followSymlinks) else { return nil }
        defer { close(fd) }
        if trusted {
            var st = stat()
            _ = fstat(fd, &st)
            if let why = Trust.problem(st, ancestor: false) {
                throw SystemError(refusing: path, because: "the \(what) is \(why)",
                                  fix: "chown root '\(path)' && chmod go-w '\(path)'")
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(size)
        // Uninitialized: a zeroed 64 KiB chunk cost ~65 K instructions of memset per file read.
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let n = Glibc.read(fd, chunk.baseAddress, chunk.count)
            if n < 0 { if errno == EINTR { continue }; throw SystemError("read", path, errno: errno) }
            if n == 0 { break }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            if out.count > maxBytes {
                throw SystemError(refusing: path, because: "the \(what) grew over the limit of \(maxBytes) bytes while read",
                                  fix: "check that this is the right file")
            }
        }
        return out
    }
}

extension Files {
    /// Open (creating it 0600 when missing) a file root keeps open for locking or appending:
    /// never through a symlink, only a regular file with one link, owned by root or the
    /// effective user and writable by nobody else. The caller closes the descriptor.
    public static func openOwn(_ path: String, what: String, append: Bool = false) throws -> Int32 {
        let flags = (append ? O_WRONLY | O_APPEND : O_RDWR) | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
        let fd = open(path, flags, 0o600)
        if fd < 0 {
            if errno == ELOOP {
                throw SystemError(refusing: path, because: "the \(what) is a symbolic link",
                                  fix: "remove it (rm '\(path)'); xg-scale creates it itself")
            }
            throw SystemError("open", path, errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw SystemError("inspect", path, errno: e) }
        var why: String?
        if (st.st_mode & S_IFMT) != S_IFREG { why = "not a regular file" }
        else if st.st_nlink != 1 { why = "a hard link to another file (\(st.st_nlink) links)" }
        else if let p = Trust.problem(st, ancestor: false) { why = p }
        if let why {
            close(fd)
            throw SystemError(refusing: path, because: "the \(what) is \(why)",
                              fix: "remove it (rm '\(path)'); xg-scale creates it itself")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }
}
