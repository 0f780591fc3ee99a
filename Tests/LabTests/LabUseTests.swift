// Using a lab: `lab status --json` says what the kernel says, `lab exec` passes the exit status
// through and refuses an unknown node, preflight through `lab exec` finds a port an nftables
// rule in one node blocks; and what `lab up` refuses (bond without the bonding driver, an
// invalid profile, not root), leaving nothing behind.
import Foundation
import Glibc
import Lab
import Testing
import TestSupport

@Suite(.serialized) struct LabUseTests {
    @Test func statusExecAndPreflightThroughLabExec() throws {
        guard try labPrerequisites() else { return }
        let lab = try LabHarness()
        defer { lab.close() }
        let linksBefore = try rootLinks()
        let up = try lab.lab("up")
        try #require(up.status == 0, "\(up.stderr)")
        let state = try lab.state()
        try checkStatus(lab, state)
        try assertIsolated(state, rootLinksBefore: linksBefore)

        // exec: exit status through, stdout through, every target kind, unknown node refused.
        let seven = try lab.lab("exec", [lab.name, "dom0", "--", "sh", "-c", "exit 7"], named: false)
        #expect(seven.status == 7)
        let hostname = try lab.lab("exec", [lab.name, "switch2", "--", "readlink", "/proc/self/ns/net"], named: false)
        let sw2 = try runChecked(["ip", "netns", "exec", state.switches[1].namespace, "readlink", "/proc/self/ns/net"])
        #expect(hostname.status == 0 && hostname.stdout == sw2.stdout, "switch2 runs in its namespace")
        let vm = try lab.lab("exec", [lab.name, "dom0m-vm", "--", "ip", "-br", "addr", "show", "eth0"], named: false)
        #expect(vm.stdout.contains(state.nodes[1].vmAddress))
        let unknown = try lab.lab("exec", [lab.name, "nosuch", "--", "true"], named: false)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no node 'nosuch'") && unknown.stderr.contains("dom0m-vm"))

        // preflight across the lab's nodes, the node side run through `lab exec`.
        try checkPreflight(lab, state)
    }

