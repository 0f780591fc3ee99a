// A socket that only listens: joined to the rtnetlink groups that carry what
// `LinkReader.currentState` reads (links, IPv4/IPv6 addresses and routes). Opened before a read,
// it tells afterwards whether the kernel announced any change since; if not, the read still
// holds. Used to read the state ahead on a second thread while the caller reads its profile.
internal import CNetlink
import Glibc

public final class ChangeSentinel {
    private let raw: OpaquePointer

    /// The groups a change to `currentState`'s view is announced on.
    static let groups = Int32(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE)

    /// Join the groups in the calling thread's network namespace.
    public init() throws(NetlinkError) {
        let raw = try libnl("allocate netlink socket") { nl_socket_alloc() }
        nl_join_groups(raw, Self.groups)
        do {
            try libnl("join the route groups") { nl_connect(raw, NETLINK_ROUTE) }
        } catch {
            nl_socket_free(raw)
            throw error
        }
        self.raw = raw
    }

    deinit { nl_socket_free(raw) }

    /// True when nothing was announced since `init` (no notification queued, no overrun).
    /// Any notification, or an error such as ENOBUFS (notifications were lost), says a change.
    public var quiet: Bool {
        var byte: UInt8 = 0
        while true {
            let n = recv(nl_socket_get_fd(raw), &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC))
            if n < 0 && errno == EINTR { continue }
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
        }
    }
}
