// `link-watch --latency N --interface X [--ip-monitor]`: flap X and time the notifications.
import Foundation
import Netlink
import NodeNetwork

/// Shared between the flapping thread, the `ip monitor` reader and the main thread.
final class LatencyBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var flaps: [(t0: Double, up: Bool)] = []
    private var ipLines: [(time: Double, up: Bool)] = []

    func flapped(t0: Double, up: Bool) { lock.withLock { flaps.append((t0, up)) } }
    var flapCount: Int { lock.withLock { flaps.count } }
    func flap(_ i: Int) -> (t0: Double, up: Bool) { lock.withLock { flaps[i] } }
    func replaceIPLines(_ lines: [(Double, Bool)]) { lock.withLock { ipLines = lines.map { (time: $0.0, up: $0.1) } } }
    var ipLineCount: Int { lock.withLock { ipLines.count } }
    func ipLinesSnapshot() -> [(time: Double, up: Bool)] { lock.withLock { ipLines } }
}

struct Figures: Encodable {
    var samples: Int
    var missed: Int
    var medianMs: Double?
    var p99Ms: Double?
    var maxMs: Double?

    init(_ latencies: [Double], missed: Int) {
        let sorted = latencies.sorted()
        samples = sorted.count
        self.missed = missed
        func quantile(_ q: Double) -> Double? {
            guard !sorted.isEmpty else { return nil }
            let i = min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)
            return (sorted[max(0, i)] * 1e6).rounded() / 1e3
        }
        medianMs = quantile(0.5); p99Ms = quantile(0.99); maxMs = sorted.last.map { ($0 * 1e6).rounded() / 1e3 }
    }

    enum CodingKeys: String, CodingKey {
        case samples, missed
        case medianMs = "median-ms", p99Ms = "p99-ms", maxMs = "max-ms"
    }
}

struct LatencyReport: Encodable {
    var interface: String
    var flapped: String
    var measured: String
    var flaps: Int
    var stream: Figures
    var ipMonitor: Figures?
    var command: Figures?
    enum CodingKeys: String, CodingKey { case interface, flapped, measured, flaps, stream, ipMonitor = "ip-monitor", command }
}

/// "[2026-11-26T15:53:10.387193] 3: va@vb: <BROADCAST,MULTICAST,UP,LOWER_UP> ..." -> (time, up)
/// when the line is about `name`.
/// With `carrier`, the Bool is the carrier (UP without NO-CARRIER) instead of the admin state.
func parseIPMonitorLine(_ line: String, name: String, carrier: Bool = false) -> (Double, Bool)? {
    guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
    let stamp = line[line.index(after: line.startIndex)..<close]
    let rest = line[line.index(after: close)...]
    let words = rest.split(separator: " ")
    guard words.count >= 3 else { return nil }
    let ifname = words[1].split(separator: "@").first.map { String($0.trimmingCharacters(in: [":"])) }
    guard ifname == name else { return nil }
    let flags = words[2].trimmingCharacters(in: ["<", ">"]).split(separator: ",")
    // "2026-11-26T15:53:10.387193" (local time)
    let parts = stamp.split(separator: ".")
    guard parts.count == 2, let micros = Double(parts[1]) else { return nil }
    guard let date = utcFormatter.date(from: String(parts[0])) else { return nil }
    let state = carrier ? flags.contains("UP") && !flags.contains("NO-CARRIER") : flags.contains("UP")
    return (date.timeIntervalSince1970 + micros / 1e6, state)
}

/// ip monitor runs with TZ=UTC, so its stamps parse without the local zone.
nonisolated(unsafe) let utcFormatter: DateFormatter = {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    return f
}()

