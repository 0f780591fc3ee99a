// Where drbd.conf text comes from (disk in the engine, memory in tests and for parsed dumps),
// what a source may refuse, and the bounds on what one configuration may read.

/// Where configuration text comes from: a real file system in the engine, memory in tests.
public protocol ConfigFileSource {
    /// The text of the file at `path` (absolute).
    func read(_ path: String) throws -> String
    /// The text of the file at `path`, refusing more than `maxBytes` (a `ConfigSourceRefusal`).
    func read(_ path: String, maxBytes: Int) throws -> String
    /// Absolute paths matching the glob `pattern` (absolute), sorted as glob(3) sorts them.
    func glob(_ pattern: String) -> [String]
}

extension ConfigFileSource {
    public func read(_ path: String, maxBytes: Int) throws -> String {
        let text = try read(path)
        guard text.utf8.count <= maxBytes else {
            throw ConfigSourceRefusal(reason: "it is \(text.utf8.count) bytes, over the \(maxBytes) bytes left of the limit",
                                      fix: "split the configuration, or check that this is the right file")
        }
        return text
    }
}

/// A file the source would not read (not a regular file, too large, untrusted), with the fix.
/// The parser reports it at the include statement that named the file.
public struct ConfigSourceRefusal: Error, Sendable {
    public var reason: String
    public var fix: String
    public init(reason: String, fix: String) { self.reason = reason; self.fix = fix }
}

/// The bounds on what one configuration may read (see drbd check's help).
public enum ConfigLimits {
    /// Include statements nested deeper than this are refused (drbd.conf -> global_common.conf
    /// -> *.res is 2 deep).
    public static let includeDepth = 32
    /// Bytes read over every file of one configuration.
    public static let totalBytes = 64 << 20
}

/// Files held in memory, globbed with fnmatch(3) semantics. For tests and for parsing text
/// (such as `drbdadm dump` output) that is not on disk.
public struct MemoryFileSource: ConfigFileSource, Sendable {
    public var files: [String: String]
    public init(_ files: [String: String]) { self.files = files }
    public struct Missing: Error {}
    public func read(_ path: String) throws -> String {
        guard let t = files[path] else { throw Missing() }
        return t
    }
    public func glob(_ pattern: String) -> [String] {
        files.keys.filter { Glob.matches(pattern: pattern, path: $0) }.sorted()
    }
}
