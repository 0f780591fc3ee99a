// Issue 15.5 on the real kernel: a bridge with 200 veth ports flapping in a throwaway namespace
// (the monitor used to exit with "netlink: dump links: Out of memory"), and the metrics file
// under a storm: coalesced, current within one interval, in a trusted directory, and an
// unwritable file reported once, not per event.
import Foundation
import Glibc
import Testing
import TestSupport

/// A directory of our own (0700) under the temporary directory: /tmp itself is writable by
/// others, which the metrics directory check refuses.
func privateDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("xgt-\(getpid())-\(UUID().uuidString.prefix(8))-metrics")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false,
                                            attributes: [.posixPermissions: 0o700])
    return dir
}

extension Namespace {
    /// What the kernel says of every v<i>: carrier and carrier changes (sysfs), and its STP
    /// port state (`bridge -j link`).
    func portsAsTheKernelSeesThem() throws -> [String: String] {
        var result: [String: String] = [:]
        for (name, c) in try vethCarriers() { result[name] = "\(c.carrier) \(c.up + c.down)" }
        let list = try JSONSerialization.jsonObject(with: Data(exec(["bridge", "-j", "link"]).stdout.utf8)) as? [[String: Any]] ?? []
        for port in list {
            guard let name = port["ifname"] as? String, let state = port["state"] as? String else { continue }
            result[name, default: "?"] += " \(state)"
        }
        return result
    }
}

/// The same, as the monitor's metrics file says it.
func portsAsTheMetricsSay(_ path: String) -> [String: String] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    var carrier: [String: String] = [:], changes: [String: String] = [:], state: [String: String] = [:]
    let names = ["disabled", "listening", "learning", "forwarding", "blocking"]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let value = Int(line.split(separator: " ").last ?? ""),
              let r = line.range(of: "interface=\"") else { continue }
        let name = String(line[r.upperBound...].prefix { $0 != "\"" })
        if line.hasPrefix("xgscale_link_carrier{") { carrier[name] = "\(value)" }
        if line.hasPrefix("xgscale_link_carrier_changes_total{") { changes[name] = "\(value)" }
        if line.hasPrefix("xgscale_stp_port_state{"), value < names.count { state[name] = names[value] }
    }
    var result: [String: String] = [:]
    for (name, c) in carrier where name.hasPrefix("v") {
        result[name] = "\(c) \(changes[name] ?? "?") \(state[name] ?? "?")"
    }
    return result
}

/// When `path` was last modified.
func mtime(_ path: String) -> Date? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
}

/// An event's `time` (RFC 3339 UTC with microseconds).
func eventTime(_ s: String?) -> Date? {
    guard let s else { return nil }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: s)
}

/// Counts renames into a directory (each atomic replacement of the metrics file is one).
final class RenameCounter {
    let fd: Int32
    let name: String
    init(directory: String, name: String) throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        self.name = name
        // IN_MOVED_FROM too: the kernel merges an event identical to the unread one before it,
        // and the temp file's rename-from (a new name each time) keeps them apart.
        guard fd >= 0, inotify_add_watch(fd, directory, UInt32(IN_MOVED_TO | IN_MOVED_FROM)) >= 0 else {
            throw TestSupportError.missingPrerequisite("inotify: \(String(cString: strerror(errno)))")
        }
    }
    deinit { close(fd) }
    private var total = 0
    /// Renames onto `name` so far.
    func count() -> Int {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            var offset = 0
            while offset + 16 <= n {
                let length = Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8
                    | Int(buffer[offset + 14]) << 16 | Int(buffer[offset + 15]) << 24
                let bytes = buffer[(offset + 16)..<min(n, offset + 16 + length)]
                let entry = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                let mask = UInt32(buffer[offset + 4]) | UInt32(buffer[offset + 5]) << 8
                    | UInt32(buffer[offset + 6]) << 16 | UInt32(buffer[offset + 7]) << 24
                if entry == name && mask & UInt32(IN_MOVED_TO) != 0 { total += 1 }
                offset += 16 + length
            }
        }
        return total
    }
}

