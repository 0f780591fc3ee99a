// The connecting side of a directed pair: connect with the source bound to the configured
// address, then push large segments and read them back (the peer's listener echoes), all
// attempts of a node at once in one poll loop, each against its deadline.
#if canImport(Glibc)
import Glibc
#endif

/// One connection to make: `mss` (IP packet size minus headers) pins the segment size.
struct Attempt {
    var spec: ConnectSpec
    var packetSize: Int?
    var push: Bool
}

/// What happened to an attempt.
struct AttemptResult {
    enum State { case connected, failed(Int32, immediate: Bool), timedOut }
    var state: State = .timedOut
    /// Bytes pushed and read back in full (push attempts only).
    var echoed = false
    var payload = 0
    /// The segment size the kernel used (TCP_MAXSEG after connect).
    var mss = 0
}

enum Prober {
    /// Run every attempt at once: connect by `connectBy`; each push ends `pushFor` after its
    /// connect (or at `hardStop`).
    static func run(_ attempts: [Attempt], connectBy: ContinuousClock.Instant, pushFor: Duration,
                    hardStop: ContinuousClock.Instant) -> [AttemptResult] {
        var results = [AttemptResult](repeating: AttemptResult(), count: attempts.count)
        var live: [Live] = []
        for (i, a) in attempts.enumerated() {
            switch open(a) {
            case .success(let (fd, connected)):
                var l = Live(index: i, fd: fd, connected: false)
                if connected { connectedNow(&l, &results[i], a, pushFor: pushFor) }
                if l.fd >= 0 { live.append(l) }
            case .failure(let e): results[i].state = .failed(e.code, immediate: true)
            }
        }
        var buf = [UInt8](repeating: 0, count: 65536)
        while !live.isEmpty {
            let now = ContinuousClock.now
            for i in live.indices.reversed() {
                let l = live[i]
                let by = l.connected ? min(l.pushUntil, hardStop) : connectBy
                if now >= by { close(l.fd); live.remove(at: i) }
            }
            if live.isEmpty { break }
            var fds = live.map { l in
                pollfd(fd: l.fd, events: Int16(!l.connected || l.readyToSend ? POLLOUT | POLLIN : POLLIN), revents: 0)
            }
            _ = poll(&fds, nfds_t(fds.count), 20)
            for i in live.indices.reversed() where fds[i].revents != 0 {
                let idx = live[i].index
                if !step(&live[i], &results[idx], attempts[idx], pushFor: pushFor, &buf) {
                    close(live[i].fd); live.remove(at: i)
                }
            }
        }
        return results
    }

    struct Live {
        var index: Int
        var fd: Int32
        var connected: Bool
        var payload = 0, sent = 0, received = 0, segment = 0
        /// The next segment goes once the previous one came back whole.
        var readyToSend: Bool { sent < payload && sent == received }
        var pushUntil = ContinuousClock.now
    }

    struct OpenError: Error { var code: Int32 }

    /// Socket, source bind, non-blocking connect. (fd, connected at once).
    static func open(_ a: Attempt) -> Result<(Int32, Bool), OpenError> {
        let s = a.spec
        let fd = Sock.tcp(ipv6: s.target.ipv6)
        guard fd >= 0 else { return .failure(OpenError(code: -fd)) }
        if let p = a.packetSize { Sock.setInt(fd, Int32(IPPROTO_TCP), TCP_MAXSEG, Int32(p - (s.target.ipv6 ? 60 : 40))) }
        Sock.setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        let b = Sock.bind(fd, s.source.ip, port: 0, ipv6: s.source.ipv6)
        if b != 0 { close(fd); return .failure(OpenError(code: b)) }
        let c = Sock.connect(fd, s.target.ip, port: s.target.port, ipv6: s.target.ipv6)
        if c == 0 { return .success((fd, true)) }
        if c == EINPROGRESS { return .success((fd, false)) }
        close(fd)
        return .failure(OpenError(code: c))
    }

    static func connectedNow(_ l: inout Live, _ r: inout AttemptResult, _ a: Attempt, pushFor: Duration) {
        l.connected = true
        r.state = .connected
        r.mss = Int(Sock.getInt(l.fd, Int32(IPPROTO_TCP), TCP_MAXSEG))
        if !a.push { close(l.fd); l.fd = -1; return }
        // Three full-size segments each way, one at a time: several written at once would leave
        // as one GSO packet, which a virtual switch forwards whatever its MTU (a physical one
        // would not).
        Sock.setInt(l.fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        l.segment = max(r.mss, 536)
        l.payload = 3 * l.segment
        r.payload = l.payload
        l.pushUntil = ContinuousClock.now + pushFor
    }

    /// Advance one live attempt; false when it is finished.
    static func step(_ l: inout Live, _ r: inout AttemptResult, _ a: Attempt, pushFor: Duration, _ buf: inout [UInt8]) -> Bool {
        if !l.connected {
            let e = Sock.pendingError(l.fd)
            if e != 0 { r.state = .failed(e, immediate: false); return false }
            connectedNow(&l, &r, a, pushFor: pushFor)
            return l.fd >= 0
        }
        if l.readyToSend {
            let n = min(buf.count, l.segment, l.payload - l.sent)
            let w = buf.withUnsafeBytes { write(l.fd, $0.baseAddress, n) }
            if w > 0 { l.sent += w } else if w < 0 && errno != EAGAIN && errno != EINTR { return false }
        }
        let n = read(l.fd, &buf, buf.count)
        if n > 0 { l.received += n }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return false }
        if l.received >= l.payload { r.echoed = true; return false }
        return true
    }
}
