// The preflight's pure parts, without root: pairs from configurations, errno → diagnosis,
// --exec templates and ssh argv, nft rule matching, the JSON contract, input errors.
import DRBD
import Foundation
import Glibc
import Preflight
import Testing
import TestSupport

private func pairsOf(_ text: String) throws -> [ProbePair] {
    let loaded = ConfigLoader.load(text: text, name: "/t/drbd.conf")
    #expect(loaded.errors.isEmpty, "\(loaded.errors)")
    return PairDerivation.pairs(try #require(loaded.configuration))
}

private func triples(_ ps: [ProbePair]) -> Set<String> {
    Set(ps.map { "\($0.resource) \($0.from)>\($0.to) \($0.source.hostPort)>\($0.target.hostPort)" })
}

@Suite struct PreflightPurePairs {
    @Test func twoHostsGiveBothDirections() throws {
        let ps = try pairsOf("""
            resource r0 { device minor 0; disk /dev/a; meta-disk internal;
              on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }
            """)
        #expect(triples(ps) == ["r0 a>b 10.0.0.1:7788>10.0.0.2:7788", "r0 b>a 10.0.0.2:7788>10.0.0.1:7788"])
    }

    @Test func meshGivesEveryDirectedPair() throws {
        let text = try String(contentsOfFile: packageRoot().path + "/Tests/Fixtures/drbd/v9/mesh.conf", encoding: .utf8)
        let ps = try pairsOf(text).filter { $0.resource == "vm1" }
        #expect(ps.count == 6)
        let dirs = Set(ps.map { "\($0.from)>\($0.to)" })
        #expect(dirs == ["n1>n2", "n2>n1", "n1>n3", "n3>n1", "n2>n3", "n3>n2"])
        #expect(ps.allSatisfy { $0.target.port == 7000 })
    }

    @Test func connectionPathsAndHostStatements() throws {
        let text = try String(contentsOfFile: packageRoot().path + "/Tests/Fixtures/drbd/v9/connections.conf", encoding: .utf8)
        let ps = try pairsOf(text)
        let t = triples(ps)
        // Both paths of `multipath`, each both ways.
        #expect(t.isSuperset(of: ["multipath n1>n2 192.168.1.1:7100>192.168.1.2:7100", "multipath n2>n1 192.168.1.2:7100>192.168.1.1:7100",
                                  "multipath n1>n2 192.168.2.1:7100>192.168.2.2:7100", "multipath n2>n1 192.168.2.2:7100>192.168.2.1:7100"]))
        // `connection { host X address ...; }` replaces the section addresses.
        #expect(t.isSuperset(of: ["direct n1>n2 10.9.0.1:7102>10.9.0.2:7102", "direct n2>n1 10.9.0.2:7102>10.9.0.1:7102"]))
        #expect(!t.contains { $0.hasPrefix("direct") && $0.contains(":7101") })
        // IPv6 endpoints keep their family; floating sections name no node.
        #expect(ps.contains { $0.resource == "v6" && $0.target.family == .ipv6 && $0.target.ip == "2001:db8::2" })
        #expect(!ps.contains { $0.resource == "float9" })
    }

    @Test func connectionWithPortOnly() throws {
        let ps = try pairsOf("""
            resource r { device minor 0; disk /dev/a; meta-disk internal;
              on a { node-id 0; address 10.0.0.1:7000; } on b { node-id 1; address 10.0.0.2:7000; }
              connection { host a port 7010; host b port 7011; } }
            """)
        #expect(triples(ps) == ["r a>b 10.0.0.1:7010>10.0.0.2:7011", "r b>a 10.0.0.2:7011>10.0.0.1:7010"])
    }

    @Test func selectionAndNodes() throws {
        let loaded = ConfigLoader.load(text: """
            resource r0 { device minor 0; disk /dev/a; meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }
            resource r1 { device minor 1; disk /dev/b; meta-disk internal; on b { address 10.0.0.2:7789; } on c { address 10.0.0.3:7789; } }
            """, name: "/t/drbd.conf")
        let c = try #require(loaded.configuration)
        let ps = PairDerivation.pairs(c, resources: ["r1"])
        #expect(Set(ps.map(\.resource)) == ["r1"])
        #expect(PairDerivation.nodes(c, pairs: ps, resources: ["r1"]) == ["b", "c"])
    }
}