@Suite(.serialized) struct StormTests {
    /// 200 bridge ports flapping for about 12 s: the monitor is alive after it, events flowed
    /// all along, and once the links are quiet its state (metrics file) equals the kernel's,
    /// port by port: carrier, carrier changes and STP port state.
    @Test func twoHundredFlappingBridgePortsNeitherStopNorFoolTheMonitor() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("storm")
        defer { ns.close() }
        let count = 200
        try ns.addBridgeWithPorts(count)
        try ns.assertNoDefaultRoute()
        let dir = try privateDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let metrics = dir.appendingPathComponent("m.prom").path
        let monitor = try MonitorRun(ns, ["--json", "--no-local-syslog", "--all-links", "--flap-threshold", "1000000000",
                                          "--metrics-file", metrics, "--metrics-interval", "300"])
        defer { monitor.stop() }
        #expect(waitUntil(timeout: 15) { FileManager.default.fileExists(atPath: metrics) }, "stderr: \(monitor.stderr)")

        let flaps = bridgePortFlaps(count: count)
        let start = Date()
        var rounds = 0, eventsDuring: [Int] = []
        while Date().timeIntervalSince(start) < 12 {
            try ns.exec(["ip", "-batch", "-"], input: flaps)
            rounds += 1
            eventsDuring.append(monitor.events.count)
            #expect(monitor.process.exited() == nil, "the monitor exited during the storm: \(monitor.stderr)")
        }
        // Events kept flowing during the storm (not one burst at its end).
        #expect(Set(eventsDuring).count >= min(rounds, 3), "events seen per round: \(eventsDuring)")
        // A known final state that is not the initial one: every fifth port without carrier.
        try ns.exec(["ip", "-batch", "-"], input: stride(from: 0, to: count, by: 5).map { "link set p\($0) down\n" }.joined())

