// Facts about the machine the DRBD checks run on. The only I/O of the DRBD feature lives here.
import DRBD
import Netlink
import Foundation
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

/// Files on disk; globbing through glob(3), sorted like drbdadm's include.
public struct DiskFileSource: ConfigFileSource {
    public init() {}
    public struct ReadError: Error {}
    public func read(_ path: String) throws -> String {
        try read(path, maxBytes: ConfigLimits.totalBytes)
    }
    /// Regular files only, opened without blocking: a FIFO or device is refused at once, never
    /// waited on. Symlinks are followed as drbdadm follows them (drbd.conf is often a link into
    /// a managed tree); the type is checked on the file reached.
    public func read(_ path: String, maxBytes: Int) throws -> String {
        do {
            guard let bytes = try Files.read(path, what: "DRBD configuration file", maxBytes: maxBytes,
                                             followSymlinks: true) else { throw ReadError() }
            return String(decoding: bytes, as: UTF8.self)
        } catch let e as SystemError where e.operation == "refuse" {
            throw ConfigSourceRefusal(reason: e.reason, fix: e.fix)
        }
    }
    public func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out
    }
}

/// The bytes of a file through open/read (no Foundation on the check's path); nil when it is
/// missing, unreadable or (with regularOnly) not a regular file. Files under /proc and /sys
/// report size 0 and are read until end of file.
func readFile(_ path: String, regularOnly: Bool = false) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    if regularOnly && (st.st_mode & S_IFMT) != S_IFREG { return nil }
    var out: [UInt8] = []
    var capacity = max(Int(st.st_size) + 1, 4096)
    while true {
        var chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buf, count in
            count = 0
            while count < capacity {
                let n = read(fd, buf.baseAddress! + count, capacity - count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { if n < 0 { count = -1 }; break }
                count += n
            }
            if count < 0 { count = 0; capacity = -1 }
        }
        if capacity < 0 { return nil }
        let full = chunk.count == capacity
        if out.isEmpty { swap(&out, &chunk) } else { out += chunk }
        if !full { return out }
        capacity *= 2
    }
}

