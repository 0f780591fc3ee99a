// One error type for every POSIX call xg-scale makes on files and processes: the operation, the
// path it was about, errno's text, and what the user can do about it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was attempted, e.g. "open", "rename", "refuse".
    public var operation: String
    public var path: String
    /// errno at the failure; 0 for a refusal that is not a failed call (an untrusted owner, say).
    public var errno: Int32
    /// Why, in words (strerror's text or the reason of a refusal).
    public var reason: String
    /// What to do about it; empty when nothing useful can be said.
    public var fix: String

    public init(_ operation: String, _ path: String, errno: Int32, fix: String = "") {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.reason = String(cString: strerror(errno))
        self.fix = fix
    }

    /// A refusal (trust, type, size): no errno.
    public init(refusing path: String, because reason: String, fix: String) {
        self.operation = "refuse"
        self.path = path
        self.errno = 0
        self.reason = reason
        self.fix = fix
    }

    /// What went wrong, without the fix: "cannot open PATH: REASON", or "PATH: REASON" for a refusal.
    public var summary: String { operation == "refuse" ? "\(path): \(reason)" : "cannot \(operation) \(path): \(reason)" }

    public var description: String { fix.isEmpty ? summary : "\(summary) (fix: \(fix))" }
}

/// Run a call that returns -1 and sets errno, retrying on EINTR; throw `SystemError` otherwise.
@discardableResult
public func posix<T: BinaryInteger>(_ operation: String, _ path: String, fix: String = "",
                                    _ call: () -> T) throws -> T {
    while true {
        let r = call()
        if r != -1 { return r }
        let e = errno
        if e == EINTR { continue }
        throw SystemError(operation, path, errno: e, fix: fix)
    }
}
