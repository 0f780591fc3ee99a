// Process and namespace identity from /proc: which network namespace this process is in (its
// inode, not a name), and what proves that a pid is still a given process (its start time, its
// executable and its command line), so a reused pid is never signalled.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum NetworkNamespace {
    /// The inode of /proc/self/ns/net: the identity of the network namespace this process is in
    /// (what `ip netns identify` compares, and `readlink /proc/self/ns/net` shows as net:[INODE]).
    public static func identity() throws -> UInt64 {
        var st = stat()
        try posix("inspect", "/proc/self/ns/net",
                  fix: "mount /proc (xg-scale needs it to tell network namespaces apart)") { stat("/proc/self/ns/net", &st) }
        return UInt64(st.st_ino)
    }
}

/// What identifies a running process beyond its pid (which the kernel reuses).
public struct ProcessIdentity: Codable, Sendable, Equatable {
    public var pid: Int32
    /// Field 22 of /proc/PID/stat: clock ticks after boot at which the process started.
    public var startTime: UInt64
    /// /proc/PID/exe.
    public var executable: String

    public init(pid: Int32, startTime: UInt64, executable: String) {
        self.pid = pid; self.startTime = startTime; self.executable = executable
    }

    enum CodingKeys: String, CodingKey { case pid, startTime = "start-time", executable }
}

public enum Processes {
    /// The identity of `pid` now, or nil when it does not exist (or is a zombie).
    public static func identity(of pid: Int32) -> ProcessIdentity? {
        guard pid > 1, let stat = try? Files.read("/proc/\(pid)/stat", what: "process status", maxBytes: 4096),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        guard fields.count > 19, fields[0].first != UInt8(ascii: "Z"),
              let start = UInt64(String(decoding: fields[19], as: UTF8.self)),
              let exe = executable(of: "/proc/\(pid)/exe") else { return nil }
        return ProcessIdentity(pid: pid, startTime: start, executable: exe)
    }

    /// The argument vector of `pid` (NUL-separated /proc/PID/cmdline).
    public static func arguments(of pid: Int32) throws -> [String] {
        guard pid > 1, let bytes = try Files.read("/proc/\(pid)/cmdline", what: "command line", maxBytes: 1 << 20)
        else { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// readlink(2) of a /proc exe link, without the " (deleted)" the kernel adds after a rebuild.
    public static func executable(of link: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(link, &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        var path = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
        return path
    }

    /// True when `expected` still runs as the same process and its command line holds `token`.
    public static func isRunning(_ expected: ProcessIdentity, token: String) -> Bool {
        proofProblem(expected, token: token) == nil
    }

    /// Why the process `pid` now is not `expected` (with `token` in its arguments), or nil.
    public static func proofProblem(_ expected: ProcessIdentity, token: String) -> String? {
        guard expected.pid > 1 else { return "pid \(expected.pid) is never signalled" }
        guard let now = identity(of: expected.pid) else { return "process \(expected.pid) is no longer running" }
        if now.startTime != expected.startTime || now.executable != expected.executable {
            return "pid \(expected.pid) is now another process (started at another time or running another program)"
        }
        let arguments: [String]
        do { arguments = try self.arguments(of: expected.pid) } catch {
            return "the command line of process \(expected.pid) cannot be read: \(error)"
        }
        guard arguments.contains(token) else {
            return "process \(expected.pid) does not carry \(token) in its command line"
        }
        return nil
    }

    public enum SignalOutcome: Equatable, Sendable {
        case signalled
        /// Not signalled: it is gone, or it is not the process recorded (the reason).
        case refused(String)
    }

    /// Send `signal` to `expected` only after proving it is that very process (start time,
    /// executable, `token` in its arguments). With pidfd_open/pidfd_send_signal (Linux 5.3,
    /// glibc 2.36) the proof and the signal concern the same process even if the pid is reused
    /// in between; without them, kill(2) right after the proof.
    public static func signal(_ expected: ProcessIdentity, token: String, signal: Int32) -> SignalOutcome {
        guard expected.pid > 1 else { return .refused("pid \(expected.pid) is never signalled") }
        guard let calls = PidFD.calls else {
            if let why = proofProblem(expected, token: token) { return .refused(why) }
            return kill(expected.pid, signal) == 0 ? .signalled : .refused("process \(expected.pid) is no longer running")
        }
        let fd = calls.open(expected.pid, 0)
        guard fd >= 0 else { return .refused("process \(expected.pid) is no longer running") }
        defer { close(fd) }
        if let why = proofProblem(expected, token: token) { return .refused(why) }
        return calls.send(fd, signal, nil, 0) == 0 ? .signalled : .refused("process \(expected.pid) is no longer running")
    }
}

/// glibc's pidfd_open and pidfd_send_signal, looked up at run time (Swift cannot call syscall(2)).
enum PidFD {
    typealias Open = @convention(c) (pid_t, UInt32) -> Int32
    typealias Send = @convention(c) (Int32, Int32, UnsafeMutableRawPointer?, UInt32) -> Int32
    struct Calls { var open: Open; var send: Send }

    static let calls: Calls? = {
        guard let o = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_open"),
              let s = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_send_signal") else { return nil }
        return Calls(open: unsafeBitCast(o, to: Open.self), send: unsafeBitCast(s, to: Send.self))
    }()
}
