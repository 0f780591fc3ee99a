// Newline-separated input read with poll(2) against a deadline.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Lines from a file descriptor, each read against a deadline: the node side's stdin, and each
/// node session's stdout on the coordinator. Used by one thread at a time.
public final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var eof = false
    public init(fd: Int32) { self.fd = fd }

    /// The descriptor reached end of file (what is buffered may still hold lines).
    public var atEnd: Bool { eof }

    /// The next line (without its newline), nil at end of file or when `deadline` passes.
    public func next(deadline: ContinuousClock.Instant) -> [UInt8]? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = Array(buffer[..<nl]); buffer.removeSubrange(...nl)
                return line
            }
            if eof { return nil }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            let r = poll(&p, 1, Int32(min(max(1, ms), 60_000)))
            if r <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 { eof = true; continue }
            buffer += chunk[0..<n]
        }
    }
}
