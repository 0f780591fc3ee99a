// Thin wrappers over the socket calls the probes make: addresses, non-blocking sockets, errno.
#if canImport(Glibc)
import Glibc
#endif
import Vocabulary

enum Sock {
    /// A sockaddr for `ip`:`port`, nil when `ip` is not an address of its family. An IPv6 zone
    /// (`fe80::1%eth0`, or a number) becomes the scope id; nil when no interface has that name.
    static func address(_ ip: String, port: Int, ipv6: Bool) -> (sockaddr_storage, socklen_t)? {
        var ss = sockaddr_storage()
        if ipv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = in_port_t(UInt16(port).bigEndian)
            let (bare, zone) = IPAddress.splitZone(ip)
            guard inet_pton(AF_INET6, bare, &a.sin6_addr) == 1 else { return nil }
            if let zone {
                guard let scope = scopeID(zone) else { return nil }
                a.sin6_scope_id = scope
            }
            withUnsafeMutableBytes(of: &ss) { dst in withUnsafeBytes(of: a) { dst.copyMemory(from: $0) } }
            return (ss, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, ip, &a.sin_addr) == 1 else { return nil }
        withUnsafeMutableBytes(of: &ss) { dst in withUnsafeBytes(of: a) { dst.copyMemory(from: $0) } }
        return (ss, socklen_t(MemoryLayout<sockaddr_in>.size))
    }

    /// The interface index a zone names (`eth0`, or `2` as written), nil when there is none.
    static func scopeID(_ zone: String) -> UInt32? {
        if let n = UInt32(zone), n > 0 { return n }
        let index = if_nametoindex(zone)
        return index > 0 ? index : nil
    }

    /// A non-blocking, close-on-exec TCP socket; -errno on failure.
    static func tcp(ipv6: Bool) -> Int32 {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET,
                        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        return fd >= 0 ? fd : -errno
    }

    /// bind(2); 0 or the errno.
    static func bind(_ fd: Int32, _ ip: String, port: Int, ipv6: Bool) -> Int32 {
        guard let (addr, len) = address(ip, port: port, ipv6: ipv6) else { return EINVAL }
        var ss = addr
        let r = withUnsafePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, len) } }
        return r == 0 ? 0 : errno
    }

    /// connect(2) on a non-blocking socket: 0 connected, EINPROGRESS pending, else the errno.
    static func connect(_ fd: Int32, _ ip: String, port: Int, ipv6: Bool) -> Int32 {
        guard let (addr, len) = address(ip, port: port, ipv6: ipv6) else { return EINVAL }
        var ss = addr
        while true {
            let r = withUnsafePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) } }
            if r == 0 { return 0 }
            if errno == EINTR { continue }
            return errno
        }
    }

    static func setInt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    static func getInt(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var v: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, level, name, &v, &len) == 0 ? v : -1
    }

    /// The pending error of a socket after a non-blocking connect (SO_ERROR).
    static func pendingError(_ fd: Int32) -> Int32 { getInt(fd, SOL_SOCKET, SO_ERROR) }

    static func strerror(_ code: Int32) -> String {
        guard let p = Glibc.strerror(code) else { return "errno \(code)" }
        return String(cString: p)
    }
}
