import DRBD
import Testing

@Suite struct ParserTests {
    @Test func resourceLevelFieldsApplyToEveryHost() throws {
        let c = try config("""
            resource r0 {
              device /dev/drbd3; disk /dev/vg/r0; meta-disk internal;
              on a { address 10.0.0.1:7788; }
              on b { address 10.0.0.2:7788; disk /dev/vg2/r0; }
            }
            """)
        #expect(c.resources.count == 1)
        let r = c.resources[0]
        #expect(r.hosts.map(\.names) == [["a"], ["b"]])
        #expect(r.hosts[0].volumes == [Volume(number: 0, device: "/dev/drbd3", minor: 3, disk: "/dev/vg/r0", metaDisk: .internal)])
        #expect(r.hosts[1].volumes[0].disk == "/dev/vg2/r0")
        #expect(r.hosts[1].volumes[0].minor == 3)
        #expect(r.hosts[1].address == Endpoint(family: .ipv4, ip: "10.0.0.2", port: 7788))
        #expect(r.hosts[1].address?.location?.line == 4)
    }

    @Test func volumesMergeFieldByField() throws {
        let c = try config("""
            resource r { volume 0 { device minor 5; disk /dev/a; meta-disk /dev/m [2]; }
              volume 1 { device /dev/drbd6 minor 6; disk /dev/b; meta-disk /dev/m[3]; }
              on a { node-id 0; address 1.1.1.1:7000; volume 1 { disk /dev/c; } }
              on b { node-id 1; address 1.1.1.2:7000; } }
            """)
        #expect(c.dialect == .v9)
        let a = c.resources[0].hosts[0]
        #expect(a.nodeID == 0)
        #expect(a.volumes.map(\.number) == [0, 1])
        #expect(a.volumes[0].devicePath == "/dev/drbd5")
        #expect(a.volumes[0].metaDisk == .indexed("/dev/m", 2))
        #expect(a.volumes[1].disk == "/dev/c")
        #expect(a.volumes[1].metaDisk == .indexed("/dev/m", 3))
        #expect(c.resources[0].hosts[1].volumes[1].disk == "/dev/b")
    }

    @Test func dialectsAreRecognised() throws {
        #expect(try config("common { syncer { rate 10M; } } resource r { on a { device /dev/drbd0; disk /dev/x; address 1.1.1.1:1; meta-disk internal; } }").dialect == .v83)
        #expect(try config("resource r { device /dev/drbd0 minor 0; disk /dev/x; meta-disk internal; on a { address 1.1.1.1:1; } }").dialect == .v84)
        #expect(try config("resource r { device /dev/drbd0 minor 0; disk /dev/x; meta-disk internal; on a { node-id 1; address 1.1.1.1:1; } }").dialect == .v9)
        #expect(try config("resource r { device /dev/drbd0; disk /dev/x; meta-disk internal; connection-mesh { hosts a b; } on a { address 1.1.1.1:1; } }").dialect == .v9)
    }

    @Test func addressFamiliesAndIPv6() throws {
        let c = try config("""
            resource r { device /dev/drbd0; disk /dev/x; meta-disk internal;
              on a { address ipv6 [FD00:0::1]:7788; } on b { address sdp 10.0.0.2:7788; }
              on c { address ssocks 10.0.0.3:7788; } on d { address ipv4 10.0.0.4:7788; } }
            """)
        let addrs = c.resources[0].hosts.map { $0.address! }
        #expect(addrs.map(\.family) == [.ipv6, .sdp, .ssocks, .ipv4])
        #expect(addrs[0].ip == "fd00::1")
        #expect(addrs[0].description == "ipv6 [fd00::1]:7788")
    }

    @Test func floatingStackedMultiHostSkipAndConnections() throws {
        let c = try config("""
            skip { resource gone { on a { } } }
            resource low { device /dev/drbd0; disk /dev/x; meta-disk internal;
              on a b { address 10.0.0.1:7788; } on c { address 10.0.0.3:7788; } }
            resource up { stacked-on-top-of low { device /dev/drbd10; address 10.0.1.1:7788; }
              on far { device /dev/drbd10; disk /dev/f; address 10.0.1.2:7788; meta-disk internal; } }
            resource fl { device /dev/drbd2; disk /dev/y; meta-disk internal;
              floating 10.2.0.1:7790; floating ipv6 [fd00::2]:7790 { node-id 1; } }
            resource cn { device minor 3; disk /dev/z; meta-disk internal;
              on a { node-id 0; } on c { node-id 1; }
              connection { path { host a address 10.3.0.1:7791; host c address 10.3.0.3:7791; } }
              connection { host a port 7792; host c address 10.4.0.3:7792; } }
            """)
        #expect(c.skipped == 1)
        #expect(c.resources.map(\.name) == ["low", "up", "fl", "cn"])
        #expect(c.resources[0].hosts[0].names == ["a", "b"])
        let up = c.resources[1]
        #expect(up.stackedOn == "low")
        #expect(up.hosts[0].names == ["a", "b", "c"])
        #expect(up.hosts[0].volumes[0].minor == 10)
        #expect(c.resources[2].hosts.map(\.kind) == [.floating, .floating])
        #expect(c.resources[2].hosts[1].nodeID == 1)
        #expect(c.resources[2].hosts[0].volumes[0].minor == 2)
        let cn = c.resources[3]
        #expect(cn.connections.count == 2)
        #expect(cn.connections[0].paths[0].map(\.address!.ip) == ["10.3.0.1", "10.3.0.3"])
        #expect(cn.connections[1].paths[0][0].port == 7792)
        // `host a port N` has no address of its own and a has no section address: no endpoint.
        #expect(cn.endpoints.map(\.endpoint.hostPort).sorted() == ["10.3.0.1:7791", "10.3.0.3:7791", "10.4.0.3:7792"])
    }

