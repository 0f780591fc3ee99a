// A real rsyslogd for the tests: its own config, work folder, pid file and output file;
// inputs on loopback only (UDP, TCP, and a unix socket in the temp folder). Never touches the
// system's rsyslog service or /etc/rsyslog.conf. With a namespace, rsyslogd runs inside it
// (`ip netns exec`), listening on that namespace's 127.0.0.1.
import Foundation
import Glibc

/// A free port on 127.0.0.1 for the given socket type (bind to port 0, read it back, close).
public func freeLoopbackPort(datagram: Bool) -> Int {
    let fd = socket(AF_INET, Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    a.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: a.sin_port))
}

public final class Rsyslog: @unchecked Sendable {
    public let dir: URL
    public let udpPort: Int
    public let tcpPort: Int
    /// The network namespace rsyslogd runs in (nil: the test's own).
    public let namespace: String?
    public var socketPath: String { dir.appendingPathComponent("log.sock").path }
    public var outputPath: String { dir.appendingPathComponent("out.log").path }

    /// Output line template: PRI | facility | severity | APP-NAME | MSGID | STRUCTURED-DATA | MSG.
    public static let template = "%pri%|%syslogfacility-text%|%syslogseverity-text%|%app-name%|%msgid%|%structured-data%|%msg%\\n"

    /// `namespace`: run inside it (a fresh namespace has every port free: 5514 is used).
    public init(namespace: String? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgt-rsyslog-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("work"), withIntermediateDirectories: true)
        self.namespace = namespace
        udpPort = namespace == nil ? freeLoopbackPort(datagram: true) : 5514
        tcpPort = namespace == nil ? freeLoopbackPort(datagram: false) : 5514
        let conf = """
            global(workDirectory="\(dir.path)/work")
            module(load="imuxsock" SysSock.Use="off")
            module(load="imudp")
            module(load="imtcp")
            input(type="imuxsock" Socket="\(socketPath)" RateLimit.Interval="0")
            input(type="imudp" address="127.0.0.1" port="\(udpPort)")
            input(type="imtcp" address="127.0.0.1" port="\(tcpPort)")
            template(name="raw" type="string" string="\(Rsyslog.template)")
            *.* action(type="omfile" file="\(outputPath)" template="raw")

            """
        try conf.write(to: dir.appendingPathComponent("rsyslog.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    public private(set) var pid: pid_t = 0

    public func start() throws {
        let found = try run(["sh", "-c", "command -v rsyslogd"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let daemon = [found.isEmpty ? "/usr/sbin/rsyslogd" : found, "-n", "-f",
                      dir.appendingPathComponent("rsyslog.conf").path,
                      "-i", dir.appendingPathComponent("rsyslogd.pid").path]
        // `ip netns exec` execs the daemon: the pid is rsyslogd's.
        pid = try spawnWithCleanSignals(namespace.map { ["/usr/bin/env", "ip", "netns", "exec", $0] } .map { $0 + daemon } ?? daemon)
        // Ready when the TCP input accepts connections and the unix socket exists.
        let ready = waitUntil(timeout: 10) {
            FileManager.default.fileExists(atPath: socketPath) && tcpAccepts()
        }
        if !ready { throw TestSupportError.missingPrerequisite("rsyslogd did not start (config \(dir.path))") }
    }

    func tcpAccepts() -> Bool {
        if let namespace {
            // The listener is in the namespace: ask `ss` there (a socket from this thread would
            // be in the test's namespace).
            let r = try? run(["ip", "netns", "exec", namespace, "ss", "-Hltn", "sport = :\(tcpPort)"])
            return r?.stdout.contains("127.0.0.1:\(tcpPort)") == true
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = UInt16(tcpPort).bigEndian
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// SIGTERM and wait: rsyslogd shuts down cleanly (closes its TCP connections).
    public func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    public func restart() throws {
        stop()
        try start()
    }

    public var lines: [String] {
        ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// Wait (bounded) until `count` lines satisfy `match`.
    @discardableResult
    public func waitForLines(_ count: Int, timeout: Double = 10, matching match: (String) -> Bool = { _ in true }) -> [String] {
        var found: [String] = []
        _ = waitUntil(timeout: timeout) {
            found = lines.filter(match)
            return found.count >= count
        }
        return found
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: dir)
    }
}
