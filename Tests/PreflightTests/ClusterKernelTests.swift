// `xg-scale preflight` on the real kernel: namespaces as nodes, nftables inside them, the node
// side reached through `--exec 'ip netns exec {node}'` (drbd.conf host names are the
// namespace names). Root; skipped without (fails under CI=true).
import Foundation
import Glibc
import Testing
import TestSupport

@Suite(.serialized) struct ClusterKernelTests {
    static let firewall = """
        table inet xgtest {
          chain input {
            type filter hook input priority 0; policy accept;
            tcp dport 7001 drop comment "drbd-drop"
            tcp dport 7002 reject with icmp type admin-prohibited comment "drbd-icmp"
            tcp dport 7003 reject with tcp reset comment "drbd-rst"
          }
        }
        """

    /// Several resources and a DRBD 9 mesh over nodes 1-3, plus a node that does not exist.
    static func config(_ lab: Lab, ghost: String) -> String {
        let (a, b, c) = (lab.name(0), lab.name(1), lab.name(2))
        func two(_ name: String, _ minor: Int, _ x: String, _ xa: String, _ y: String, _ ya: String, _ port: Int) -> String {
            """
            resource \(name) {
                device minor \(minor); disk /dev/xgt/\(name); meta-disk internal;
                on \(x) { node-id 0; address \(xa):\(port); }
                on \(y) { node-id 1; address \(ya):\(port); }
            }

            """
        }
        return """
            resource mesh {
                device minor 0; disk /dev/xgt/mesh; meta-disk internal;
                on \(a) { node-id 0; address 10.77.0.1:7000; }
                on \(b) { node-id 1; address 10.77.0.2:7000; }
                on \(c) { node-id 2; address 10.77.0.3:7000; }
                connection-mesh { hosts \(a) \(b) \(c); }
            }

            """ + two("rdrop", 1, a, "10.77.0.1", b, "10.77.0.2", 7001)
            + two("ricmp", 2, a, "10.77.0.1", b, "10.77.0.2", 7002)
            + two("rrst", 3, a, "10.77.0.1", b, "10.77.0.2", 7003)
            + two("rheld", 4, a, "10.77.0.1", c, "10.77.0.3", 7004)
            + two("rnotlocal", 5, b, "10.77.0.99", c, "10.77.0.3", 7005)
            + two("rghost", 6, a, "10.77.0.1", ghost, "10.77.0.7", 7006)
            + two("rnoroute", 7, a, "10.77.0.1", b, "10.88.0.2", 7007)
    }

    @Test func everyDiagnosisInBothDirections() throws {
        guard try prerequisites(programs: ["nft", "ss", "python3"]) else { return }
        try withLab(nodes: 3) { lab, dir in
            let ghost = "xgt-\(getpid())-ghost"
            try Self.config(lab, ghost: ghost).write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            try Self.prepareNodes(lab)
            let r = try run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--exec", "ip netns exec {node}",
                             "--timeout", "1000", "--json"])
            #expect(r.status == 2, "\(r.stderr)")
            let rep = try Report(r.stdout)
            let (a, b, c) = (lab.name(0), lab.name(1), lab.name(2))

