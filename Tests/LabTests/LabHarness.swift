// One lab for one test: a unique name, its own state root under /tmp, `xg-scale lab …` run
// with it, and a cleanup that runs `lab down` and then deletes any namespace left with the
// lab's prefix (so a failing test leaves nothing either). Independent readers of the kernel
// (`ip -j`, `bridge -j`, sysfs, /proc) for the checks.
import Foundation
import Glibc
import Lab
import Testing
import TestSupport

final class LabHarness: @unchecked Sendable {
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()
    let name: String
    let root: String

    init() throws {
        let n: Int = Self.lock.withLock { Self.counter += 1; return Self.counter }
        name = "t\(getpid() % 100_000)x\(n)"
        root = "/tmp/xglt-\(getpid())-\(n)"
        try? FileManager.default.removeItem(atPath: root)
    }

    var environment: [String: String] { ["XG_SCALE_LAB_ROOT": root] }
    var statePath: String { "\(root)/\(name)/state.json" }
    var prefix: String { "xgl-\(name)-" }

    /// `xg-scale lab SUB --name NAME ARGS…` (or, with `named: false`, `xg-scale ARGS…`).
    @discardableResult
    func lab(_ sub: String, _ args: [String] = [], named: Bool = true) throws -> ProcessResult {
        try run([xgScaleBinary(), "lab", sub] + (named ? ["--name", name] : []) + args, environment: environment)
    }

    @discardableResult
    func xg(_ args: [String]) throws -> ProcessResult {
        try run([xgScaleBinary()] + args, environment: environment)
    }

    func state() throws -> LabState {
        try JSONDecoder().decode(LabState.self, from: Data(contentsOf: URL(fileURLWithPath: statePath)))
    }

    /// `lab down`, then delete whatever still carries the lab's prefix, then the state root.
    func close() {
        _ = try? lab("down")
        for ns in (try? namespaces()) ?? [] where ns.hasPrefix(prefix) {
            _ = try? run(["ip", "netns", "delete", ns])
        }
        for pid in labProcesses() { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Processes whose arguments mention this lab's state root.
    func labProcesses() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(root + "/")
        }
    }
}

/// `ip netns list` as one test may compare it before and after: this lab's namespaces and every
/// namespace that is not a throwaway of some test run (xgt-* of TestSupport, xgl-* of other labs:
/// other tests, here or in another checkout on this machine, make and delete those meanwhile).
func namespaces(besides lab: LabHarness) throws -> [String] {
    try namespaces().filter { $0.hasPrefix(lab.prefix) || !($0.hasPrefix("xgt-") || $0.hasPrefix("xgl-")) }
}

/// `ip netns list`, names only.
func namespaces() throws -> [String] {
    try runChecked(["ip", "netns", "list"]).stdout.split(separator: "\n")
        .compactMap { $0.split(separator: " ").first.map(String.init) }.sorted()
}

/// The root namespace's links as "ifindex name" lines (read only).
func rootLinks() throws -> [String] {
    try json(runChecked(["ip", "-j", "link", "show"]).stdout).map { "\($0["ifindex"] ?? "") \($0["ifname"] ?? "")" }
}

/// `ip -n NS -j -d link show` as objects.
func links(_ ns: String) throws -> [[String: Any]] {
    try json(runChecked(["ip", "-n", ns, "-j", "-d", "link", "show"]).stdout)
}

/// `bridge -n NS -j link show` as objects.
func bridgeLinks(_ ns: String) throws -> [[String: Any]] {
    try json(runChecked(["bridge", "-n", ns, "-j", "link", "show"]).stdout)
}

func json(_ text: String) throws -> [[String: Any]] {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
}

func infoData(_ link: [String: Any]?) -> [String: Any] {
    (link?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any] ?? [:]
}

func link(_ links: [[String: Any]], _ name: String) -> [String: Any]? {
    links.first { $0["ifname"] as? String == name }
}

/// A sysfs file read inside the namespace (ip netns exec mounts the namespace's /sys).
func sysfs(_ ns: String, _ path: String) throws -> String {
    try runChecked(["ip", "netns", "exec", ns, "cat", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

func labPrerequisites() throws -> Bool {
    try prerequisites(programs: ["ip", "bridge", "ping", "nft"])
}

/// Before probing: no route out of the lab. The root namespace has the same links as before
/// `lab up` (no cable into it), and every lab namespace holds only loopback, veths whose peer
/// is in another namespace of the lab, and bridges.
func assertIsolated(_ state: LabState, rootLinksBefore: [String]) throws {
    #expect(try rootLinks() == rootLinksBefore, "no interface of the lab in the root namespace")
    for ns in state.namespaces {
        for l in try links(ns) {
            let kind = (l["linkinfo"] as? [String: Any])?["info_kind"] as? String
            let name = l["ifname"] as? String ?? "?"
            #expect(name == "lo" || kind == "veth" || kind == "bridge", "\(ns)/\(name) is \(kind ?? "a device")")
            if kind == "veth" && l["link_netnsid"] == nil {
                // A veth with both ends here (the profile's veth0/vif0.0): its peer must be local.
                #expect(try links(ns).contains { $0["ifname"] as? String == l["link"] as? String },
                        "\(ns)/\(name)'s peer is in this namespace")
            }
        }
    }
}
