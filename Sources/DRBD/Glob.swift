// glob(3) matching for include patterns held in memory (MemoryFileSource). On disk the engine
// globs with glob(3) itself (Preflight's DiskFileSource); here fnmatch(3) with the flags that
// give glob(3)'s per-component semantics. fnmatch does no I/O: the core stays pure.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pattern matching as glob(3) does it per path component: `*`, `?`, `[...]`; `/` is never
/// matched by a wildcard (FNM_PATHNAME), and a leading `.` of a component must be matched
/// literally (FNM_PERIOD).
public enum Glob {
    public static func hasMagic(_ s: String) -> Bool { s.contains { "*?[".contains($0) } }

    public static func matches(pattern: String, path: String) -> Bool {
        // fnmatch stops at a NUL: a path holding one must not match as its prefix would.
        guard !pattern.utf8.contains(0), !path.utf8.contains(0) else { return false }
        return fnmatch(pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0
    }
}
