// Issue 15.5 at the stream level: a receive buffer kept tiny (no growth) while 200 bridge ports
// flap, so that dumps are refused (ENOBUFS at their start), overrun and interrupted again and
// again. The stream must never fail, and once the links are quiet what it tells must be the
// kernel's state, port by port.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct LinkEventStormTests {
    @Test func aTinyBufferUnderAStormNeverEndsTheStreamAndEndsInTheKernelsState() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("lwstorm")
        defer { ns.close() }
        let count = 200
        try ns.addBridgeWithPorts(count)
        try ns.assertNoDefaultRoute()
        let watcher = try Watcher(ns, ["--no-addresses", "--buffer", "4096", "--max-buffer", "4096"])
        defer { watcher.stop() }
        _ = try #require(watcher.snapshot(timeout: 30), "stderr: \(watcher.stderr)")

        let flaps = bridgePortFlaps(count: count)
        let start = Date()
        while Date().timeIntervalSince(start) < 8 {
            try ns.exec(["ip", "-batch", "-"], input: flaps)
            #expect(watcher.waitForExit(timeout: 0) == nil, "link-watch ended: \(watcher.stderr)")
        }
        try ns.exec(["ip", "-batch", "-"], input: stride(from: 0, to: count, by: 5).map { "link set p\($0) down\n" }.joined())
        // It overran (dumps interrupted by the storm itself are asked again, not delivered). The
        // "overrun" line comes with the first re-dump that completes, which on a loaded machine
        // may be only after the storm: wait for it.
        let overran = try waitUntil(timeout: 60, interval: 0.2) { watcher.lines.contains { $0.type == "overrun" } }
        #expect(overran, "stderr: \(watcher.stderr)")

        func kernel() throws -> [String: String] {
            var result: [String: String] = [:]
            for (name, c) in try ns.vethCarriers() { result[name] = "\(c.carrier) \(c.up) \(c.down)" }
            let ports = try JSONSerialization.jsonObject(with: Data(ns.exec(["bridge", "-j", "link"]).stdout.utf8)) as? [[String: Any]] ?? []
            for p in ports { if let n = p["ifname"] as? String, let s = p["state"] as? String { result[n, default: "?"] += " \(s)" } }
            return result
        }
        func mine() -> [String: String] {
            var result: [String: String] = [:]
            for i in watcher.currentState()?.interfaces ?? [] where i.name.hasPrefix("v") {
                result[i.name] = "\(i.carrier == true ? 1 : 0) \(i.carrierUpCount ?? -1) \(i.carrierDownCount ?? -1) "
                    + (i.port?.state?.rawValue ?? "?")
            }
            return result
        }
        var k: [String: String] = [:], m: [String: String] = [:]
        let equal = try waitUntil(timeout: 60, interval: 0.2) {
            k = try kernel(); m = mine()
            return k.count == count && k == m
        }
        let diff = k.keys.sorted().filter { m[$0] != k[$0] }.prefix(5).map { "\($0): kernel \(k[$0]!) stream \(m[$0] ?? "none")" }
        #expect(equal, "differs (carrier up down state): \(diff)")
        #expect(watcher.waitForExit(timeout: 0) == nil && watcher.stderr.isEmpty, "stderr: \(watcher.stderr)")
        #expect(watcher.badLines.isEmpty)
    }
}