public enum LocalMachine {
    /// The node name drbdadm matches `on NAME` against (uname -n).
    public static func hostname() -> String {
        var u = utsname()
        guard uname(&u) == 0 else { return "localhost" }
        return withUnsafeBytes(of: &u.nodename) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// Canonical addresses on every interface (Netlink's RTM_GETADDR dump, else getifaddrs).
    public static func interfaceAddresses() -> Set<String> {
        if let list = try? LinkReader().addresses(includingLinkLocal: true) {
            return Set(list.map { String($0.prefix { $0 != "/" }) })
        }
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return [] }
        defer { freeifaddrs(head) }
        var out = Set<String>()
        var p = head
        while let ifa = p {
            defer { p = ifa.pointee.ifa_next }
            guard let sa = ifa.pointee.ifa_addr else { continue }
            let family = Int32(sa.pointee.sa_family)
            let bytes: [UInt8]
            switch family {
            case AF_INET:
                bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr, Array.init) }
            case AF_INET6:
                bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr, Array.init) }
            default: continue
            }
            if let text = IPAddress.text(family: family, bytes: bytes) { out.insert(text) }
        }
        return out
    }

    static func cstr(_ b: [CChar]) -> String {
        String(decoding: b.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static let tcpStates = ["01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
                            "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
                            "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"]

    /// Parse /proc/net/tcp or /proc/net/tcp6 text.
    public static func parseProcNetTCP(_ text: String, ipv6: Bool) -> [LocalSocket] {
        var out: [LocalSocket] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10 else { continue }
            let local = f[1].split(separator: ":")
            guard local.count == 2, let port = Int(local[1], radix: 16),
                  let ip = hexAddress(String(local[0]), ipv6: ipv6) else { continue }
            let st = tcpStates[String(f[3])] ?? String(f[3])
            out.append(LocalSocket(ip: ip, port: port, ipv6: ipv6, listening: st == "LISTEN", state: st,
                                   inode: UInt64(f[9]) ?? 0, uid: Int(f[7]) ?? -1))
        }
        return out
    }

    /// /proc/net/tcp prints addresses as 32-bit words in host byte order.
    static func hexAddress(_ hex: String, ipv6: Bool) -> String? {
        let chars = Array(hex.utf8)
        guard chars.count == (ipv6 ? 32 : 8) else { return nil }
        var bytes: [UInt8] = []
        for w in stride(from: 0, to: chars.count, by: 8) {
            guard let word = UInt32(String(decoding: chars[w..<w + 8], as: UTF8.self), radix: 16) else { return nil }
            let le = word.littleEndian // host order on the little-endian machines we run on
            withUnsafeBytes(of: le) { bytes += $0 }
        }
        return IPAddress.text(family: ipv6 ? AF_INET6 : AF_INET, bytes: bytes)
    }

    /// TCP sockets of this network namespace: through NETLINK_SOCK_DIAG (inet_diag), else
    /// /proc/net/tcp and tcp6. `ports` asks the kernel for local ports in that range only;
    /// `timeWait: false` leaves TIME_WAIT sockets out.
    public static func sockets(ports: ClosedRange<Int>? = nil, timeWait: Bool = true) -> [LocalSocket] {
        if let listed = SockDiag.tcpSockets(ports: ports, timeWait: timeWait) {
            return listed.map {
                LocalSocket(ip: $0.ip, port: $0.port, ipv6: $0.ipv6, listening: $0.listening, state: $0.state,
                            inode: $0.inode, uid: $0.uid)
            }
        }
        return procSockets().filter { (timeWait || $0.state != "TIME_WAIT") && (ports?.contains($0.port) ?? true) }
    }

    /// TCP sockets read from /proc/net/tcp and /proc/net/tcp6 (the fallback; slower: the
    /// kernel formats every socket as text).
    public static func procSockets() -> [LocalSocket] {
        var out: [LocalSocket] = []
        for (path, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
            if let d = readFile(path) {
                out += parseProcNetTCP(String(decoding: d, as: UTF8.self), ipv6: v6)
            }
        }
        return out
    }

    /// "name[pid]" of the process holding socket `inode`, scanning /proc/*/fd (best effort).
    public static func owner(ofSocketInode inode: UInt64) -> String? {
        guard inode != 0, let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        let target = "socket:[\(inode)]"
        for pid in pids where pid.allSatisfy(\.isNumber) {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                if let l = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"), l == target {
                    let comm = readFile("/proc/\(pid)/comm").map({ String(decoding: $0, as: UTF8.self) })?
                        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                    return "\(comm)[\(pid)]"
                }
            }
        }
        return nil
    }

    /// Size in bytes: a block device through /sys/dev/block/MAJ:MIN/size (512-byte sectors),
    /// a regular file through stat. nil when missing or unreadable.
    public static func size(of path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return UInt64(st.st_size)
        case S_IFBLK:
            let maj = (st.st_rdev >> 8) & 0xfff | (st.st_rdev >> 32) & ~0xfff
            let min = st.st_rdev & 0xff | (st.st_rdev >> 12) & ~0xff
            guard let t = readFile("/sys/dev/block/\(maj):\(min)/size"),
                  let sectors = UInt64(String(decoding: t, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return sectors * 512
        default: return nil
        }
    }

    /// The loaded drbd module's minor_count, nil when the module is not loaded.
    public static func moduleMinorCount() -> Int? {
        guard let t = readFile("/sys/module/drbd/parameters/minor_count") else { return nil }
        return Int(String(decoding: t, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Everything the local checks need.
    /// `ports`: the range of the configuration's ports; sockets outside it are not asked for.
    public static func facts(ports: ClosedRange<Int>? = nil) -> LocalFacts {
        // Owners are looked up later, only for sockets on DRBD ports (see Preflight.check).
        let socks = sockets(ports: ports, timeWait: false)
        return LocalFacts(addresses: interfaceAddresses(), sockets: socks, sizeOf: { size(of: $0) })
    }
}

/// The whole local check: read the configuration from disk, gather facts, run every check.
public enum Preflight {
    /// Lowest and highest port any address of the configuration names (nil: none).
    static func portRange(_ c: Configuration) -> ClosedRange<Int>? {
        var lo = Int.max, hi = Int.min
        func add(_ p: Int) { lo = min(lo, p); hi = max(hi, p) }
        for r in c.resources {
            for h in r.hosts { if let a = h.address { add(a.port) } }
            for cn in r.connections {
                for p in cn.paths {
                    for ch in p {
                        if let a = ch.address { add(a.port) }
                        if let pt = ch.port { add(pt) }
                    }
                }
            }
        }
        return lo <= hi ? lo...hi : nil
    }

    /// `inputs`: how the caller's user names the inputs a fix points to (the CLI's flags).
    public static func check(configPath: String, host: String?, minorCount: Int?, local: Bool = true,
                             inputs: InputNames) -> [Finding] {
        let loaded = ConfigLoader.load(configPath, from: DiskFileSource(), inputs: inputs)
        var facts = local ? LocalMachine.facts(ports: loaded.configuration.flatMap(portRange)) : nil
        if var f = facts, f.sockets.contains(where: { !$0.isKernelSocket }) {
            // Name the process behind sockets that sit on a DRBD port (few): cheap, and it makes
            // the port-in-use message actionable.
            let ports = Set(loaded.configuration?.resources.flatMap { $0.endpoints.map(\.endpoint.port) } ?? [])
            for i in f.sockets.indices where ports.contains(f.sockets[i].port) && !f.sockets[i].isKernelSocket {
                f.sockets[i].owner = LocalMachine.owner(ofSocketInode: f.sockets[i].inode)
            }
            facts = f
        }
        // From a coordinator (--no-local without --host) every host's view is checked and no
        // host is "this" one, so unknown-host does not apply.
        let options = CheckOptions(host: host ?? (local ? LocalMachine.hostname() : nil),
                                   minorCount: LocalMachine.moduleMinorCount() ?? minorCount, local: facts,
                                   inputs: inputs)
        return Checker.check(loaded, options: options)
    }
}
