// TCP sockets through NETLINK_SOCK_DIAG (inet_diag, as `ss` reads them): one dump request (both
// families, or one per address family on kernels that refuse that), with the state mask and a
// local-port range filter run in the kernel. Much cheaper than /proc/net/tcp, which the kernel
// formats as text for every socket.
#if canImport(Glibc)
import Glibc
#endif

/// One TCP socket of the namespace, as inet_diag reports it.
public struct TCPSocket: Sendable, Equatable, Hashable {
    /// Local address in inet_ntop's form ("127.0.0.1", "::1").
    public var ip: String
    public var port: Int
    public var ipv6: Bool
    /// TCP state name (LISTEN, ESTABLISHED, ... as /proc/net/tcp names them).
    public var state: String
    public var listening: Bool { state == "LISTEN" }
    /// Socket inode; 0 for kernel sockets.
    public var inode: UInt64
    public var uid: Int
}

/// TCP socket listing through NETLINK_SOCK_DIAG.
public enum SockDiag {
    /// Every TCP socket of the calling thread's network namespace (local port in `ports` when
    /// given; TIME_WAIT ones only with `timeWait`). nil when the kernel does not answer
    /// sock_diag at all: the caller falls back to /proc/net/tcp.
    public static func tcpSockets(ports: ClosedRange<Int>? = nil, timeWait: Bool = true) -> [TCPSocket]? {
        if let both = InetDiag.dump(family: 0, ports: ports, timeWait: timeWait) { return both }
        guard let v4 = InetDiag.dump(family: AF_INET, ports: ports, timeWait: timeWait),
              let v6 = InetDiag.dump(family: AF_INET6, ports: ports, timeWait: timeWait) else { return nil }
        return v4 + v6
    }
}

enum InetDiag {
    // linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h
    static let netlinkSockDiag: Int32 = 4        // NETLINK_SOCK_DIAG
    static let sockDiagByFamily: UInt16 = 20     // SOCK_DIAG_BY_FAMILY
    static let nlmFRequest: UInt16 = 0x1, nlmFDump: UInt16 = 0x300
    static let nlmsgError: UInt16 = 2, nlmsgDone: UInt16 = 3
    static let reqBytecode: UInt16 = 1           // INET_DIAG_REQ_BYTECODE
    static let bcSGE: UInt8 = 2, bcSLE: UInt8 = 3 // INET_DIAG_BC_S_GE, INET_DIAG_BC_S_LE

    static let stateNames = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                             "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
                             "SYN_RECV"] // 12: TCP_NEW_SYN_RECV, shown as SYN_RECV like /proc

    static let tcpDiagGetSock: UInt16 = 18       // TCPDIAG_GETSOCK (the original request)

    /// `family` 0: IPv4 and IPv6 in one walk of the kernel's socket tables through the original
    /// TCPDIAG_GETSOCK request; AF_INET/AF_INET6: SOCK_DIAG_BY_FAMILY. nil when refused.
    static func dump(family: Int32, ports: ClosedRange<Int>?, timeWait: Bool) -> [TCPSocket]? {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { return nil }
        defer { close(fd) }

        var states: UInt32 = (1 << 13) - 2           // states 1...12
        if !timeWait { states &= ~(UInt32(1) << 6) }  // TCP_TIME_WAIT
        var req: [UInt8] = []
        func u8(_ v: UInt8) { req.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { req += $0 } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { req += $0 } }
        let filterLen = ports == nil ? 0 : 4 + 16
        if family == 0 {
            // struct inet_diag_req: family, src_len, dst_len, ext, sockid, states, dbs
            u32(UInt32(16 + 60 + filterLen)); u16(tcpDiagGetSock); u16(nlmFRequest | nlmFDump); u32(1); u32(0)
            u8(UInt8(AF_INET)); u8(0); u8(0); u8(0)
            req += repeatElement(0, count: 48)        // inet_diag_sockid: unused for a dump
            u32(states); u32(0)
        } else {
            // struct inet_diag_req_v2: family, protocol, ext, pad, states, sockid
            u32(UInt32(16 + 56 + filterLen)); u16(sockDiagByFamily); u16(nlmFRequest | nlmFDump); u32(1); u32(0)
            u8(UInt8(family)); u8(UInt8(IPPROTO_TCP)); u8(0); u8(0); u32(states)
            req += repeatElement(0, count: 48)        // inet_diag_sockid: unused for a dump
        }
        if let ports {
            // sport >= lo && sport <= hi; a failed test jumps past the end (reject).
            u16(UInt16(filterLen)); u16(reqBytecode)
            u8(bcSGE); u8(8); u16(20); u8(0); u8(0); u16(UInt16(ports.lowerBound))
            u8(bcSLE); u8(8); u16(12); u8(0); u8(0); u16(UInt16(ports.upperBound))
        }
        let sent = req.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == req.count else { return nil }

        var out: [TCPSocket] = []
        var buf = [UInt8](repeating: 0, count: 32768)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            var off = 0
            while off + 16 <= n {
                let len = Int(load32(buf, off))
                let type = UInt16(buf[off + 4]) | UInt16(buf[off + 5]) << 8
                guard len >= 16, off + len <= n else { return nil }
                if type == nlmsgDone { return out }
                if type == nlmsgError { return nil }
                if type == (family == 0 ? tcpDiagGetSock : sockDiagByFamily), len >= 16 + 72,
                   let s = message(buf, off + 16) { out.append(s) }
                off += (len + 3) & ~3
            }
        }
    }

    private static func load32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    /// struct inet_diag_msg at `o`.
    private static func message(_ b: [UInt8], _ o: Int) -> TCPSocket? {
        let family = Int32(b[o]), state = Int(b[o + 1])
        let port = Int(b[o + 4]) << 8 | Int(b[o + 5])  // network byte order
        let v6 = family == AF_INET6
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = b.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress! + o + 8, &text, socklen_t(text.count)) != nil
        }
        guard ok else { return nil }
        let name = state < stateNames.count ? stateNames[state] : String(state)
        let ip = String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return TCPSocket(ip: ip, port: port, ipv6: v6, state: name,
                         inode: UInt64(load32(b, o + 68)), uid: Int(load32(b, o + 64)))
    }
}
