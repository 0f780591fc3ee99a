// The one reader of the files a user hands xg-scale (profiles, inventories and their sidecar
// vars files): regular files only, at most `maxBytes`, and, when root reads them to act on
// what they say, trusted like OpenSSH's StrictModes (the file and every directory above it).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which user files are read. Root acts on what they say (creates, deletes interfaces, probes
/// nodes), so as root only files nobody else can write are read; read-only commands (render,
/// validate) read any file.
public enum FileTrust: Sendable {
    case whenRoot, any
    public var required: Bool { self == .whenRoot && geteuid() == 0 }
}

public enum UserFiles {
    /// The largest profile or inventory read (a real one is a few kilobytes).
    public static let maxBytes = 16 << 20

    /// The bytes of a user file, nil when it does not exist. Throws `SystemError` for a file
    /// that is not regular, too large, unreadable or (when trust is required) writable by others.
    public static func read(_ path: String, what: String, trust: FileTrust) throws -> [UInt8]? {
        guard let bytes = try Files.read(path, what: what, maxBytes: maxBytes, trusted: trust.required) else {
            return nil
        }
        // The directories above it too: one writable by others lets its owner swap the file.
        if trust.required { try Trust.check(path, what: what) }
        return bytes
    }

    /// True when `path` is a regular file (not following a symbolic link).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The names in a folder (not following a symbolic link to one), or nil when `path` is not one.
    public static func listFolder(_ path: String) -> [String]? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
