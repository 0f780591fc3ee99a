// Newline-separated input read with poll(2) against a deadline.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lines from a file descriptor, each read against a deadline: the node side's stdin, and each
/// node session's stdout on the coordinator. Used by one thread at a time.
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var eof = false
    init(fd: Int32) { self.fd = fd }

    /// The descriptor reached end of file (what is buffered may still hold lines).
    var atEnd: Bool { eof }

    func next(deadline: ContinuousClock.Instant) -> Data? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = Data(buffer[..<nl]); buffer.removeSubrange(...nl)
                return line
            }
            if eof { return nil }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(max(1, left.milliseconds), 60_000)))
            if r <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 { eof = true; continue }
            buffer += chunk[0..<n]
        }
    }
}
