// The drill's probe stream: UDP datagrams with a sequence number every interval, echoed back by
// the far end. Runs INSIDE a lab namespace (`ip netns exec NS xg-scale lab-probe …`), so every
// socket belongs to that namespace; it refuses to start where a route leads out (ProbeGuard).
// Outage = from the first lost probe to the first received again, at the interval's resolution.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One run of consecutive lost probes.
public struct ProbeGap: Codable, Sendable, Equatable {
    /// Sequence number of the first lost probe, and how many were lost in a row.
    public var firstLost: Int
    public var count: Int
    /// CLOCK_MONOTONIC seconds at which the first lost probe was sent.
    public var lostAt: Double
    /// When the first probe received again was sent (nil: none came back before the end).
    public var backAt: Double?

    public init(firstLost: Int, count: Int, lostAt: Double, backAt: Double?) {
        self.firstLost = firstLost; self.count = count; self.lostAt = lostAt; self.backAt = backAt
    }
}

/// What the sender reports when its stream ends.
public struct ProbeReport: Codable, Sendable, Equatable {
    public var intervalMs: Int
    public var sent: Int
    public var received: Int
    public var gaps: [ProbeGap]

    public init(intervalMs: Int, sent: Int, received: Int, gaps: [ProbeGap]) {
        self.intervalMs = intervalMs; self.sent = sent; self.received = received; self.gaps = gaps
    }

    /// The runs of lost probes, from the send times and which came back (pure).
    public static func gaps(sendTimes: [Double], received: [Bool]) -> [ProbeGap] {
        var out: [ProbeGap] = []
        var i = 0
        while i < received.count {
            guard !received[i] else { i += 1; continue }
            var j = i
            while j < received.count && !received[j] { j += 1 }
            out.append(ProbeGap(firstLost: i, count: j - i, lostAt: sendTimes[i],
                                backAt: j < received.count ? sendTimes[j] : nil))
            i = j
        }
        return out
    }
}

public enum ProbeClock {
    /// CLOCK_MONOTONIC in seconds: one clock for every process of the machine.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// The probe's ends. Each runs until its standard input closes (the drill closes it).
public enum ProbeStream {
    static let magic: UInt32 = 0x5847_5031 // "XGP1"

    /// Echo every datagram back to its sender. Prints "ready" once bound.
    public static func echo(port: UInt16, say: (String) -> Void) throws {
        let sock = try ProbeSocket(bindPort: port)
        defer { sock.close() }
        say("ready")
        var buffer = [UInt8](repeating: 0, count: 64)
        while waitReadable(sock.fd, timeoutMs: 1000) {
            while let (n, from) = sock.receive(&buffer) { sock.send(Array(buffer[0..<n]), to: from) }
        }
    }

    /// Send probes to `address:port` every `intervalMs`, count the echoes. Prints "flowing" once
    /// the first echo is back; returns the report when stdin closes.
    public static func send(to address: String, port: UInt16, intervalMs: Int, say: (String) -> Void) throws -> ProbeReport {
        let sock = try ProbeSocket(bindPort: 0)
        defer { sock.close() }
        let target = try ProbeSocket.address(address, port: port)
        let token = UInt32.random(in: 1...UInt32.max)
        let interval = Double(intervalMs) / 1000
        var sendTimes: [Double] = [], received: [Bool] = [], flowing = false, lastSeq = -1
        let start = ProbeClock.now()
        var reported = start
        var buffer = [UInt8](repeating: 0, count: 64)
        func drain() {
            while let (n, _) = sock.receive(&buffer) {
                guard n == 12, word(buffer, 0) == magic, word(buffer, 8) == token else { continue }
                let seq = Int(word(buffer, 4))
                if seq < received.count { received[seq] = true; lastSeq = max(lastSeq, seq) }
                if !flowing { flowing = true; say("flowing") }
            }
        }
        var open = true
        while open {
            let next = start + Double(sendTimes.count) * interval
            let now = ProbeClock.now()
            if now >= next {
                sendTimes.append(now); received.append(false)
                sock.send(bytes(magic) + bytes(UInt32(sendTimes.count - 1)) + bytes(token), to: target)
                continue
            }
            open = stdinOpen(waitMs: Int32(max(1, (next - now) * 1000)), socket: sock.fd)
            drain()
            // Progress for the drill: probes sent, and the newest echoed.
            if now - reported >= 0.1 { reported = now; say("status \(sendTimes.count) \(lastSeq)") }
        }
        let linger = ProbeClock.now() + 0.3
        while ProbeClock.now() < linger { _ = waitReadable(sock.fd, timeoutMs: 50); drain() }
        return ProbeReport(intervalMs: intervalMs, sent: sendTimes.count, received: received.filter { $0 }.count,
                           gaps: ProbeReport.gaps(sendTimes: sendTimes, received: received))
    }

    /// Wait up to `waitMs` for the socket or stdin; false once stdin is at its end.
    static func stdinOpen(waitMs: Int32, socket: Int32) -> Bool {
        var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 2, waitMs) > 0, fds[0].revents != 0 else { return true }
        var byte = [UInt8](repeating: 0, count: 256)
        return read(0, &byte, byte.count) > 0
    }

    /// True while stdin is open; waits up to `timeoutMs` for `fd` to be readable.
    static func waitReadable(_ fd: Int32, timeoutMs: Int32) -> Bool {
        stdinOpen(waitMs: timeoutMs, socket: fd)
    }

    static func bytes(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func word(_ b: [UInt8], _ at: Int) -> UInt32 {
        b[at..<at + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}