@Suite struct PreflightPureDiagnosis {
    @Test func errnoMapping() {
        #expect(Diagnosis.forConnectError(ECONNREFUSED, immediate: false) == .refused)
        #expect(Diagnosis.forConnectError(ETIMEDOUT, immediate: false) == .filtered)
        #expect(Diagnosis.forConnectError(EHOSTUNREACH, immediate: false) == .rejected)
        #expect(Diagnosis.forConnectError(ENETUNREACH, immediate: false) == .rejected)
        #expect(Diagnosis.forConnectError(EACCES, immediate: false) == .rejected)
        #expect(Diagnosis.forConnectError(ENETUNREACH, immediate: true) == .noRoute)
        #expect(Diagnosis.forConnectError(EHOSTUNREACH, immediate: true) == .noRoute)
        #expect(Diagnosis.forConnectError(EPERM, immediate: true) == .rejected)
        #expect(Diagnosis.forConnectError(EADDRNOTAVAIL, immediate: true) == .addressNotLocal)
        #expect(Diagnosis.explain(EHOSTUNREACH, immediate: false).contains("EHOSTUNREACH"))
    }

    @Test func resultNamesAreTheContract() {
        #expect(PairResult.allCases.map(\.rawValue) == ["ok", "filtered", "rejected", "refused", "no-route", "port-in-use",
                                                        "address-not-local", "node-unreachable", "mtu-blackhole"])
    }

    @Test func reservedPortsParse() {
        #expect(EphemeralPorts.parseReserved("7788,7790-7799\n") == [7788...7788, 7790...7799])
        #expect(EphemeralPorts.parseReserved("\n").isEmpty)
    }
}

@Suite struct PreflightPureTransport {
    @Test func execTemplateIsAnArgvWithTheNodeSubstituted() throws {
        let words = try Transport.parseTemplate("ip netns exec {node}", what: "--exec", needsNode: true)
        let t = Transport.exec(template: words, selfPath: "/usr/bin/xg-scale")
        #expect(try t.argv(for: "dom0") == ["ip", "netns", "exec", "dom0", "/usr/bin/xg-scale", "preflight-node"])
        #expect(try t.argv(for: "node-1.example") == ["ip", "netns", "exec", "node-1.example", "/usr/bin/xg-scale", "preflight-node"])
    }

    @Test func shellSyntaxInTheTemplateIsRefused() {
        for bad in ["ip netns exec '{node}'", "sh -c {node}; rm", "ip netns exec $NODE", "ip netns exec {node} | tee", ""] {
            #expect(throws: TransportError.self) { try Transport.parseTemplate(bad, what: "--exec", needsNode: true) }
        }
        #expect(throws: TransportError.self) { try Transport.parseTemplate("ip netns exec dom0", what: "--exec", needsNode: true) }
    }

    @Test func hostNamesWithShellMetacharactersAreRefused() throws {
        let t = Transport.exec(template: ["ip", "netns", "exec", "{node}"], selfPath: "/x")
        for bad in ["a;b", "a b", "$(id)", "-oProxyCommand=x", "a`b`", "a|b", "a&"] {
            #expect(throws: TransportError.self) { try t.argv(for: bad) }
        }
    }

