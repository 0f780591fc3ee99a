// Test helper, not part of the tool: prints the `LinkEventStream` of the network namespace it is
// started in (tests run it under `ip netns exec`) as JSON lines, one object per line, flushed.
//
//   link-watch [--buffer BYTES] [--max-buffer BYTES] [--hold PATH] [--topology SECONDS] [--no-addresses] [--async]
//     {"type":"snapshot","snapshot":{...}}            the initial state
//     {"type":"link","update":{...}}                 RTM_NEWLINK (source link | bridge-port)
//     {"type":"removed","name":N,"index":I}          RTM_DELLINK
//     {"type":"overrun","snapshot":{...},"overruns":K}  ENOBUFS, then the re-read state
//     {"type":"topology","bridges":[...]}            bridge STP data, when it changed (--topology)
//   --hold PATH: after the snapshot line, read nothing until PATH exists (lets a test overrun
//   a shrunken receive buffer). --async: read through `LinkEventStream.subscribe` instead;
//   with --stop-after N, call stop() after N notifications, print {"type":"stopped"} when the
//   notifications end, and exit 0.
//
//   link-watch --latency N --interface X [--via PEER] [--ip-monitor]
//     Flaps X (admin down, up) N times from a second thread through netlink, like
//     `ip link set X down/up`, and measures from just before each request to the stream
//     delivering X's notification with the new state; with --ip-monitor the same flaps are
//     timed as seen by `ip -ts monitor link` started beside it. With --via PEER it flaps PEER
//     (X's veth peer) and times X's carrier change instead. Prints one JSON summary.
//     --json-command 'CMD ARGS...' (split at spaces): also start CMD (e.g. `xg-scale monitor
//     --json --all-links`), and time each flap to CMD's JSON line {"event":"link-down"|"link-up",
//     "interface":X} being readable on its stdout ("command" in the summary).
import Foundation
import Netlink
import NodeNetwork

struct Line: Encodable {
    var type: String
    var time: Double
    var snapshot: NetworkState?
    var update: InterfaceUpdate?
    var name: String?
    var index: Int?
    var overruns: Int?
    var bridges: [BridgeTopology]?
}

let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
}()

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func emit(_ line: Line) {
    var data = (try? encoder.encode(line)) ?? Data("{\"type\":\"encoding-error\"}".utf8)
    data.append(0x0A)
    FileHandle.standardOutput.write(data)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("link-watch: \(message)\n".utf8))
    exit(1)
}

// A test runner may start us with every signal blocked (posix_spawn keeps the spawning
// thread's mask): unblock, so SIGTERM stops us.
var noSignals = sigset_t()
sigemptyset(&noSignals)
sigprocmask(SIG_SETMASK, &noSignals, nil)
signal(SIGTERM, SIG_DFL)
signal(SIGINT, SIG_DFL)

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, in arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String? {
    guard let i = arguments.firstIndex(of: name) else { return nil }
    guard i + 1 < arguments.count else { fail("\(name) needs a value") }
    return arguments[i + 1]
}

func number<T: LosslessStringConvertible>(_ name: String, as: T.Type) -> T? {
    guard let text = option(name) else { return nil }
    guard let value = T(text) else { fail("\(name): not a number: \(text)") }
    return value
}
let buffer = number("--buffer", as: Int.self)
// --max-buffer BYTES: how far overruns may grow the receive buffer (= --buffer keeps it small).
let maxBuffer = number("--max-buffer", as: Int.self) ?? (16 << 20)
let hold = option("--hold")
let topologyInterval = number("--topology", as: Double.self)
let addresses = !arguments.contains("--no-addresses")

if let count = option("--latency") {
    guard let n = Int(count), n > 0 else { fail("--latency: not a positive number: \(count)") }
    guard let name = option("--interface") else { fail("--latency needs --interface") }
    runLatency(flaps: n, interface: name, via: option("--via"), withIPMonitor: arguments.contains("--ip-monitor"),
               command: option("--json-command").map { $0.split(separator: " ").map(String.init) })
    exit(0)
}

if arguments.contains("--async") {
    // The same lines through LinkEventStream.subscribe (a thread feeding an AsyncThrowingStream).
    do {
        let subscription = try LinkEventStream.subscribe(options: .init(receiveBufferSize: buffer, addresses: addresses, maxReceiveBufferSize: maxBuffer))
        emit(Line(type: "snapshot", time: now(), snapshot: subscription.initialSnapshot))
        let stopAfter = number("--stop-after", as: Int.self)
        var seen = 0
        for try await item in subscription.notifications {
            seen += 1
            if seen == stopAfter { subscription.stop() }
            switch item {
            case .link(let update): emit(Line(type: "link", time: now(), update: update))
            case .removed(let name, let index): emit(Line(type: "removed", time: now(), name: name, index: index))
            case .overrun(let snapshot): emit(Line(type: "overrun", time: now(), snapshot: snapshot))
            }
        }
        emit(Line(type: "stopped", time: now()))
    } catch {
        fail("\(error)")
    }
    exit(0)
}

do {
    let stream = try LinkEventStream(options: .init(receiveBufferSize: buffer, addresses: addresses, maxReceiveBufferSize: maxBuffer))
    emit(Line(type: "snapshot", time: now(), snapshot: stream.initialSnapshot))
    if let hold {
        while !FileManager.default.fileExists(atPath: hold) { usleep(10_000) }
    }
    let reader = topologyInterval != nil ? try LinkReader() : nil
    var lastTopology: [BridgeTopology]?
    var nextPoll = Date()
    while true {
        var timeout: Double? = nil
        if let reader, let interval = topologyInterval {
            if nextPoll.timeIntervalSinceNow <= 0 {
                let bridges = try reader.bridgeTopology()
                if bridges != lastTopology {
                    emit(Line(type: "topology", time: now(), bridges: bridges))
                    lastTopology = bridges
                }
                nextPoll = Date().addingTimeInterval(interval)
            }
            timeout = max(0, nextPoll.timeIntervalSinceNow)
        }
        guard let item = try stream.next(timeout: timeout) else { continue }
        switch item {
        case .link(let update):
            emit(Line(type: "link", time: now(), update: update))
        case .removed(let name, let index):
            emit(Line(type: "removed", time: now(), name: name, index: index))
        case .overrun(let snapshot):
            emit(Line(type: "overrun", time: now(), snapshot: snapshot, overruns: stream.overruns))
        }
    }
} catch {
    fail("\(error)")
}
