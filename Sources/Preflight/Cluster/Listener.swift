// The node side's temporary listeners: bound to a resource's exact address and port, they
// accept and echo every byte back (so the connecting peer can push large segments both ways),
// and close when the node side ends.
import DRBD
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class EchoServer: @unchecked Sendable {
    private var listeners: [Int32] = []
    private var wake: [Int32] = [-1, -1]
    private(set) var statuses: [ListenStatus] = []

    /// Open a listener on each socket not held by DRBD; the statuses say what happened.
    init(_ specs: [SocketSpec], sockets: [LocalSocket]) {
        _ = pipe(&wake)
        for s in specs {
            statuses.append(EchoServer.heldByDRBD(s, sockets: sockets) ?? open(s))
        }
    }

    /// DRBD's own socket on `s` (a kernel socket: no inode), preferring its listener: then the
    /// port is DRBD's and not ours to listen on.
    public static func heldByDRBD(_ s: SocketSpec, sockets: [LocalSocket]) -> ListenStatus? {
        let drbd = sockets.filter { $0.isKernelSocket && $0.port == s.port && $0.state != "TIME_WAIT" && ($0.ip == s.ip || $0.isWildcard) }
        guard let held = drbd.first(where: \.listening) ?? drbd.first else { return nil }
        return ListenStatus(socket: s, state: .drbd, detail: "DRBD holds \(s.text) (\(held.state))", drbdState: held.state)
    }

    private func open(_ s: SocketSpec) -> ListenStatus {
        let fd = Sock.tcp(ipv6: s.ipv6)
        guard fd >= 0 else { return ListenStatus(socket: s, state: .failed, detail: "socket: \(Sock.strerror(-fd))") }
        Sock.setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        let e = Sock.bind(fd, s.ip, port: s.port, ipv6: s.ipv6)
        if e != 0 || listen(fd, 512) != 0 {
            let code = e != 0 ? e : errno
            close(fd)
            switch code {
            case EADDRINUSE: return ListenStatus(socket: s, state: .portInUse, detail: EchoServer.holder(of: s))
            case EADDRNOTAVAIL:
                return ListenStatus(socket: s, state: .addressNotLocal, detail: "\(s.ip) is on none of the node's interfaces (EADDRNOTAVAIL)")
            default: return ListenStatus(socket: s, state: .failed, detail: "cannot listen on \(s.text): \(Sock.strerror(code))")
            }
        }
        listeners.append(fd)
        return ListenStatus(socket: s, state: .listening, detail: "listening on \(s.text)")
    }

    /// "port 7790 of 10.0.0.2 is held by python3[812] (LISTEN on 0.0.0.0:7790)", as far as root sees.
    static func holder(of s: SocketSpec) -> String {
        let socks = LocalMachine.sockets(ports: s.port...s.port, timeWait: false)
        let covering = socks.first { $0.listening && ($0.ip == s.ip || $0.isWildcard) } ?? socks.first
        guard let c = covering else { return "port \(s.port) of \(s.ip) is in use (EADDRINUSE)" }
        let addr = c.ipv6 ? "[\(c.ip)]:\(c.port)" : "\(c.ip):\(c.port)"
        let who = c.isKernelSocket ? "a kernel socket" : (LocalMachine.owner(ofSocketInode: c.inode) ?? "uid \(c.uid), inode \(c.inode)")
        return "port \(s.port) of \(s.ip) is held by \(who) (\(c.state) on \(addr))"
    }

    /// Serve until `stop()` (a byte on the wake pipe): accept and echo. Runs on its own thread.
    func start() {
        Thread.detach { [self] in loop() }
    }

    func stop() {
        var b: UInt8 = 1
        _ = write(wake[1], &b, 1)
    }

    private struct Conn { var fd: Int32; var pending: [UInt8] = []; var eof = false }

    private func loop() {
        var conns: [Conn] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            var fds = [pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
            fds += listeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            fds += conns.map { pollfd(fd: $0.fd, events: Int16($0.pending.isEmpty ? POLLIN : POLLOUT), revents: 0) }
            if poll(&fds, nfds_t(fds.count), 1000) <= 0 { continue }
            if fds[0].revents != 0 { break } // stop()
            for (i, l) in listeners.enumerated() where fds[1 + i].revents != 0 {
                while true {
                    let c = accept(l, nil, nil)
                    if c < 0 { break }
                    _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
                    _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                    Sock.setInt(c, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                    conns.append(Conn(fd: c))
                }
            }
            let base = 1 + listeners.count
            for i in conns.indices.reversed() where i < fds.count - base && fds[base + i].revents != 0 {
                if !EchoServer.serve(&conns[i], &buf) { close(conns[i].fd); conns.remove(at: i) }
            }
        }
        for c in conns { close(c.fd) }
        for l in listeners { close(l) }
    }

    /// Read what is there and send it back; false when the connection is finished.
    private static func serve(_ c: inout Conn, _ buf: inout [UInt8]) -> Bool {
        if c.pending.isEmpty {
            let n = read(c.fd, &buf, buf.count)
            if n == 0 { return false }
            if n < 0 { return errno == EAGAIN || errno == EINTR }
            c.pending = Array(buf[0..<n])
        }
        let w = c.pending.withUnsafeBytes { write(c.fd, $0.baseAddress, $0.count) }
        if w > 0 { c.pending.removeFirst(w) }
        else if w < 0 && errno != EAGAIN && errno != EINTR { return false }
        return true
    }
}

extension Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) { Thread.detachNewThread(body) }
}