    func checkStatus(_ lab: LabHarness, _ state: LabState) throws {
        // The monitors log the redundancy state once they have read the links.
        var status: [String: Any] = [:]
        let logged = try waitUntil(timeout: 10, interval: 0.2) {
            let r = try lab.lab("status", ["--json"])
            status = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
            let nodes = status["nodes"] as? [[String: Any]] ?? []
            return nodes.count == 2 && nodes.allSatisfy { $0["redundancy"] as? String == "ok" }
        }
        #expect(logged, "both monitors logged redundancy ok")
        #expect(status["phase"] as? String == "up" && status["redundancy"] as? String == "stp")
        for (i, n) in (status["nodes"] as? [[String: Any]] ?? []).enumerated() {
            let ns = state.nodes[i].namespace
            let uplinks = n["uplinks"] as? [[String: Any]] ?? []
            #expect(uplinks.map { $0["name"] as? String } == ["peth0", "peth1"])
            // Each uplink's state as the kernel has it.
            let kernel = try bridgeLinks(ns)
            for u in uplinks {
                let k = kernel.first { $0["ifname"] as? String == u["name"] as? String }
                #expect(u["state"] as? String == k?["state"] as? String)
                #expect(u["carrier"] as? Bool == true && u["exists"] as? Bool == true)
            }
            // The profile's costs make peth0 (to the root switch, cost 100) the forwarding one.
            #expect(n["active-uplink"] as? String == "peth0")
            #expect(uplinks.compactMap { $0["state"] as? String }.sorted() == ["blocking", "forwarding"])
            let monitor = n["monitor"] as? [String: Any] ?? [:]
            #expect(monitor["alive"] as? Bool == true)
            #expect((monitor["pid"] as? Int).map(Int32.init) == state.processes[i].pid)
        }
        let switches = status["switches"] as? [[String: Any]] ?? []
        #expect(switches.map { $0["root"] as? Bool } == [true, false])
        for (i, s) in switches.enumerated() {
            let ports = (s["ports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(ports) == Set(state.switches[i].ports))
        }
    }

    func checkPreflight(_ lab: LabHarness, _ state: LabState) throws {
        let blocked = 7791
        let node = state.nodes[1]
        try runChecked(["ip", "netns", "exec", node.namespace, "nft", "-f", "-"], input: """
            table inet xglabtest {
                chain input {
                    type filter hook input priority 0; policy accept;
                    tcp dport \(blocked) drop comment "lab test: vm-db blocked"
                }
            }
            """)
        let config = packageRoot().appendingPathComponent("examples/drbd/lab.res").path
        let r = try lab.xg(["preflight", "--config", config, "--exec", "\(xgScaleBinary()) lab exec \(lab.name) {node} --",
                            "--timeout", "1500", "--json"])
        #expect(r.status == 2, "one port is blocked: \(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let pairs = report["pairs"] as? [[String: Any]] ?? []
        #expect(pairs.count == 4)
        let bad = pairs.filter { $0["result"] as? String != "ok" }
        #expect(bad.count == 1)
        let pair = try #require(bad.first)
        #expect(pair["port"] as? Int == blocked && pair["to"] as? String == node.name)
        #expect(["filtered", "rejected"].contains(pair["result"] as? String))
        let rule = pair["rule"] as? [String: Any]
        #expect(rule?["table"] as? String == "xglabtest" && rule?["comment"] as? String == "lab test: vm-db blocked")
    }

    /// The apply in the first node fails at its first step (the apply engine's fault hook,
    /// XG_SCALE_FAULT_STEP): `lab up` exits 1 naming that node, and what it had built by then
    /// (both switches, every node's namespace and cables, the apply's state) is gone.
    @Test func failureHalfwayUndoesEverything() throws {
        guard try labPrerequisites() else { return }
        let lab = try LabHarness()
        let (nsBefore, linksBefore) = (try namespaces(besides: lab), try rootLinks())
        defer { lab.close() }
        let r = try run([xgScaleBinary(), "lab", "up", "--name", lab.name],
                        environment: lab.environment.merging(["XG_SCALE_FAULT_STEP": "1"]) { $1 })
        #expect(r.status == 1)
        #expect(r.stderr.contains("in node dom0 "), "names the node whose apply failed: \(r.stderr)")
        #expect(try namespaces(besides: lab) == nsBefore)
        #expect(try rootLinks() == linksBefore)
        #expect(lab.labProcesses().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(lab.root)/\(lab.name)"))
    }

    @Test func bondProfileRefusedWithoutTheBondingDriver() throws {
        guard try labPrerequisites() else { return }
        let bonding = FileManager.default.fileExists(atPath: "/sys/module/bonding")
            || (try? run(["modprobe", "-n", "-q", "bonding"]))?.status == 0
        guard try prerequisite(!bonding, "a kernel without the bonding driver (this one has it)") else { return }
        let lab = try LabHarness()
        let nsBefore = try namespaces(besides: lab)
        defer { lab.close() }
        let profile = packageRoot().appendingPathComponent("profiles/bond-active-backup.yaml").path
        let r = try lab.lab("up", ["--profile", profile])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bonding") && r.stderr.contains("CONFIG_BONDING") && r.stderr.contains("Tests/VM"))
        #expect(try namespaces(besides: lab) == nsBefore)
        #expect(!FileManager.default.fileExists(atPath: "\(lab.root)/\(lab.name)"))
    }

    @Test func invalidProfileAndNonRootAreRefused() throws {
        guard try labPrerequisites() else { return }
        let lab = try LabHarness()
        let nsBefore = try namespaces(besides: lab)
        defer { lab.close() }
        let dir = "/tmp/xglt-prof-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = dir + "/bad.yaml"
        try "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0, stp: {forward-delay: 99}}\nhost: {addresses: []}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try lab.lab("up", ["--profile", bad])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(bad):4:"), "the loader's file:line: \(r.stderr)")
        #expect(try namespaces(besides: lab) == nsBefore)
        #expect(!FileManager.default.fileExists(atPath: "\(lab.root)/\(lab.name)"))

        let fewer = try lab.lab("up", ["--nodes", "3"])
        #expect(fewer.status == 1 && fewer.stderr.contains("fewer than --nodes 3"))

        let user = try run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", xgScaleBinary(),
                            "lab", "up", "--name", lab.name], environment: lab.environment)
        #expect(user.status == 1 && user.stderr.contains("needs root"))
        #expect(try namespaces(besides: lab) == nsBefore)
    }
}
