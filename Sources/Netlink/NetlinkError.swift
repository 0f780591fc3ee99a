internal import CNetlink

/// A libnl call that failed: which operation, libnl's error code and its `nl_geterror` text.
///
/// `code` is a libnl `NLE_*` code (positive), not an errno value: libnl maps the kernel's errno
/// to its own codes (EEXIST -> NLE_EXIST ...), and `message` is libnl's text for it.
public struct NetlinkError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was being done, e.g. "connect NETLINK_ROUTE" or "create bridge xenbr0".
    public var operation: String
    /// libnl error code (NLE_*, positive).
    public var code: Int32
    /// libnl's text for `code` (nl_geterror).
    public var message: String
    /// The kernel's own reason (extended ACK message), when it gave one.
    public var kernelMessage: String?

    public init(operation: String, code: Int32, message: String, kernelMessage: String? = nil) {
        self.operation = operation; self.code = code; self.message = message
        self.kernelMessage = kernelMessage
    }

    init(operation: String, libnlCode: Int32) {
        let positive = libnlCode < 0 ? -libnlCode : libnlCode
        self.init(operation: operation, code: positive, message: String(cString: nl_geterror(positive)))
    }

    public var description: String {
        "netlink: \(operation): \(message)" + (kernelMessage.map { " (kernel: \($0))" } ?? "")
    }

    /// True when the kernel said the object already exists (NLE_EXIST).
    public var isExists: Bool { code == NLE_EXIST }
    /// True when the object does not exist (NLE_OBJ_NOTFOUND / NLE_NODEV).
    public var isNotFound: Bool { code == NLE_OBJ_NOTFOUND || code == NLE_NODEV }
    /// True when the caller lacks the privilege (NLE_PERM).
    public var isPermission: Bool { code == NLE_PERM || code == NLE_NOACCESS }
}

/// The one door to libnl: every call that returns an int goes through here, so a negative result
/// always becomes a `NetlinkError` naming the operation.
@discardableResult
func libnl(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(NetlinkError) -> Int32 {
    let result = call()
    if result < 0 { throw NetlinkError(operation: operation(), libnlCode: result) }
    return result
}

/// The same door for calls that return a pointer (allocations): NULL becomes NLE_NOMEM.
func libnl<T>(_ operation: @autoclosure () -> String, _ call: () -> T?) throws(NetlinkError) -> T {
    guard let value = call() else {
        throw NetlinkError(operation: operation(), libnlCode: -NLE_NOMEM)
    }
    return value
}
