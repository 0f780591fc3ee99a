// Helpers for the apply tests: a namespace with uplinks, the binary run inside it with its own
// state directory, and the state as a user compares it (show --json without counters).
import Foundation
import Testing
import TestSupport
import NodeNetwork

/// A throwaway namespace whose uplinks peth0/peth1 exist as veths, and a private state dir.
final class Lab {
    let ns: Namespace
    let stateDir: String
    init(_ tag: String, uplinks: [String] = ["peth0", "peth1"]) throws {
        ns = try Namespace(tag)
        stateDir = NSTemporaryDirectory() + "xga-\(ns.name)"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        for u in uplinks { try ns.exec(["ip", "link", "add", u, "type", "veth", "peer", "name", u + "p"]) }
    }
    func close() {
        // A watchdog left by a failed test must not outlive it.
        if let data = FileManager.default.contents(atPath: stateDir + "/pending.json"),
           let p = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let pid = p["watchdog-pid"] as? Int { kill(pid_t(pid), SIGKILL) }
        ns.close()
        try? FileManager.default.removeItem(atPath: stateDir)
    }

    /// `xg-scale ARGS --state-dir DIR` inside the namespace.
    @discardableResult
    func xg(_ args: [String], env: [String: String] = [:]) throws -> ProcessResult {
        try run(["ip", "netns", "exec", ns.name, xgScaleBinary()] + args + ["--state-dir", stateDir], environment: env)
    }

    /// Profile arguments for an example profile (node dom0 of the example inventory), or a file.
    static func profileArgs(_ path: String) -> [String] {
        let dir = packageRoot().appendingPathComponent("profiles").path
        let file = path.hasPrefix("/") ? path : dir + "/" + path
        return [file, "--inventory", dir + "/inventory.yaml", "--node", "dom0"]
    }

    func state() throws -> NetworkState {
        let r = try xgShow()
        return try JSONDecoder().decode(NetworkState.self, from: Data(r.utf8))
    }

    func xgShow() throws -> String {
        let r = try run(["ip", "netns", "exec", ns.name, xgScaleBinary(), "show", "--all", "--json"])
        if r.status != 0 { throw TestSupportError.commandFailed("show", r) }
        return r.stdout
    }

    /// What a user compares before/after: links, kinds, masters, up/down, MTU, options,
    /// port priority/cost, addresses, peers and default routes — no counters, no STP port state.
    func comparable() throws -> String {
        let s = try state()
        var out: [String] = []
        for i in s.interfaces.sorted(by: { $0.name < $1.name }) {
            var line = "\(i.name) kind=\(i.kind.rawValue) up=\(i.up) master=\(i.master ?? "-") mtu=\(i.mtu ?? 0) peer=\(i.peer ?? "-")"
            line += " addresses=\((i.addresses ?? []).sorted())"
            if let b = i.bridge {
                line += " stp=\(b.stp) prio=\(b.priority ?? -1) fd=\(b.forwardDelay ?? -1) hello=\(b.helloTime ?? -1) maxage=\(b.maxAge ?? -1)"
            }
            if let p = i.port { line += " port-prio=\(p.priority ?? -1) cost=\(p.cost ?? -1)" }
            out.append(line)
        }
        for r in s.routes { out.append("route \(r.destination) via \(r.gateway) dev \(r.device ?? "-")") }
        return out.joined(separator: "\n")
    }

    /// ifindex and carrier transition counters per link: unchanged = no recreate, no flap.
    func identities() throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try state().interfaces.map {
            ($0.name, "index=\($0.index ?? -1) up=\($0.carrierUpCount ?? -1) down=\($0.carrierDownCount ?? -1)")
        })
    }

    /// A copy of an example profile with text replaced, in the state dir.
    func editedProfile(_ name: String, _ replacements: [(String, String)]) throws -> String {
        var text = try String(contentsOf: packageRoot().appendingPathComponent("profiles/" + name), encoding: .utf8)
        for (a, b) in replacements {
            #expect(text.contains(a), "profile \(name) has no '\(a)'")
            text = text.replacingOccurrences(of: a, with: b)
        }
        let path = stateDir + "/edited-" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

struct PlanJSON: Decodable {
    struct Item: Decodable { var action: String; var interface: String?; var summary: String }
    var changes: [Item]
    var inSync: Bool
    enum CodingKeys: String, CodingKey { case changes, inSync = "in-sync" }
}

struct ApplyJSON: Decodable {
    var applied: Bool
    var inSync: Bool
    var changeRequests: Int
    var changes: [PlanJSON.Item]
    enum CodingKeys: String, CodingKey { case applied, inSync = "in-sync", changeRequests = "change-requests", changes }
}

func decode<T: Decodable>(_ type: T.Type, _ r: ProcessResult) throws -> T {
    do { return try JSONDecoder().decode(T.self, from: Data(r.stdout.utf8)) } catch {
        Issue.record("cannot decode \(T.self): \(error)\nstdout: \(r.stdout)\nstderr: \(r.stderr)")
        throw error
    }
}

extension Lab {
    /// `xg-scale ARGS` inside the namespace without --state-dir: the default, per-namespace state
    /// directory under `root` (XG_SCALE_STATE_ROOT, instead of /var/lib/xg-scale).
    @discardableResult
    func xgDefault(_ args: [String], root: String, env: [String: String] = [:]) throws -> ProcessResult {
        try run(["ip", "netns", "exec", ns.name, xgScaleBinary()] + args,
                environment: env.merging(["XG_SCALE_STATE_ROOT": root]) { a, _ in a })
    }

    /// `ip -j -d link show` in the namespace: what the kernel itself says, raw.
    func kernelLinks() throws -> String {
        try ns.exec(["ip", "-j", "-d", "link", "show"]).stdout
    }

    /// Every link of the namespace by name, with its alias, read by `ip -j -d link show`.
    func linkAliases() throws -> [String: String] {
        let list = try JSONSerialization.jsonObject(with: Data(try kernelLinks().utf8)) as? [[String: Any]] ?? []
        var out: [String: String] = [:]
        for l in list { if let n = l["ifname"] as? String { out[n] = l["ifalias"] as? String ?? "" } }
        return out
    }

    func linkNames() throws -> Set<String> { Set(try linkAliases().keys) }

    /// The network namespace's identity (inode of its /run/netns bind mount).
    var netnsInode: UInt64 {
        var st = stat()
        stat("/run/netns/\(ns.name)", &st)
        return UInt64(st.st_ino)
    }
}

/// A scratch directory under /tmp, removed by `close()`.
final class Scratch {
    let path: String
    init(_ tag: String) throws {
        path = NSTemporaryDirectory() + "xga-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func close() { try? FileManager.default.removeItem(atPath: path) }
}