    /// Options stay text in the model; keywords drbdadm does not know are also reported (issue 9).
    @Test func optionsAreKeptAsOpaqueText() throws {
        let loaded = load("""
            common { net { protocol C; some-future-option "x y"; } }
            resource r { frobnicate 7 { deep { deeper yes; } }
              device /dev/drbd0; disk { on-io-error detach; } disk /dev/x; meta-disk internal;
              on a { address 1.1.1.1:1; } on b { address 1.1.1.2:1; } }
            """)
        #expect(loaded.errors.map { "\($0.location.line):\($0.location.column) \($0.message)" }
                == ["1:28 unknown option 'some-future-option' in the net section (any DRBD version)",
                    "2:14 unknown section 'frobnicate'"])
        let c = try #require(loaded.configuration)
        #expect(c.common == [#"net { protocol C; some-future-option "x y"; }"#])
        #expect(c.resources[0].options == ["frobnicate 7 { deep { deeper yes; } }", "disk { on-io-error detach; }"])
        #expect(c.resources[0].hosts[0].volumes[0].disk == "/dev/x")
    }

    @Test(arguments: [
        ("resource r { on a { address 1.1.1.1:7788 } }", 1, 42, "expected ';'"),
        ("resource r {\n  on a {\n", 3, 1, "end of file inside the block opened at line 2"),
        ("global { }\n}\n", 2, 1, "'}' without a matching '{'"),
        ("resource r {\n  device \"/dev/drbd0;\n}", 2, 10, "unterminated quoted string"),
        ("resource r { ; }", 1, 14, "unexpected ';'"),
    ])
    func syntaxErrorsNameFileLineColumn(text: String, line: Int, column: Int, message: String) {
        let r = load(text)
        #expect(r.configuration == nil)
        #expect(r.errors.count == 1)
        let e = r.errors[0]
        #expect(e.location == Location(file: "/etc/drbd.conf", line: line, column: column))
        #expect(e.message.contains(message), "\(e.message)")
        #expect(!e.fix.isEmpty)
        #expect(e.description.hasPrefix("/etc/drbd.conf:\(line):\(column): error: "))
    }

    @Test func meaningErrorsAreAllReported() {
        let r = load("""
            resource r {
              device /dev/sdq; disk /dev/x; meta-disk /dev/m [x];
              on a { address 10.0.0.300:7788; }
              on b { address [fd00::1]:7788; }
              on c { address 10.0.0.3:99999; }
            }
            bogus { }
            """)
        #expect(r.configuration != nil)
        let lines = r.errors.map(\.location.line).sorted()
        #expect(lines == [2, 2, 3, 4, 5, 7], "\(r.errors)")
        #expect(r.errors.contains { $0.message.contains("minor number of device '/dev/sdq'") })
        #expect(r.errors.contains { $0.message.contains("needs the ipv6 family") && $0.fix.contains("address ipv6 [fd00::1]:7788") })
    }

    @Test func includesAreRelativeToTheIncludingFile() throws {
        let files = [
            "/etc/drbd.conf": "include \"drbd.d/*.res\";\ninclude \"none/*.res\";\n",
            "/etc/drbd.d/b.res": "resource b { device /dev/drbd2; disk /dev/b; meta-disk internal; on x { address 1.1.1.1:2; } }",
            "/etc/drbd.d/a.res": "include \"inc/*.conf\"; resource a { device /dev/drbd1; disk /dev/a; meta-disk internal; on x { address 1.1.1.1:1; } }",
            "/etc/drbd.d/inc/z.conf": "resource z { device /dev/drbd3; disk /dev/z; meta-disk internal; on x { address 1.1.1.1:3; } }",
            "/etc/drbd.d/a.res.bak": "this is not drbd syntax {",
            "/etc/drbd.d/.hidden.res": "neither is this {",
        ]
        let r = load(files)
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.configuration?.resources.map(\.name) == ["z", "a", "b"])
        #expect(r.configuration?.files == ["/etc/drbd.conf", "/etc/drbd.d/a.res", "/etc/drbd.d/inc/z.conf", "/etc/drbd.d/b.res"])
        #expect(r.configuration?.resources[0].location == Location(file: "/etc/drbd.d/inc/z.conf", line: 1, column: 1))
    }

    @Test func aMissingLiteralIncludeIsAnError() {
        let r = load(["/etc/drbd.conf": "global { }\n  include \"drbd.d/global_common.conf\";\n"])
        #expect(r.configuration == nil)
        #expect(r.errors.first?.location == Location(file: "/etc/drbd.conf", line: 2, column: 11))
        #expect(r.errors.first?.message.contains("/etc/drbd.d/global_common.conf") == true)
    }

    @Test func anIncludeLoopIsAnError() {
        let r = load(["/etc/drbd.conf": "include \"drbd.conf\";"])
        #expect(r.errors.first?.message.contains("include loop") == true)
    }

    @Test func globMatchesLikeGlob3() {
        #expect(Glob.matches(pattern: "/a/*.res", path: "/a/x.res"))
        #expect(!Glob.matches(pattern: "/a/*.res", path: "/a/b/x.res"))
        #expect(!Glob.matches(pattern: "/a/*.res", path: "/a/.x.res"))
        #expect(Glob.matches(pattern: "/a/r[0-9]?.res", path: "/a/r1x.res"))
        #expect(!Glob.matches(pattern: "/a/r[!0-9].res", path: "/a/r1.res"))
    }
}
