import DRBD
import Testing

/// Two resources on hosts a/b; `second` is spliced into the second one to make (or not make) a conflict.
func pair(first: String = "device /dev/drbd1; disk /dev/vg/r1; meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; }",
          _ second: String) -> String {
    "resource r1 {\n\(first)\n}\nresource r2 {\n\(second)\n}\n"
}

func findings(_ text: String, host: String? = nil, minorCount: Int? = nil, local: LocalFacts? = nil) -> [Finding] {
    Checker.check(load(text), options: CheckOptions(host: host, minorCount: minorCount, local: local))
}

func checks(_ f: [Finding]) -> [String] { f.map(\.check.rawValue) }

@Suite struct CheckTests {
    let clean = "device /dev/drbd2; disk /dev/vg/r2; meta-disk internal; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; }"

    @Test func aCleanConfigurationHasNoFinding() {
        #expect(findings(pair(clean), host: "a").isEmpty)
    }

    @Test func portConflictSameAddressAndPort() {
        let f = findings(pair("device /dev/drbd2; disk /dev/vg/r2; meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7789; }"))
        #expect(checks(f) == ["port-conflict"])
        #expect(f[0].resource == "r2" && f[0].host == "a" && f[0].line == 5 && f[0].severity == .error)
        #expect(f[0].message.contains("10.0.0.1:7788") && f[0].message.contains("resource r1"))
    }

    @Test func portConflictWithWildcard() {
        let f = findings(pair("device /dev/drbd2; disk /dev/vg/r2; meta-disk internal; on a { address 0.0.0.0:7788; } on b { address 10.0.0.2:7789; }"))
        #expect(checks(f) == ["port-conflict"])
        #expect(f[0].message.contains("wildcard"))
        // The same port on another address of the host is fine.
        #expect(findings(pair("device /dev/drbd2; disk /dev/vg/r2; meta-disk internal; on a { address 10.0.1.1:7788; } on b { address 10.0.1.2:7788; }")).isEmpty)
    }

    @Test func portConflictInConnectionsAndMeshIsPerResource() throws {
        // One resource may reuse its own address for several connections; another may not.
        let text = """
            resource m { device minor 1; disk /dev/m; meta-disk internal;
              on a { node-id 0; address 10.0.0.1:7000; } on b { node-id 1; address 10.0.0.2:7000; }
              on c { node-id 2; address 10.0.0.3:7000; } connection-mesh { hosts a b c; }
              connection { host a address 10.0.0.1:7000; host b address 10.0.0.2:7000; } }
            resource n { device minor 2; disk /dev/n; meta-disk internal;
              on a { node-id 0; } on b { node-id 1; }
              connection { path { host a address 10.0.0.1:7000; host b address 10.0.0.2:7001; } } }
            """
        let f = findings(text)
        #expect(checks(f) == ["port-conflict"])
        #expect(f[0].resource == "n" && f[0].line == 7)
    }

    @Test func minorConflict() {
        let f = findings(pair("device /dev/drbd1; disk /dev/vg/r2; meta-disk internal; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; }"))
        #expect(checks(f) == ["minor-conflict", "minor-conflict"])
        #expect(Set(f.map(\.host)) == ["a", "b"])
        #expect(f[0].message.contains("minor 1") && f[0].message.contains("r1"))
    }

    @Test func metaIndexConflict() {
        let first = "device /dev/drbd1; disk /dev/vg/r1; meta-disk /dev/md [0]; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; }"
        let f = findings(pair(first: first, "device /dev/drbd2; disk /dev/vg/r2; on a { meta-disk /dev/md[0]; address 10.0.0.1:7789; } on b { meta-disk /dev/md [1]; address 10.0.0.2:7789; }"))
        #expect(checks(f) == ["meta-index-conflict"])
        #expect(f[0].host == "a" && f[0].message.contains("index 0"))
        #expect(findings(pair(first: first, "device /dev/drbd2; disk /dev/vg/r2; meta-disk /dev/md [1]; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; }")).isEmpty)
        // A device used whole (flexible) cannot also hold indexed slots.
        let g = findings(pair(first: first, "device /dev/drbd2; disk /dev/vg/r2; meta-disk /dev/md; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; }"))
        #expect(checks(g) == ["meta-index-conflict", "meta-index-conflict"])
    }

    @Test func diskConflict() {
        let f = findings(pair("device /dev/drbd2; disk /dev/vg/r1; meta-disk internal; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; disk /dev/vg/other; }"))
        #expect(checks(f) == ["disk-conflict"])
        #expect(f[0].host == "a" && f[0].message.contains("/dev/vg/r1"))
    }

    @Test func duplicateResource() {
        let text = pair(clean) + "resource r1 { device /dev/drbd3; disk /dev/vg/r3; meta-disk internal; on a { address 10.0.0.1:7790; } on b { address 10.0.0.2:7790; } }\n"
        let f = findings(text)
        #expect(checks(f) == ["duplicate-resource"])
        #expect(f[0].line == 7 && f[0].message.contains("/etc/drbd.conf:1"))
    }