            // The mesh: all six directions.
            for (x, y) in [(a, b), (b, a), (a, c), (c, a), (b, c), (c, b)] {
                #expect(rep.pair("mesh", x, y)?.result == "ok", "mesh \(x)->\(y): \(String(describing: rep.pair("mesh", x, y)))")
            }
            try Self.expectFirewallAnswers(rep, lab)
            // A port held by another process: named; the other way is fine.
            let held = try #require(rep.pair("rheld", a, c))
            #expect(held.result == "port-in-use" && held.detail.contains("python3"), "\(held)")
            #expect(rep.pair("rheld", c, a)?.result == "ok")
            // An address that is not local: B cannot listen one way, A cannot bind the other.
            #expect(rep.pair("rnotlocal", c, b)?.result == "address-not-local")
            #expect(rep.pair("rnotlocal", b, c)?.result == "address-not-local")
            // A node that does not exist: its pairs only.
            #expect(rep.pair("rghost", a, ghost)?.result == "node-unreachable")
            #expect(rep.pair("rghost", ghost, a)?.result == "node-unreachable")
            // No route from node 1 to 10.88.0.2: decided locally. The other way the SYN arrives but
            // node 1 cannot answer 10.88.0.2, so nothing comes back.
            #expect(rep.pair("rnoroute", a, b)?.result == "no-route", "\(String(describing: rep.pair("rnoroute", a, b)))")
            #expect(rep.pair("rnoroute", b, a)?.result == "filtered", "\(String(describing: rep.pair("rnoroute", b, a)))")
            #expect(rep.pairs.count == 6 + 7 * 2)
            let ghostNode = try #require(rep.nodes.first { $0["node"] as? String == ghost })
            #expect(ghostNode["reachable"] as? Bool == false)
            #expect(rep.nodes.filter { $0["reachable"] as? Bool == true }.count == 3)
            Self.expectFindings(rep, a, b, c)
            lab.stopChildren()
            for i in 0..<3 { #expect(try lab.listeners(i).isEmpty, "node \(i + 1) still listens") }
        }
    }

    /// Node 2: the firewall and a second subnet; node 1: DRBD ports in its ephemeral range;
    /// node 3: a port held by another process.
    static func prepareNodes(_ lab: Lab) throws {
        try lab.nft(1, Self.firewall)
        // Node 2 also has 10.88.0.2, a subnet node 1 has no route to (and no route back from).
        try lab.nodes[1].exec(["ip", "addr", "add", "10.88.0.2/24", "dev", "eth0"])
        try lab.nodes[0].assertNoDefaultRoute()
        // Node 1's ephemeral range covers the DRBD ports: port-ephemeral there, not elsewhere.
        try lab.nodes[0].exec(["sysctl", "-qw", "net.ipv4.ip_local_port_range=7000 60999"])
        try lab.background(2, ["/usr/bin/python3", "-c",
            "import socket,time\ns=socket.socket()\ns.bind(('10.77.0.3',7004))\ns.listen()\ntime.sleep(120)"])
        #expect(waitUntil(timeout: 10) { (try? lab.listeners(2))?.contains("10.77.0.3:7004") ?? false })
    }

    /// Node 2's firewall answers each port its own way, towards node 2 only, and the rule
    /// named is the one nft lists for that comment.
    static func expectFirewallAnswers(_ rep: Report, _ lab: Lab) throws {
        let (a, b) = (lab.name(0), lab.name(1))
        let expected = [("rdrop", "filtered", "drop", "drbd-drop"), ("ricmp", "rejected", "reject", "drbd-icmp"),
                        ("rrst", "refused", "reject", "drbd-rst")]
        for (res, result, verdict, comment) in expected {
            let p = try #require(rep.pair(res, a, b))
            #expect(p.result == result, "\(res): \(p)")
            #expect(p.rule?["node"] as? String == b && p.rule?["table"] as? String == "xgtest"
                    && p.rule?["chain"] as? String == "input" && p.rule?["comment"] as? String == comment, "\(res): \(String(describing: p.rule))")
            #expect((p.rule?["verdict"] as? String)?.hasPrefix(verdict) == true)
            #expect((p.rule?["handle"] as? Int ?? 0) > 0)
            #expect(rep.pair(res, b, a)?.result == "ok", "\(res) back: \(String(describing: rep.pair(res, b, a)))")
            #expect(rep.pair(res, b, a)?.rule == nil)
        }
        // The handles named are the ones nft lists for those comments.
        let listed = try lab.nodes[1].exec(["nft", "-a", "list", "chain", "inet", "xgtest", "input"]).stdout
        for (res, _, _, comment) in expected {
            let h = try #require(rep.pair(res, a, b)?.rule?["handle"] as? Int)
            #expect(listed.contains("comment \"\(comment)\" # handle \(h)"), "\(listed)")
        }
    }

    /// drbd check's local findings, per node, and port-ephemeral where the range covers the ports.
    static func expectFindings(_ rep: Report, _ a: String, _ b: String, _ c: String) {
        #expect(rep.findings(b).contains { $0["check"] as? String == "address-not-local" && $0["resource"] as? String == "rnotlocal" })
        #expect(rep.findings(c).contains { $0["check"] as? String == "port-in-use" && ($0["message"] as? String ?? "").contains("python3") })
        #expect(rep.findings(a).contains { $0["check"] as? String == "port-ephemeral" && $0["severity"] as? String == "warning" })
        #expect(!rep.findings(b).contains { $0["check"] as? String == "port-ephemeral" })
    }

    @Test func smallerMTUOnTheSwitchIsABlackHole() throws {
        guard try prerequisites(programs: ["ss"]) else { return }
        try withLab(nodes: 3, mtu: 9000, narrow: 1) { lab, dir in
            let (a, b, c) = (lab.name(0), lab.name(1), lab.name(2))
            try """
                resource jumbo { device minor 0; disk /dev/xgt/j; meta-disk internal;
                    on \(a) { address 10.77.0.1:7100; } on \(b) { address 10.77.0.2:7100; } }
                resource wide { device minor 1; disk /dev/xgt/w; meta-disk internal;
                    on \(a) { address 10.77.0.1:7101; } on \(c) { address 10.77.0.3:7101; } }
                """.write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            // Read back independently: the nodes have 9000, node 2's switch port 1500.
            #expect(try lab.nodes[1].exec(["cat", "/sys/class/net/eth0/mtu"]).stdout.hasPrefix("9000"))
            #expect(try lab.sw.exec(["cat", "/sys/class/net/p2/mtu"]).stdout.hasPrefix("1500"))
            let r = try run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--exec", "ip netns exec {node}",
                             "--timeout", "1000", "--json"])
            #expect(r.status == 2, "\(r.stderr)")
            let rep = try Report(r.stdout)
            for (x, y) in [(a, b), (b, a)] {
                let p = try #require(rep.pair("jumbo", x, y))
                #expect(p.result == "mtu-blackhole", "\(p)")
                #expect(p.mtu == 1500, "\(p)")
                #expect(p.detail.contains("1500"))
            }
            #expect(rep.pair("wide", a, c)?.result == "ok")
            #expect(rep.pair("wide", c, a)?.result == "ok")
            for i in 0..<3 { #expect(try lab.listeners(i).isEmpty) }
        }
    }

    @Test func humanTableAndSummary() throws {
        guard try prerequisites(programs: ["nft"]) else { return }
        try withLab(nodes: 2) { lab, dir in
            let (a, b) = (lab.name(0), lab.name(1))
            try """
                resource r0 { device minor 0; disk /dev/xgt/r0; meta-disk internal;
                    on \(a) { address 10.77.0.1:7001; } on \(b) { address 10.77.0.2:7001; } }
                """.write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            // r1 is not installed yet: it comes with --new.
            try """
                resource r1 { device minor 1; disk /dev/xgt/r1; meta-disk internal;
                    on \(a) { address 10.77.0.1:7010; } on \(b) { address 10.77.0.2:7010; } }
                """.write(toFile: dir + "/r1.res", atomically: true, encoding: .utf8)
            try lab.nft(1, Self.firewall)
            let r = try run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--new", dir + "/r1.res",
                             "--exec", "ip netns exec {node}", "--timeout", "500"])
            #expect(r.status == 2)
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("resource r0") && lines.contains("resource r1"), "\(r.stdout)")
            #expect(lines.contains { $0.contains("\(a) -> \(b)") && $0.contains("filtered") && $0.contains("handle") && $0.contains("drbd-drop") })
            #expect(lines.last == "summary: 4 pairs: 3 ok, 1 filtered; 2 of 2 nodes reachable", "\(r.stdout)")
            // Only the clean resource: exit 0.
            let ok = try run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--new", dir + "/r1.res",
                              "--exec", "ip netns exec {node}", "--resource", "r1", "--parallel", "1"])
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            for i in 0..<2 { #expect(try lab.listeners(i).isEmpty) }
        }
    }

    @Test func listenersCloseWhenTheCoordinatorDies() throws {
        guard try prerequisites(programs: ["nft", "ss"]) else { return }
        try withLab(nodes: 2) { lab, dir in
            let (a, b) = (lab.name(0), lab.name(1))
            try """
                resource r0 { device minor 0; disk /dev/xgt/r0; meta-disk internal;
                    on \(a) { address 10.77.0.1:7001; } on \(b) { address 10.77.0.2:7001; } }
                """.write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            try lab.nft(1, Self.firewall)
            // A long timeout: the dropped connect keeps phase 2 busy for 20 s.
            let pid = try spawnWithCleanSignals([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf",
                                                 "--exec", "ip netns exec {node}", "--timeout", "20000"])
            var reaped = false
            defer { if !reaped { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) } }
            #expect(waitUntil(timeout: 10) {
                (try? lab.listeners(1))?.contains("10.77.0.2:7001") == true
                    && ((try? lab.nodes[0].exec(["ss", "-Htn", "state", "syn-sent"]).stdout) ?? "").contains("10.77.0.2:7001")
            })
            kill(pid, SIGKILL)
            var st: Int32 = 0
            waitpid(pid, &st, 0)
            reaped = true
            // The node sides see their stdin end and close everything, long before any deadline.
            for i in 0..<2 {
                #expect(waitUntil(timeout: 3) { (try? lab.listeners(i))?.isEmpty == true }, "node \(i + 1): \((try? lab.listeners(i)) ?? [])")
            }
            #expect(((try? lab.nodes[0].exec(["ss", "-Htn", "state", "syn-sent"]).stdout) ?? "x").isEmpty)
        }
    }

    @Test func ipv6Endpoints() throws {
        guard try prerequisites(programs: ["nft", "ss"]) else { return }
        try withLab(nodes: 2) { lab, dir in
            for i in 0..<2 { try lab.nodes[i].exec(["ip", "addr", "add", "fd77::\(i + 1)/64", "dev", "eth0", "nodad"]) }
            let (a, b) = (lab.name(0), lab.name(1))
            try """
                resource v6 { device minor 0; disk /dev/xgt/v6; meta-disk internal;
                    on \(a) { address ipv6 [fd77::1]:7300; } on \(b) { address ipv6 [fd77::2]:7300; } }
                resource v6drop { device minor 1; disk /dev/xgt/v6d; meta-disk internal;
                    on \(a) { address ipv6 [fd77::1]:7001; } on \(b) { address ipv6 [fd77::2]:7001; } }
                """.write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            try lab.nft(1, Self.firewall)
            let r = try run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--exec", "ip netns exec {node}",
                             "--timeout", "1000", "--json"])
            #expect(r.status == 2, "\(r.stderr)")
            let rep = try Report(r.stdout)
            #expect(rep.pair("v6", a, b)?.result == "ok" && rep.pair("v6", b, a)?.result == "ok", "\(rep.pairs)")
            #expect(rep.pair("v6drop", a, b)?.result == "filtered")
            #expect(rep.pair("v6drop", a, b)?.rule?["comment"] as? String == "drbd-drop")
            #expect(rep.pair("v6drop", b, a)?.result == "ok")
            for i in 0..<2 { #expect(try lab.listeners(i).isEmpty) }
        }
    }

    @Test func aSlowNodeGivesNodeUnreachableAndTheRestIsComplete() throws {
        guard try prerequisites(programs: ["ss"]) else { return }
        try withLab(nodes: 3) { lab, dir in
            let (a, b, c) = (lab.name(0), lab.name(1), lab.name(2))
            // Node 3 is reached through a transport that never answers.
            try "#!/bin/sh\nn=$1; shift\n[ \"$n\" = \(c) ] && exec sleep 600\nexec ip netns exec \"$n\" \"$@\"\n"
                .write(toFile: dir + "/reach", atomically: true, encoding: .utf8)
            try runChecked(["chmod", "755", dir + "/reach"])
            try """
                resource mesh { device minor 0; disk /dev/xgt/m; meta-disk internal;
                    on \(a) { node-id 0; address 10.77.0.1:7400; } on \(b) { node-id 1; address 10.77.0.2:7400; }
                    on \(c) { node-id 2; address 10.77.0.3:7400; } connection-mesh { hosts \(a) \(b) \(c); } }
                """.write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            let start = Date()
            let r = try run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--exec", dir + "/reach {node}",
                             "--timeout", "500", "--json"])
            let elapsed = Date().timeIntervalSince(start)
            #expect(r.status == 2, "\(r.stderr)")
            let rep = try Report(r.stdout)
            #expect(rep.pair("mesh", a, b)?.result == "ok" && rep.pair("mesh", b, a)?.result == "ok", "\(rep.pairs)")
            for (x, y) in [(a, c), (c, a), (b, c), (c, b)] { #expect(rep.pair("mesh", x, y)?.result == "node-unreachable") }
            #expect(rep.nodes.first { $0["node"] as? String == c }?["reachable"] as? Bool == false)
            // Start-up allowance (5 s under --exec) plus the timeouts, not the 600 s of the hung node.
            #expect(elapsed < 5 + 2 * 0.5 + 2.5, "took \(elapsed) s")
            for i in 0..<3 { #expect(try lab.listeners(i).isEmpty) }
        }
    }
}
