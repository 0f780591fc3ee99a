// A cluster on the real kernel for the preflight tests: node namespaces wired to one bridge in
// a switch namespace, each with its own address on 10.77.0.0/24 and no route out; helpers for
// nftables, background processes (kept by pid, killed at the end) and the report.
import Foundation
import Glibc
import Testing
import TestSupport

final class Lab: @unchecked Sendable {
    let sw: Namespace
    var nodes: [Namespace] = []
    private var children: [pid_t] = []

    /// `count` nodes; `mtu` on the nodes and their switch ports, except `narrow`'s switch port,
    /// which gets 1500 (a silent black hole for larger frames).
    init(nodes count: Int, mtu: Int = 1500, narrow: Int? = nil) throws {
        sw = try Namespace("sw")
        do {
            try sw.exec(["sh", "-ec", "ip link add br0 type bridge mcast_snooping 0; ip link set br0 up; ip addr add 10.77.0.254/24 dev br0"])
            for i in 0..<count {
                let n = try Namespace("n\(i + 1)")
                nodes.append(n)
                let portMTU = i == narrow ? 1500 : mtu
                try sw.exec(["sh", "-ec", """
                    ip link add p\(i + 1) mtu \(portMTU) type veth peer name eth0 netns \(n.name)
                    ip link set p\(i + 1) master br0
                    ip link set p\(i + 1) up
                    """])
                try n.exec(["sh", "-ec", "ip link set eth0 mtu \(mtu); ip addr add \(address(i))/24 dev eth0; ip link set eth0 up"])
            }
            for n in nodes + [sw] { try n.assertNoDefaultRoute() }
        } catch {
            close()
            throw error
        }
    }

    func address(_ i: Int) -> String { "10.77.0.\(i + 1)" }
    func name(_ i: Int) -> String { nodes[i].name }

    /// Load an nft ruleset into node `i`.
    func nft(_ i: Int, _ ruleset: String) throws {
        try nodes[i].exec(["nft", "-f", "-"], input: ruleset)
    }

    /// Start `argv` in node `i`'s namespace in the background; killed by close().
    @discardableResult
    func background(_ i: Int?, _ argv: [String]) throws -> pid_t {
        let ns = i.map { nodes[$0].name } ?? sw.name
        let pid = try spawnWithCleanSignals(["/usr/sbin/ip", "netns", "exec", ns] + argv)
        children.append(pid)
        return pid
    }

    /// TCP listeners in node `i` (ss -Htln), one "ADDR:PORT" per entry.
    func listeners(_ i: Int) throws -> [String] {
        try nodes[i].exec(["ss", "-Htln"]).stdout.split(separator: "\n").map { l in
            String(l.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first ?? "")
        }
    }

    func stopChildren() {
        for pid in children {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        children = []
    }

    /// Kill the helpers, delete every namespace, and check that none is left.
    func close() {
        stopChildren()
        for n in nodes + [sw] { n.close() }
    }

    var namespaceNames: [String] { nodes.map(\.name) + [sw.name] }
}

/// Whether any of `names` is still a network namespace.
func leftoverNamespaces(_ names: [String]) -> [String] {
    let list = (try? run(["ip", "netns", "list"]).stdout) ?? ""
    let present = Set(list.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    return names.filter { present.contains($0) }
}

/// One pair of the JSON report.
struct Pair {
    var resource, from, to, result, detail: String
    var port: Int
    var rule: [String: Any]?
    var mtu: Int?
}

struct Report {
    var pairs: [Pair]
    var nodes: [[String: Any]]
    init(_ json: String) throws {
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let ps = try #require(obj["pairs"] as? [[String: Any]])
        pairs = ps.map { p in
            Pair(resource: p["resource"] as? String ?? "", from: p["from"] as? String ?? "", to: p["to"] as? String ?? "",
                 result: p["result"] as? String ?? "", detail: p["detail"] as? String ?? "", port: p["port"] as? Int ?? 0,
                 rule: p["rule"] as? [String: Any], mtu: p["mtu"] as? Int)
        }
        nodes = try #require(obj["nodes"] as? [[String: Any]])
    }

    func pair(_ resource: String, _ from: String, _ to: String) -> Pair? {
        pairs.first { $0.resource == resource && $0.from == from && $0.to == to }
    }

    func findings(_ node: String) -> [[String: Any]] {
        nodes.first { $0["node"] as? String == node }?["findings"] as? [[String: Any]] ?? []
    }
}

func scratchDir() throws -> String {
    let d = "/tmp/xgpf-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Run `body` with a lab of `count` nodes and a scratch folder; afterwards the lab is closed, the
/// folder removed, and no namespace of the lab may be left.
func withLab(nodes count: Int, mtu: Int = 1500, narrow: Int? = nil,
             _ body: (Lab, String) throws -> Void) throws {
    let lab = try Lab(nodes: count, mtu: mtu, narrow: narrow)
    let names = lab.namespaceNames
    defer {
        lab.close()
        #expect(leftoverNamespaces(names).isEmpty)
    }
    let dir = try scratchDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try body(lab, dir)
}