    @Test func unknownHost() {
        let f = findings(pair(clean), host: "zz")
        #expect(checks(f) == ["unknown-host"])
        #expect(f[0].host == "zz" && f[0].message.contains("a, b"))
        #expect(findings(pair(clean), host: "b").isEmpty)
    }

    @Test func minorCount() {
        // 8.3 caps minors at 255.
        let v83 = "common { syncer { rate 10M; } }\nresource r { on a { device /dev/drbd256; disk /dev/x; address 10.0.0.1:7788; meta-disk internal; } on b { device /dev/drbd256; disk /dev/x; address 10.0.0.2:7788; meta-disk internal; } }"
        #expect(checks(findings(v83)) == ["minor-count", "minor-count"])
        #expect(findings(v83.replacingOccurrences(of: "drbd256", with: "drbd255")).isEmpty)
        // 8.4 goes to 2^20-1.
        let v84 = pair("device /dev/drbd1048575 minor 1048575; disk /dev/vg/r2; meta-disk internal; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; }")
        #expect(findings(v84).isEmpty)
        // More devices than the module's minor_count: a warning since 8.4, an error for 8.3.
        let f = findings(pair(clean), minorCount: 1)
        #expect(checks(f) == ["minor-count", "minor-count"] && f.allSatisfy { $0.severity == .warning })
        #expect(findings(pair(clean), minorCount: 2).isEmpty)
        let g = findings(v83.replacingOccurrences(of: "drbd256", with: "drbd4"), minorCount: 4)
        #expect(checks(g) == ["minor-count", "minor-count"] && g.allSatisfy { $0.severity == .error })
    }

    func facts(addresses: Set<String> = ["127.0.0.1", "10.0.0.1"], sockets: [LocalSocket] = [],
               sizes: [String: UInt64] = [:]) -> LocalFacts {
        LocalFacts(addresses: addresses, sockets: sockets, sizeOf: { sizes[$0] })
    }

    @Test func metaDiskTooSmall() {
        let text = pair(first: "device /dev/drbd1; disk /dev/vg/r1; meta-disk /dev/md [0]; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; }",
                        "device /dev/drbd2; disk /dev/vg/r2; meta-disk /dev/md [2]; on a { address 10.0.0.1:7789; } on b { address 10.0.0.2:7789; }")
        let f = findings(text, host: "a", local: facts(sizes: ["/dev/md": 3 * 128 << 20 - 1]))
        #expect(checks(f) == ["meta-disk-too-small"])
        #expect(f[0].resource == "r2" && f[0].message.contains("index 2"))
        #expect(findings(text, host: "a", local: facts(sizes: ["/dev/md": 3 * 128 << 20])).isEmpty)
        #expect(findings(text, host: "a", local: facts()).isEmpty) // size unknown: no finding
    }

    @Test func addressNotLocal() {
        let f = findings(pair(clean), host: "b", local: facts())
        #expect(checks(f) == ["address-not-local", "address-not-local"])
        #expect(f[0].host == "b" && f[0].message.contains("10.0.0.2"))
        #expect(findings(pair(clean), host: "a", local: facts()).isEmpty)
    }

    @Test func portInUse() {
        func sock(_ ip: String, _ port: Int, inode: UInt64 = 4711, state: String = "LISTEN", v6: Bool = false) -> LocalSocket {
            LocalSocket(ip: ip, port: port, ipv6: v6, listening: state == "LISTEN", state: state, inode: inode, uid: 0)
        }
        let text = pair(clean)
        #expect(checks(findings(text, host: "a", local: facts(sockets: [sock("10.0.0.1", 7789)]))) == ["port-in-use"])
        #expect(checks(findings(text, host: "a", local: facts(sockets: [sock("0.0.0.0", 7788)]))) == ["port-in-use"])
        #expect(checks(findings(text, host: "a", local: facts(sockets: [sock("::", 7788, v6: true)]))) == ["port-in-use"])
        // DRBD's own kernel sockets (no inode), other addresses and ports, TIME_WAIT: no finding.
        #expect(findings(text, host: "a", local: facts(sockets: [sock("10.0.0.1", 7788, inode: 0), sock("127.0.0.1", 7788),
                                                                 sock("10.0.0.1", 7790), sock("10.0.0.1", 7789, state: "TIME_WAIT")])).isEmpty)
    }

    @Test func parseErrorsAreFindings() {
        let f = findings("resource r {\n  on a { address 10.0.0.1:77x88; }\n}\n")
        #expect(checks(f) == ["parse-error"])
        #expect(f[0].line == 2 && f[0].message.hasPrefix("column 18:"))
        #expect(f[0].line1.hasPrefix("/etc/drbd.conf:2: error: parse-error: column 18: "))
    }

    @Test func everyFindingIsReportedAtOnce() {
        let text = pair("device /dev/drbd1; disk /dev/vg/r1; meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7789; }")
        let f = findings(text, host: "b", local: facts())
        #expect(Set(checks(f)) == ["port-conflict", "minor-conflict", "disk-conflict", "address-not-local"])
    }
}