    @Test func sshArgvUsesBatchModeAndTheInventory() throws {
        let access = ["n1": NodeAccess(sshTarget: "root@10.0.0.1", sshCommand: ["ssh", "-F", "/t/ssh_config"], remoteBinary: "/opt/xg/xg-scale")]
        let t = Transport.ssh(access: access, connectTimeoutSeconds: 10)
        #expect(try t.argv(for: "n1") == ["ssh", "-F", "/t/ssh_config", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-T",
                                          "root@10.0.0.1", "/opt/xg/xg-scale", "preflight-node"])
        #expect(try t.argv(for: "n2") == ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-T", "n2", "xg-scale", "preflight-node"])
        let evil = Transport.ssh(access: ["n1": NodeAccess(sshTarget: "-oProxyCommand=sh"), "n2": NodeAccess(remoteBinary: "xg;reboot")],
                                 connectTimeoutSeconds: 10)
        #expect(throws: TransportError.self) { try evil.argv(for: "n1") }
        #expect(throws: TransportError.self) { try evil.argv(for: "n2") }
    }
}

@Suite struct PreflightPureNft {
    let ruleset: String

    init() throws {
        ruleset = try String(contentsOfFile: packageRoot().path + "/Tests/Fixtures/nft/xgtest.json", encoding: .utf8)
    }

    func explain(_ port: Int, saddr: String = "10.77.0.1", daddr: String = "10.77.0.2", hook: String = "input") -> RuleRef? {
        NftExplain.explain(ruleset: ruleset, node: "b", packet: NftPacket(saddr: saddr, daddr: daddr, dport: port, ipv6: false, hook: hook))
    }

    @Test func theFirstMatchingDropOrRejectIsNamed() throws {
        let drop = try #require(explain(7001))
        #expect(drop.table == "xgtest" && drop.chain == "input" && drop.handle == 5 && drop.comment == "drbd-drop" && drop.verdict == "drop")
        #expect(drop.text == "b: inet xgtest input handle 5 drop # drbd-drop")
        // An accept for another source comes first but does not match this source.
        #expect(explain(7001, saddr: "10.9.9.9") == nil)
        let set = try #require(explain(7150))
        #expect(set.handle == 7 && set.verdict == "reject with icmp admin-prohibited")
        #expect(explain(7002)?.handle == 7)
        let rst = try #require(explain(7003))
        #expect(rst.handle == 8 && rst.verdict == "reject with tcp reset" && rst.comment == nil)
        #expect(explain(7003, daddr: "10.78.0.2") == nil)
    }

    @Test func jumpsAndPolicies() throws {
        #expect(explain(7004, saddr: "10.77.0.5")?.handle == 10)
        #expect(explain(7004, saddr: "10.77.0.5")?.chain == "sub")
        #expect(explain(7004, saddr: "10.77.0.1") == nil)
        #expect(explain(7500) == nil)
        let out = try #require(explain(7500, hook: "output"))
        #expect(out.table == "other" && out.chain == "out" && out.verdict == "policy drop")
        #expect(NftExplain.explain(ruleset: ruleset, node: "b", packet: NftPacket(saddr: "fd00::1", daddr: "fd00::2", dport: 7500, ipv6: true, hook: "output")) == nil)
        #expect(NftExplain.explain(ruleset: "not json", node: "b", packet: NftPacket(saddr: "a", daddr: "b", dport: 1, ipv6: false, hook: "input")) == nil)
    }
}