/// Flap `name` (admin down/up), or with `via` flap that interface (its veth peer) and time
/// `name`'s carrier change.
func runLatency(flaps: Int, interface name: String, via: String? = nil, withIPMonitor: Bool,
                command: [String]? = nil) {
    let flapped = via ?? name
    let board = LatencyBoard()
    let commandLines = command.map { CommandLines($0, interface: name) }
    defer { commandLines?.stop() }
    var monitor: Process?
    // ip monitor writes to a file, never a pipe: a pipe we read too slowly would block it and
    // delay its timestamps, which would be our fault, not its.
    let monitorFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("link-watch-\(getpid())-ip-monitor.txt").path
    defer { try? FileManager.default.removeItem(atPath: monitorFile) }
    func readMonitorFile() {
        guard let data = FileManager.default.contents(atPath: monitorFile) else { return }
        board.replaceIPLines(String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            parseIPMonitorLine(String($0), name: name, carrier: via != nil)
        })
    }
    if withIPMonitor {
        FileManager.default.createFile(atPath: monitorFile, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "-ts", "monitor", "link"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TZ": "UTC"]) { $1 }
        guard let output = FileHandle(forWritingAtPath: monitorFile) else { fail("cannot write \(monitorFile)") }
        process.standardOutput = output
        do { try process.run() } catch { fail("cannot start ip monitor: \(error)") }
        monitor = process
    }
    defer { monitor?.terminate() }

    do {
        let stream = try LinkEventStream(options: .init(addresses: false))
        let writer = try LinkWriter()
        guard let start = stream.initialSnapshot[name] else { fail("no interface \(name)") }
        if !start.up { try writer.setUp(name, true); _ = waitFor(stream, name, up: true) }
        if let via { try writer.setUp(via, true); _ = waitFor(stream, name, up: true, carrier: true) }
        if monitor != nil {
            // Wait until ip monitor is listening: flap until it reports one.
            let deadline = Date().addingTimeInterval(5)
            while board.ipLineCount == 0 && Date() < deadline {
                try writer.setUp(flapped, false); _ = waitFor(stream, name, up: false, carrier: via != nil)
                try writer.setUp(flapped, true); _ = waitFor(stream, name, up: true, carrier: via != nil)
                usleep(50_000)
                readMonitorFile()
            }
            guard board.ipLineCount > 0 else { fail("ip monitor reported nothing") }
        }
        let ipBaseline = board.ipLineCount
        // The flapping thread sends each request when told to, stamping t0 just before it.
        let go = DispatchSemaphore(value: 0)
        let flapper = Thread {
            do {
                let flapWriter = try LinkWriter()
                for i in 0..<(2 * flaps) {
                    go.wait()
                    let up = i % 2 == 1
                    board.flapped(t0: now(), up: up)
                    try flapWriter.setUp(flapped, up)
                }
            } catch {
                fail("flap: \(error)")
            }
        }
        flapper.start()
        var latencies: [Double] = []
        var missed = 0
        var commandLatencies: [Double] = []
        var commandMissed = 0
        if let commandLines {
            // Ready when it reports a flap of ours.
            let deadline = Date().addingTimeInterval(10)
            var seen = false
            while !seen && Date() < deadline {
                try writer.setUp(flapped, false); _ = waitFor(stream, name, up: false, carrier: via != nil)
                seen = commandLines.next(up: false, timeout: 0.5) != nil
                try writer.setUp(flapped, true); _ = waitFor(stream, name, up: true, carrier: via != nil)
                _ = commandLines.next(up: true, timeout: 2)
            }
            guard seen else { fail("\(command!.joined(separator: " ")) printed no link event for \(name)") }
            commandLines.drain()
        }
        for i in 0..<(2 * flaps) {
            let up = i % 2 == 1
            go.signal()
            if let t1 = waitFor(stream, name, up: up, carrier: via != nil) {
                latencies.append(t1 - board.flap(i).t0)
            } else {
                missed += 1
            }
            if let commandLines {
                if let t1 = commandLines.next(up: up, timeout: 2) {
                    commandLatencies.append(t1 - board.flap(i).t0)
                } else {
                    commandMissed += 1
                }
            }
        }
        var report = LatencyReport(interface: name, flapped: flapped, measured: via != nil ? "carrier" : "admin-state", flaps: flaps, stream: Figures(latencies, missed: missed))
        if commandLines != nil { report.command = Figures(commandLatencies, missed: commandMissed) }
        if monitor != nil {
            usleep(500_000)
            readMonitorFile()
            let lines = board.ipLinesSnapshot()
            var ipLatencies: [Double] = []
            var ipMissed = 0
            var cursor = ipBaseline
            for i in 0..<(2 * flaps) {
                let flap = board.flap(i)
                let next = i + 1 < 2 * flaps ? board.flap(i + 1).t0 : .infinity
                while cursor < lines.count && lines[cursor].time < flap.t0 - 0.0005 { cursor += 1 }
                var found = false
                var j = cursor
                while j < lines.count && lines[j].time < next + 1 {
                    if lines[j].up == flap.up && lines[j].time >= flap.t0 - 0.0005 {
                        ipLatencies.append(max(0, lines[j].time - flap.t0))
                        cursor = j + 1
                        found = true
                        break
                    }
                    j += 1
                }
                if !found { ipMissed += 1 }
            }
            report.ipMonitor = Figures(ipLatencies, missed: ipMissed)
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        FileHandle.standardOutput.write(try e.encode(report) + Data("\n".utf8))
    } catch {
        fail("\(error)")
    }
}

/// Wait (at most 2 s) for the stream to deliver `name` in admin state `up` (with `carrier`: with
/// that carrier); the time it did.
func waitFor(_ stream: LinkEventStream, _ name: String, up: Bool, carrier: Bool = false) -> Double? {
    let deadline = Date().addingTimeInterval(2)
    while deadline.timeIntervalSinceNow > 0 {
        guard let item = try? stream.next(timeout: deadline.timeIntervalSinceNow) else { continue }
        if case .link(let update) = item, update.interface.name == name,
           carrier ? update.interface.carrier == up : update.interface.up == up {
            return now()
        }
    }
    return nil
}


/// A child printing JSON lines (the monitor): each link-down/link-up line of `interface`, stamped
/// when it was read from the pipe.
final class CommandLines: @unchecked Sendable {
    let process = Process()
    let cond = NSCondition()
    var seen: [(time: Double, up: Bool)] = []

    init(_ argv: [String], interface: String) {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let out = Pipe()
        process.standardOutput = out
        do { try process.run() } catch { fail("cannot start \(argv.joined(separator: " ")): \(error)") }
        let fd = out.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { return }
                let t = now()
                pending += buffer[0..<n]
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = Data(pending[0..<nl])
                    pending.removeSubrange(0...nl)
                    guard let o = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
                          o["interface"] as? String == interface,
                          let event = o["event"] as? String, event == "link-down" || event == "link-up"
                    else { continue }
                    cond.withLock {
                        seen.append((t, event == "link-up"))
                        cond.broadcast()
                    }
                }
            }
        }
    }

    /// The read time of the next line with state `up` (earlier lines of the other state are
    /// skipped), waiting at most `timeout` seconds.
    func next(up: Bool, timeout: Double) -> Double? {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock(); defer { cond.unlock() }
        while true {
            while let first = seen.first {
                seen.removeFirst()
                if first.up == up { return first.time }
            }
            if !cond.wait(until: deadline) { return nil }
        }
    }

    func drain() {
        usleep(200_000)
        cond.withLock { seen.removeAll() }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
