// Where events go: local syslog (/dev/log), a remote RFC 5424 server (UDP or TCP), JSON lines
// on stdout. Emitting never blocks the monitor: TCP delivery runs on its own thread.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MonitorCore

public protocol EventEmitter: AnyObject, Sendable {
    func emit(_ event: MonitorEvent)
    /// Deliver what is still queued, waiting at most `timeout` seconds; then release resources.
    func close(timeout: TimeInterval)
}

extension EventEmitter {
    public func close(timeout: TimeInterval) {}
}

/// `--json`: one JSON object per line on a file descriptor (stdout), written (flushed) per event.
public final class JSONLinesEmitter: EventEmitter {
    let fd: Int32
    let lock = NSLock()

    public init(fd: Int32 = STDOUT_FILENO) { self.fd = fd }

    public func emit(_ event: MonitorEvent) {
        let line = Array((event.jsonLine() + "\n").utf8)
        lock.withLock { try? Sockets.writeAll(fd, line) }
    }
}

/// Local syslog: the line syslog(3) would send, as one datagram to `/dev/log` (or `path`).
/// Like syslog(3), a missing or full syslog socket loses the line; `failures` counts them.
public final class LocalSyslogEmitter: EventEmitter, @unchecked Sendable {
    public let path: String
    let format: SyslogFormat
    let lock = NSLock()
    var fd: Int32 = -1
    public private(set) var failures = 0

    public init(path: String = "/dev/log", format: SyslogFormat) {
        self.path = path; self.format = format
    }

    public func emit(_ event: MonitorEvent) {
        let bytes = Array(format.localLine(event).utf8)
        lock.withLock {
            do {
                if fd < 0 { fd = try Sockets.socket(AF_UNIX, datagram: true) }
                // Address by path on every send: a restarted syslog daemon's new socket is found.
                try Sockets.sendTo(fd, bytes, try Sockets.unixAddress(path))
            } catch {
                failures += 1
            }
        }
    }

    public func close(timeout: TimeInterval) {
        lock.withLock { if fd >= 0 { Glibc.close(fd); fd = -1 } }
    }
}

/// RFC 5424 over UDP: one message per datagram, best effort (UDP has no delivery guarantee).
public final class UDPSyslogEmitter: EventEmitter, @unchecked Sendable {
    let format: SyslogFormat
    let address: Sockets.Address
    let fd: Int32
    let lock = NSLock()
    public private(set) var failures = 0

    public init(host: String, port: Int, format: SyslogFormat) throws {
        self.format = format
        address = try Sockets.resolve(host: host, port: port, datagram: true)
        fd = try Sockets.socket(address.family, datagram: true)
    }

    public func emit(_ event: MonitorEvent) {
        let bytes = Array(format.rfc5424(event).utf8)
        lock.withLock {
            do { try Sockets.sendTo(fd, bytes, address) } catch {
                // A port-unreachable from an earlier datagram is reported on this send: retry once.
                if (try? Sockets.sendTo(fd, bytes, address)) == nil { failures += 1 }
            }
        }
    }

    public func close(timeout: TimeInterval) { Glibc.close(fd) }
}

/// RFC 5424 over TCP with RFC 6587 octet-counted framing. Events wait in a bounded queue until
/// written; the sender thread reconnects (with backoff) whenever the server goes away and
/// resends from the first unwritten event, so a server restart loses nothing. When the queue
/// is full, new events are dropped and counted; once delivery resumes, an `events-dropped`
/// event with the count is sent.
///
/// Limit: TCP syslog has no acknowledgement. A message written into the socket just before the
/// server dies without closing the connection can be lost; a closed connection is detected
/// before each write and the message resent on a new one.
public final class TCPSyslogEmitter: EventEmitter, @unchecked Sendable {
    let format: SyslogFormat
    let host: String
    let port: Int
    let capacity: Int
    let now: @Sendable () -> Date
    let cond = NSCondition()
    var queue: [[UInt8]] = []
    var head = 0
    var pendingDrops = 0
    var stopping = false
    var thread: Thread?
    var fd: Int32 = -1
    var droppedCount = 0
    var connectsCount = 0
    let maxBackoff: TimeInterval

    public init(host: String, port: Int, format: SyslogFormat, capacity: Int = 10_000,
                maxBackoff: TimeInterval = 2, now: @escaping @Sendable () -> Date = { Date() }) {
        precondition(capacity > 0)
        self.host = host; self.port = port; self.format = format; self.capacity = capacity
        self.maxBackoff = maxBackoff; self.now = now
        let t = Thread { [unowned self] in self.sendLoop() }
        t.name = "syslog-tcp"
        thread = t
        t.start()
    }

    /// Events dropped because the queue was full, since start.
    public var dropped: Int { cond.lock(); defer { cond.unlock() }; return droppedCount }
    /// Successful connections, since start (1 + reconnects).
    public var connects: Int { cond.lock(); defer { cond.unlock() }; return connectsCount }
    /// Events waiting to be written.
    public var queued: Int { cond.lock(); defer { cond.unlock() }; return queue.count - head }

    public func emit(_ event: MonitorEvent) {
        let frame = SyslogFormat.octetCounted(format.rfc5424(event))
        cond.lock()
        if queue.count - head >= capacity {
            pendingDrops += 1
            droppedCount += 1
        } else {
            queue.append(frame)
        }
        cond.signal()
        cond.unlock()
    }

    public func close(timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        while queue.count > head && Date() < deadline { _ = cond.wait(until: min(deadline, Date().addingTimeInterval(0.05))) }
        stopping = true
        cond.broadcast()
        cond.unlock()
        while thread?.isFinished == false && Date() < deadline.addingTimeInterval(1) { usleep(5000) }
    }

    func sendLoop() {
        var backoff = 0.05
        while true {
            cond.lock()
            while queue.count == head && !stopping { cond.wait() }
            if stopping { cond.unlock(); break }
            let frame = queue[head]
            cond.unlock()

            if fd >= 0 && Sockets.peerClosed(fd) { Glibc.close(fd); fd = -1 }
            if fd < 0 {
                do {
                    let addr = try Sockets.resolve(host: host, port: port, datagram: false)
                    fd = try Sockets.connect(addr, timeout: 2)
                    cond.lock(); connectsCount += 1; cond.unlock()
                    backoff = 0.05
                } catch {
                    cond.lock()
                    if !stopping { _ = cond.wait(until: Date().addingTimeInterval(backoff)) }
                    cond.unlock()
                    backoff = min(backoff * 2, maxBackoff)
                    continue
                }
            }
            do {
                try Sockets.sendAll(fd, frame)
            } catch {
                Glibc.close(fd); fd = -1
                continue
            }
            cond.lock()
            head += 1
            if head > 1024 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
            if pendingDrops > 0 {
                let e = MonitorEvent(time: now(), event: .eventsDropped, severity: .err,
                                     counters: ["dropped": pendingDrops])
                pendingDrops = 0
                queue.append(SyslogFormat.octetCounted(format.rfc5424(e)))
            }
            cond.broadcast()
            cond.unlock()
        }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}
