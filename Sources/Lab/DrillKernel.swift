// What the drill reads from and does to the lab's kernel, through iproute2 (`ip -n NS -j -d`,
// `bridge -n NS -j`): the independent, stable reading every admin has, in the lab's namespaces only.
import Foundation
import SystemIO

struct DrillKernel {
    /// Run a program (argv, no shell; through env(1), so looked up in PATH); stdout, or a
    /// DrillError naming the command and its stderr. Both outputs are read together, and
    /// `input` is fed while they are, so no pipe can fill up and stall it.
    @discardableResult
    static func run(_ argv: [String], input: String? = nil) throws -> String {
        let r: Command.Result
        do { r = try Command.run(["/usr/bin/env"] + argv, stdin: input.map { Array($0.utf8) }, timeout: Command.labTimeout) } catch {
            throw DrillError("cannot run \(argv[0]): \(error)")
        }
        guard r.status == 0 else {
            throw DrillError("`\(argv.joined(separator: " "))` failed: \(r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return r.stdoutText
    }

    static func json(_ argv: [String]) throws -> [[String: Any]] {
        let text = try run(argv)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    static func namespaces() throws -> Set<String> {
        Set(try run(["ip", "netns", "list"]).split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    /// `ip -n ns -j -d link show dev X`, the one object.
    static func link(_ ns: String, _ dev: String) throws -> [String: Any] {
        guard let l = try json(["ip", "-n", ns, "-j", "-d", "link", "show", "dev", dev]).first else {
            throw DrillError("no interface \(dev) in namespace \(ns)")
        }
        return l
    }

    static func infoData(_ link: [String: Any]) -> [String: Any] {
        ((link["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]) ?? [:]
    }

    static func kind(_ link: [String: Any]) -> String? {
        (link["linkinfo"] as? [String: Any])?["info_kind"] as? String
    }

    static func hasCarrier(_ link: [String: Any]) -> Bool {
        let flags = link["flags"] as? [String] ?? []
        return flags.contains("LOWER_UP") && flags.contains("UP")
    }

    /// STP state of every bridge port in `ns` by name ("forwarding", "blocking", "listening", …).
    static func portStates(_ ns: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for p in try json(["bridge", "-n", ns, "-j", "link", "show"]) {
            if let name = p["ifname"] as? String, let state = p["state"] as? String { out[name] = state }
        }
        return out
    }

    static func setLink(_ ns: String, _ dev: String, up: Bool) throws {
        try run(["ip", "-n", ns, "link", "set", "dev", dev, up ? "up" : "down"])
    }

    /// Several links of one namespace at once (one `ip -batch`): a switch's ports go down together,
    /// as at a power cut, not one `ip` start apart (100 ms and more under qemu's TCG).
    static func setLinks(_ ns: String, _ devs: [String], up: Bool) throws {
        let lines = devs.map { "link set dev \($0) \(up ? "up" : "down")\n" }.joined()
        try run(["ip", "-n", ns, "-batch", "-"], input: lines)
    }

    /// The timers in effect on a bridge (the root's; `ip` shows them in centiseconds).
    static func stpTimers(_ ns: String, _ bridge: String) throws -> STPTimers {
        let d = infoData(try link(ns, bridge))
        func ms(_ key: String) -> Int { ((d[key] as? NSNumber)?.intValue ?? 0) * 10 }
        return STPTimers(forwardDelayMs: ms("forward_delay"), helloMs: ms("hello_time"), maxAgeMs: ms("max_age"))
    }

    static func setSTPTimers(_ ns: String, _ bridge: String, _ t: STPTimers) throws {
        try run(["ip", "-n", ns, "link", "set", "dev", bridge, "type", "bridge",
                 "forward_delay", String(t.forwardDelayMs / 10), "hello_time", String(t.helloMs / 10),
                 "max_age", String(t.maxAgeMs / 10)])
    }

    static func bondTimers(_ ns: String, _ bond: String) throws -> BondTimers {
        let d = infoData(try link(ns, bond))
        func n(_ key: String) -> Int { (d[key] as? NSNumber)?.intValue ?? 0 }
        return BondTimers(miimonMs: n("miimon"), updelayMs: n("updelay"), arpIntervalMs: n("arp_interval"),
                          arpMissedMax: d["arp_missed_max"] == nil ? 2 : n("arp_missed_max"))
    }

    /// The namespace's default routes (IPv4 and IPv6), as `ip` prints them.
    static func defaultRoutes(_ ns: String) throws -> [String] {
        let v4 = try json(["ip", "-n", ns, "-j", "route", "show", "default"])
        let v6 = try json(["ip", "-n", ns, "-6", "-j", "route", "show", "default"])
        return (v4 + v6).map { "default via \($0["gateway"] as? String ?? "?") dev \($0["dev"] as? String ?? "?")" }
    }
}
