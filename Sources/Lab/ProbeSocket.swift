// A non-blocking IPv4 UDP socket for the probe stream, and the guard that refuses to probe from
// a namespace with a route out of the machine.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemIO

struct ProbeSocket {
    let fd: Int32

    init(bindPort: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("create a UDP socket", "probe", errno: errno) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = bindPort.bigEndian
        let rc = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            throw SystemError("bind UDP port \(bindPort)", "probe", errno: e)
        }
    }

    static func address(_ text: String, port: UInt16) throws -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        guard inet_pton(AF_INET, text, &a.sin_addr) == 1 else {
            throw SystemError(refusing: text, because: "it is not an IPv4 address", fix: "give the probe an IPv4 address")
        }
        return a
    }

    func send(_ bytes: [UInt8], to target: sockaddr_in) {
        var t = target
        // A failed send (no route while the path is cut) is a lost probe, nothing more.
        _ = withUnsafePointer(to: &t) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// One datagram if one is waiting: its length and sender.
    func receive(_ buffer: inout [UInt8]) -> (Int, sockaddr_in)? {
        var from = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let n = withUnsafeMutablePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &len) }
        }
        return n > 0 ? (n, from) : nil
    }

    func close() { Glibc.close(fd) }
}

/// Probing happens only inside a namespace that is not the machine's own and has no default
/// route (IPv4 or IPv6): traffic then stays between the lab's namespaces.
public enum ProbeGuard {
    /// Why this process must not probe, or nil. `outside`: the network namespace (inode) the
    /// drill runs in, which the probe must not be in; the machine's (pid 1's) too when readable.
    public static func problem(outside: UInt64?) -> String? {
        var mine = stat()
        guard stat("/proc/self/ns/net", &mine) == 0 else {
            return "cannot read this process's network namespace (is /proc mounted?)"
        }
        var initial = stat()
        if stat("/proc/1/ns/net", &initial) == 0 && initial.st_ino == mine.st_ino {
            return "this is the machine's own network namespace: probes run only inside the lab's namespaces"
        }
        if let outside, UInt64(mine.st_ino) == outside {
            return "this is the drill's own network namespace (net:[\(outside)]): probes run only inside the lab's namespaces"
        }
        if let route = defaultRoute() { return "this namespace has a route out (\(route)): probes would leave the lab" }
        return nil
    }

    /// A default route of this namespace, as text, from /proc/net/route and /proc/net/ipv6_route.
    static func defaultRoute() -> String? {
        let v4 = (try? Files.read("/proc/net/route", what: "routing table", maxBytes: 1 << 22)) ?? nil
        for line in String(decoding: v4 ?? [], as: UTF8.self).split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if f.count > 7, f[1] == "00000000", f[7] == "00000000" { return "IPv4 default via \(f[0])" }
        }
        let v6 = (try? Files.read("/proc/net/ipv6_route", what: "routing table", maxBytes: 1 << 22)) ?? nil
        for line in String(decoding: v6 ?? [], as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            // dest, plen, src, splen, next hop, metric, refcnt, use, flags, device
            guard f.count >= 10, f[1] == "00", f[0] == String(repeating: "0", count: 32),
                  let flags = UInt32(f[8], radix: 16) else { continue }
            let reject: UInt32 = 0x0200
            if flags & reject == 0 && f[9] != "lo" { return "IPv6 default via \(f[9])" }
        }
        return nil
    }
}
