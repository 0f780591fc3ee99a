import Foundation

/// Netlink requests sent, by what they ask of the kernel. Issue-level contract: a no-op re-apply
/// sends zero change requests (`changes == 0`).
public struct RequestCounts: Sendable, Equatable, Codable {
    /// RTM_GET* requests (reads, dumps).
    public var get = 0
    /// RTM_NEW* requests (create, add address/route, set link attributes via NEWLINK).
    public var new = 0
    /// RTM_SET* requests.
    public var set = 0
    /// RTM_DEL* requests.
    public var del = 0

    public init() {}

    /// Requests that ask the kernel to change something.
    public var changes: Int { new + set + del }

    enum Kind { case get, new, set, del }

    /// rtnetlink message types come in groups of four: NEW, DEL, GET, SET (RTM_BASE = 16).
    static func kind(ofMessageType type: UInt16) -> Kind {
        switch type % 4 {
        case 0: return .new
        case 1: return .del
        case 2: return .get
        default: return .set
        }
    }

    mutating func count(messageType: UInt16) {
        switch Self.kind(ofMessageType: messageType) {
        case .get: get += 1
        case .new: new += 1
        case .set: set += 1
        case .del: del += 1
        }
    }
}

/// Process-wide tally of every request any `NetlinkSocket` sent (for `apply` to report).
public enum RequestCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counts = RequestCounts()

    /// Requests sent by this process so far.
    public static var total: RequestCounts { lock.withLock { counts } }

    static func record(messageType: UInt16) {
        lock.withLock { counts.count(messageType: messageType) }
    }
}