@Suite struct PreflightPureJSON {
    @Test func reportKeysAreTheContract() throws {
        let rule = RuleRef(node: "b", family: "inet", table: "t", chain: "input", handle: 4, comment: "c", verdict: "drop")
        let report = ClusterReport(
            pairs: [PairReport(resource: "r0", from: "a", to: "b", address: "10.0.0.2", port: 7788, result: .filtered,
                               detail: "d", rule: rule, source: "10.0.0.1", mtu: nil),
                    PairReport(resource: "r0", from: "b", to: "a", address: "10.0.0.1", port: 7788, result: .ok,
                               detail: "d", rule: nil, source: "10.0.0.2", mtu: nil)],
            nodes: [NodeReport(node: "a", reachable: true, findings: [], error: nil)])
        let data = try JSONEncoder().encode(report)
        let obj = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(obj.keys) == ["pairs", "nodes"])
        let pairs = try #require(obj["pairs"] as? [[String: Any]])
        for k in ["resource", "from", "to", "address", "port", "result", "detail", "rule"] { #expect(pairs[0].keys.contains(k), "\(k)") }
        #expect(pairs[0]["result"] as? String == "filtered" && pairs[0]["port"] as? Int == 7788)
        #expect(pairs[1]["rule"] is NSNull)
        let r = try #require(pairs[0]["rule"] as? [String: Any])
        #expect(r["table"] as? String == "t" && r["chain"] as? String == "input" && r["handle"] as? Int == 4 && r["comment"] as? String == "c")
        let nodes = try #require(obj["nodes"] as? [[String: Any]])
        #expect(nodes[0]["node"] as? String == "a" && nodes[0]["reachable"] as? Bool == true && (nodes[0]["findings"] as? [Any])?.isEmpty == true)
        #expect(!report.allOK)
    }
}

@Suite struct PreflightPureCLI {
    func conf(_ text: String) throws -> String {
        let d = "/tmp/xgpfu-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        try text.write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        return d + "/drbd.conf"
    }