        var kernel: [String: String] = [:], mine: [String: String] = [:]
        let equal = try waitUntil(timeout: 60, interval: 0.2) {
            kernel = try ns.portsAsTheKernelSeesThem(); mine = portsAsTheMetricsSay(metrics)
            return kernel.count == count && kernel == mine
        }
        let diff = kernel.keys.sorted().filter { kernel[$0] != mine[$0] }.prefix(5)
            .map { "\($0): kernel \(kernel[$0]!) monitor \(mine[$0] ?? "none")" }
        #expect(equal, "after \(rounds) rounds the monitor differs: \(diff); stderr: \(monitor.stderr.suffix(500))")
        #expect(mine["v5"]?.hasPrefix("0 ") == true && mine["v6"]?.hasPrefix("1 ") == true)
        #expect(monitor.process.exited() == nil, "stderr: \(monitor.stderr)")
        #expect(!monitor.stderr.contains("Out of memory"), "\(monitor.stderr)")
        #expect(monitor.badLines.isEmpty)
        monitor.process.signal(SIGTERM)
        #expect(monitor.process.waitForExit(timeout: 10) == 0, "stderr: \(monitor.stderr)")
    }

    /// Thousands of events, few writes: at most one per interval (plus the first), and the
    /// file says the final state within one interval of the last change.
    @Test func metricsWritesAreCoalescedAndNeverMoreThanAnIntervalBehind() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("metr")
        defer { ns.close() }
        let count = 50
        try ns.addBridgeWithPorts(count)
        try ns.assertNoDefaultRoute()
        let dir = try privateDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let metrics = dir.appendingPathComponent("m.prom").path
        let renames = try RenameCounter(directory: dir.path, name: "m.prom")
        let interval = 0.5
        let monitor = try MonitorRun(ns, ["--json", "--no-local-syslog", "--all-links", "--flap-threshold", "1000000000",
                                          "--metrics-file", metrics, "--metrics-interval", "500"])
        defer { monitor.stop() }
        #expect(waitUntil(timeout: 15) { renames.count() >= 1 }, "stderr: \(monitor.stderr)")
        let before = renames.count(), eventsBefore = monitor.events.count
        var flaps = ""
        for i in 0..<count { flaps += "link set p\(i) down\nlink set p\(i) up\n" }
        let start = Date()
        while Date().timeIntervalSince(start) < 4 { try ns.exec(["ip", "-batch", "-"], input: flaps) }
        // The last change: p3 down for good. When the monitor's output stops growing it has
        // the final state (a debug build on a loaded machine may still be working through the
        // storm's backlog when the kernel is quiet); from its last event the file must follow
        // within one interval.
        try ns.exec(["ip", "link", "set", "p3", "down"])
        let lastChange = Date()
        var lastCount = -1, seen = Date()
        let quiet = waitUntil(timeout: 60, interval: 0.05) {
            let c = monitor.events.count
            if c != lastCount { lastCount = c; seen = Date() }
            return Date().timeIntervalSince(seen) >= 0.3
        }
        #expect(quiet, "the monitor never went quiet; stderr: \(monitor.stderr)")
        #expect(monitor.events.last { $0.interface == "v3" && $0.event == "link-down" } != nil)
        // The file that says the kernel's final state was written (its mtime, the same clock
        // as the events' time) at most one interval after the monitor's last event.
        var written: Date?
        _ = try waitUntil(timeout: 30, interval: 0.02) {
            let before = mtime(metrics)
            let k = try ns.portsAsTheKernelSeesThem(), m = portsAsTheMetricsSay(metrics)
            if k.count == count && k == m && mtime(metrics) == before { written = before }
            return written != nil
        }
        let lastEvent = monitor.events.last.flatMap { eventTime($0.time) }
        let behind = written.flatMap { w in lastEvent.map { w.timeIntervalSince($0) } }
        #expect(behind != nil && behind! <= interval + 0.05,
                "metrics written \(String(describing: behind)) s after the monitor's last event (that came \(seen.timeIntervalSince(lastChange)) s after the last change)")
        let elapsed = Date().timeIntervalSince(start)
        let writes = renames.count() - before
        let events = monitor.events.count - eventsBefore
        #expect(events >= 10 * count, "only \(events) events")
        #expect(writes <= Int(elapsed / interval) + 2, "\(writes) writes in \(elapsed) s for \(events) events")
        #expect(writes >= 2)
    }

    /// A metrics directory others can write is refused at start, with the fix; nothing runs.
    @Test func untrustedMetricsDirectoryIsRefusedAtStart() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("untr")
        defer { ns.close() }
        let dir = try privateDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(chmod(dir.path, 0o777) == 0)
        let r = try ns.run([xgScaleBinary(), "monitor", "--json", "--no-local-syslog",
                            "--metrics-file", dir.appendingPathComponent("m.prom").path])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty, "\(r.stdout)")
        #expect(r.stderr.contains(dir.path) && r.stderr.contains("writable by others"), "\(r.stderr)")
        #expect(r.stderr.contains("fix: chown root"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// The metrics path cannot be written (a directory sits there): one error line however
    /// many events, the monitor goes on reporting, and says so when the file works again.
    @Test func unwritableMetricsFileIsOneErrorThenRateLimited() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("unwr")
        defer { ns.close() }
        try ns.addVethPairs(4)
        try ns.assertNoDefaultRoute()
        let dir = try privateDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let metrics = dir.appendingPathComponent("m.prom").path
        try FileManager.default.createDirectory(atPath: metrics, withIntermediateDirectories: false)
        let monitor = try MonitorRun(ns, ["--json", "--no-local-syslog", "--all-links", "--flap-threshold", "1000000000",
                                          "--metrics-file", metrics, "--metrics-interval", "100"])
        defer { monitor.stop() }
        let errorLine = "cannot write the metrics file \(metrics)"
        #expect(monitor.process.wait(timeout: 10) { _ in monitor.stderr.contains(errorLine) }, "stderr: \(monitor.stderr)")
        // Events spread over at least 15 intervals (each round waits for its own link-up).
        let start = Date()
        var round = 0
        while Date().timeIntervalSince(start) < 1.5 && round < 500 {
            let mark = monitor.events.count
            try ns.exec(["ip", "-batch", "-"], input: "link set p\(round % 4) down\nlink set p\(round % 4) up\n")
            #expect(monitor.wait(timeout: 10, after: mark) { $0.event == "link-up" && $0.interface == "v\(round % 4)" } != nil)
            round += 1
        }
        // Many failed attempts and events later: still one line.
        let lines = monitor.stderr.split(separator: "\n").filter { $0.contains(errorLine) }
        #expect(lines.count == 1, "\(monitor.stderr)")
        #expect(monitor.process.exited() == nil)
        // Fixed: the next attempt writes the file, and the monitor says so.
        try FileManager.default.removeItem(atPath: metrics)
        #expect(waitUntil(timeout: 5) { (try? String(contentsOfFile: metrics, encoding: .utf8))?.contains("xgscale_link_carrier") == true })
        #expect(monitor.process.wait(timeout: 5) { _ in monitor.stderr.contains("metrics file written again") }, "\(monitor.stderr)")
    }
}
