// The few socket calls the emitters need, each wrapped once, errors as `SocketError`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

public struct SocketError: Error, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

enum Sockets {
    static func check(_ rc: Int32, _ op: @autoclosure () -> String) throws -> Int32 {
        if rc < 0 { throw SocketError(operation: op(), errno: errno) }
        return rc
    }

    /// A resolved address (sockaddr bytes) and its family.
    struct Address: Sendable {
        var family: Int32
        var storage: [UInt8]

        func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
            storage.withUnsafeBytes { raw in
                body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(storage.count))
            }
        }
    }

    static func resolve(host: String, port: Int, datagram: Bool) throws -> Address {
        var hints = addrinfo()
        hints.ai_socktype = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var res: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else {
            throw SocketError(operation: "resolve \(host): \(String(cString: gai_strerror(rc)))", errno: 0)
        }
        defer { freeaddrinfo(res) }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: first.pointee.ai_addr,
                                                   count: Int(first.pointee.ai_addrlen)))
        return Address(family: first.pointee.ai_family, storage: bytes)
    }

    static func unixAddress(_ path: String) throws -> Address {
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let cap = MemoryLayout.size(ofValue: sun.sun_path)
        guard bytes.count < cap else {
            throw SocketError(operation: "socket path too long: \(path)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &sun.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let len = MemoryLayout<sa_family_t>.size + bytes.count + 1
        let all = withUnsafeBytes(of: sun) { [UInt8]($0.prefix(len)) }
        return Address(family: AF_UNIX, storage: all)
    }

    static func socket(_ family: Int32, datagram: Bool) throws -> Int32 {
        let type = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try check(Glibc.socket(family, type, 0), "socket")
    }

    /// One datagram to `address`.
    static func sendTo(_ fd: Int32, _ bytes: [UInt8], _ address: Address) throws {
        let n = bytes.withUnsafeBytes { buf in
            address.withSockaddr { sa, len in
                Glibc.sendto(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), sa, len)
            }
        }
        if n < 0 { throw SocketError(operation: "sendto", errno: errno) }
    }

    /// Connect a stream socket with a timeout; returns the connected descriptor.
    static func connect(_ address: Address, timeout: TimeInterval) throws -> Int32 {
        let fd = try socket(address.family, datagram: false)
        do {
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if rc < 0 {
                guard errno == EINPROGRESS else { throw SocketError(operation: "connect", errno: errno) }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let r = poll(&p, 1, Int32(timeout * 1000))
                if r == 0 { throw SocketError(operation: "connect", errno: ETIMEDOUT) }
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                if err != 0 { throw SocketError(operation: "connect", errno: err) }
            }
            _ = fcntl(fd, F_SETFL, flags)
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Write all bytes to a stream socket (blocking, no SIGPIPE).
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "send", errno: errno)
            }
            off += n
        }
    }

    /// Whether the peer of a stream socket has closed it (FIN or RST seen), without blocking.
    /// A syslog server never sends anything, so readable means closed.
    static func peerClosed(_ fd: Int32) -> Bool {
        let POLLRDHUP: Int16 = 0x2000  // Linux; Glibc exports it only under _GNU_SOURCE
        var p = pollfd(fd: fd, events: Int16(POLLIN) | POLLRDHUP, revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || p.revents & (POLLRDHUP | Int16(POLLHUP) | Int16(POLLERR)) != 0
    }

    /// Write all bytes to a file descriptor (stdout, files).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "write", errno: errno)
            }
            off += n
        }
    }
}