    @Test func badInputExitsOneWithTheFix() throws {
        let ok = try conf("resource r0 { device minor 0; disk /dev/a; meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: ok).deletingLastPathComponent().path) }
        let cases: [([String], String)] = [
            (["--config", "/nonexistent/drbd.conf"], "/nonexistent/drbd.conf: error: cannot read"),
            (["--config", ok, "--exec", "sh -c 'ip netns exec {node}'"], "--exec"),
            (["--config", ok, "--exec", "ip netns exec"], "{node}"),
            (["--config", ok, "--resource", "nope"], "no resource 'nope'"),
            (["--config", ok, "--timeout", "0"], "--timeout"),
        ]
        for (args, text) in cases {
            let r = try run([xgScaleBinary(), "preflight"] + args)
            #expect(r.status == 1, "\(args): \(r.stdout)")
            #expect(r.stderr.contains(text) && r.stderr.contains("fix:"), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test func metacharacterHostIsRefusedWithItsLine() throws {
        let path = try conf("resource r0 {\n device minor 0; disk /dev/a; meta-disk internal;\n on a { address 10.0.0.1:7788; }\n on \"b;reboot\" { address 10.0.0.2:7788; }\n}\n")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let r = try run([xgScaleBinary(), "preflight", "--config", path, "--exec", "ip netns exec {node}"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("\(path):4: error: host name 'b;reboot'") && r.stderr.contains("fix:"), "\(r.stderr)")
    }

    @Test func parseErrorNamesFileAndLine() throws {
        let path = try conf("resource r0 {\n on a { address 10.0.0.1:7788 }\n")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let r = try run([xgScaleBinary(), "preflight", "--config", path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("\(path):") && r.stderr.contains("error:") && r.stderr.contains("fix:"), "\(r.stderr)")
    }
}

@Suite struct PreflightPureVerdict {
    let pair = ProbePair(resource: "r0", from: "a", to: "b",
                         source: Endpoint(family: .ipv4, ip: "10.77.0.1", port: 7001),
                         target: Endpoint(family: .ipv4, ip: "10.77.0.2", port: 7001))
    var target: SocketSpec { SocketSpec(pair.target) }

    func kernel(_ ip: String, _ state: String, inode: UInt64 = 0) -> LocalSocket {
        LocalSocket(ip: ip, port: 7001, ipv6: false, listening: state == "LISTEN", state: state, inode: inode, uid: 0)
    }

    func facts(_ listener: ListenStatus, ruleset: String? = nil) -> [String: NodeFacts] {
        ["a": NodeFacts(node: "a", hostname: "a", findings: [], listeners: [], ruleset: nil),
         "b": NodeFacts(node: "b", hostname: "b", findings: [], listeners: [listener], ruleset: ruleset)]
    }

    @Test func drbdsOwnSocketsAreRecognised() throws {
        let listen = try #require(EchoServer.heldByDRBD(target, sockets: [kernel("10.77.0.2", "ESTABLISHED"), kernel("10.77.0.2", "LISTEN")]))
        #expect(listen.state == .drbd && listen.drbdState == "LISTEN" && listen.detail.contains("LISTEN"))
        #expect(EchoServer.heldByDRBD(target, sockets: [kernel("10.77.0.2", "ESTABLISHED")])?.drbdState == "ESTABLISHED")
        #expect(EchoServer.heldByDRBD(target, sockets: [kernel("0.0.0.0", "LISTEN")])?.state == .drbd)
        #expect(EchoServer.heldByDRBD(target, sockets: [kernel("10.77.0.2", "LISTEN", inode: 4242)]) == nil) // a process's
        #expect(EchoServer.heldByDRBD(target, sockets: [kernel("10.77.0.2", "TIME_WAIT")]) == nil)
        #expect(EchoServer.heldByDRBD(target, sockets: [kernel("10.77.0.9", "LISTEN")]) == nil)
    }

    @Test func connectedDRBDIsOkWithoutAProbe() {
        let held = ListenStatus(socket: target, state: .drbd, detail: "DRBD holds 10.77.0.2:7001 (ESTABLISHED)", drbdState: "ESTABLISHED")
        let r = Verdict.pair(pair, outcome: nil, facts: facts(held), errors: [:])
        #expect(r.result == .ok && r.detail.contains("ESTABLISHED") && r.detail.contains("not probed"))
        let listening = ListenStatus(socket: target, state: .drbd, detail: "DRBD holds 10.77.0.2:7001 (LISTEN)", drbdState: "LISTEN")
        let m = Verdict.pair(pair, outcome: ConnectOutcome(id: 0, result: .ok, detail: "connected to DRBD's own listener", mtu: nil),
                             facts: facts(listening), errors: [:])
        #expect(m.result == .ok && m.detail.hasSuffix("(DRBD holds 10.77.0.2:7001 (LISTEN))"))
    }

    @Test func listenerFailuresAndUnreachableNodes() throws {
        let inUse = ListenStatus(socket: target, state: .portInUse, detail: "port 7001 of 10.77.0.2 is held by nc[7]")
        #expect(Verdict.pair(pair, outcome: nil, facts: facts(inUse), errors: [:]).result == .portInUse)
        let notLocal = ListenStatus(socket: target, state: .addressNotLocal, detail: "x")
        #expect(Verdict.pair(pair, outcome: nil, facts: facts(notLocal), errors: [:]).result == .addressNotLocal)
        var f = facts(inUse); f["a"] = nil
        let u = Verdict.pair(pair, outcome: nil, facts: f, errors: ["a": "ssh: connect to host a port 22: Connection refused"])
        #expect(u.result == .nodeUnreachable && u.detail.contains("Connection refused"))
    }

    @Test func aFailureIsExplainedByTheTargetsRule() throws {
        let ruleset = try String(contentsOfFile: packageRoot().path + "/Tests/Fixtures/nft/xgtest.json", encoding: .utf8)
        let listening = ListenStatus(socket: target, state: .listening, detail: "listening")
        let r = Verdict.pair(pair, outcome: ConnectOutcome(id: 0, result: .filtered, detail: "no answer", mtu: nil),
                             facts: facts(listening, ruleset: ruleset), errors: [:])
        #expect(r.result == .filtered && r.rule?.handle == 5 && r.rule?.node == "b")
        let ok = Verdict.pair(pair, outcome: ConnectOutcome(id: 0, result: .ok, detail: "connected", mtu: nil),
                              facts: facts(listening, ruleset: ruleset), errors: [:])
        #expect(ok.rule == nil) // the measurement decides: an ok pair names no rule
    }
}
