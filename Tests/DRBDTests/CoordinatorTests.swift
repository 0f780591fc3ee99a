// The coordinator-side check (no --host, --no-local) and what drbdadm 9 accepts that a node-side
// check used to refuse: floating-only resources and IPv6 link-local addresses with a zone.
import DRBD
import Foundation
import Testing
import TestSupport

let floatingOnly = """
    resource r1 {
      device /dev/drbd1; disk /dev/vg/r1; meta-disk internal;
      floating 10.0.0.1:7790 { node-id 0; }
      floating 10.0.0.2:7790 { node-id 1; }
    }

    """

let zoned = """
    resource r0 {
      device /dev/drbd0; disk /dev/vg/r0; meta-disk internal;
      on a { address ipv6 [fe80::1%eth0]:7789; node-id 0; }
      on b { address ipv6 [fe80::2%eth0]:7789; node-id 1; }
    }

    """

@Suite struct CoordinatorTests {
    @Test func floatingOnlyIsValidWithoutLocalFacts() {
        #expect(findings(floatingOnly).isEmpty)
        #expect(findings(floatingOnly, host: "dom0").isEmpty, "floating sections are matched by address, not name")
    }

    @Test func floatingOnlyOnAMachineWithoutTheAddressNamesTheAddresses() {
        let local = LocalFacts(addresses: ["192.168.9.9"], sockets: [], sizeOf: { _ in nil })
        let f = findings(floatingOnly, host: "dom0", local: local)
        #expect(checks(f).contains("unknown-host"))
        let u = f.first { $0.check == .unknownHost }
        #expect(u?.message.contains("10.0.0.1, 10.0.0.2") == true, "\(u?.message ?? "")")
        #expect(u?.message.contains("none)") == false, "no 'hosts: none': \(u?.message ?? "")")
        let here = LocalFacts(addresses: ["10.0.0.2"], sockets: [], sizeOf: { _ in nil })
        #expect(!checks(findings(floatingOnly, host: "dom0", local: here)).contains("unknown-host"))
    }

    @Test func zonedLinkLocalAddressKeepsItsZone() throws {
        let c = try config(zoned)
        #expect(c.resources[0].hosts.map { $0.address?.ip } == ["fe80::1%eth0", "fe80::2%eth0"])
        #expect(c.resources[0].hosts[0].address?.unzoned == "fe80::1")
        #expect(findings(zoned).isEmpty)
    }

    @Test(arguments: ["[fe80::1%]", "[fe80::1%e%0]", "[fe80::zz%eth0]"])
    func badZonedAddressIsOneErrorWithLine(_ a: String) {
        let r = load("resource r0 {\n device /dev/drbd0; disk /dev/vg/r0; meta-disk internal;\n on a { address ipv6 \(a):7789; }\n on b { address ipv6 [fe80::2%eth0]:7789; }\n}\n")
        #expect(r.errors.count == 1, "\(r.errors)")
        #expect(r.errors.first?.location.line == 3)
    }

    @Test func sameLinkLocalAddressOnOtherZonesDoesNotClash() {
        func two(_ z1: String, _ z2: String) -> String {
            """
            resource r1 { device /dev/drbd1; disk /dev/vg/r1; meta-disk internal;
              on a { address ipv6 [fe80::1%\(z1)]:7788; } on b { address 10.0.1.2:7788; } }
            resource r2 { device /dev/drbd2; disk /dev/vg/r2; meta-disk internal;
              on a { address ipv6 [fe80::1%\(z2)]:7788; } on b { address 10.0.2.2:7788; } }

            """
        }
        #expect(checks(findings(two("eth0", "eth0"))) == ["port-conflict"])
        #expect(findings(two("eth0", "eth1")).isEmpty)
    }

    /// The coordinator case from the CLI: no --host, --no-local, on a machine that is none of the
    /// hosts: exit 0 on a valid file; a conflict on any host is still found.
    @Test func coordinatorCheckFromTheCLI() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        for (name, text) in [("float.conf", floatingOnly), ("zoned.conf", zoned)] {
            try text.write(toFile: d + "/" + name, atomically: true, encoding: .utf8)
            let r = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/" + name, "--no-local"])
            #expect(r.status == 0, "\(name): \(r.stdout)\(r.stderr)")
            #expect(r.stdout.isEmpty, "\(name): \(r.stdout)")
        }
        let pair = fixturesRoot() + "/xen-pair/drbd.conf"
        let ok = try run([xgScaleBinary(), "drbd", "check", "--config", pair, "--no-local"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let named = try run([xgScaleBinary(), "drbd", "check", "--config", pair, "--no-local", "--host", "nosuchhost"])
        #expect(named.status == 2 && named.stdout.contains("unknown-host"), "with --host it behaves as before")
        let onAB = { (r: String, port: Int) in "resource \(r) {\n device /dev/drbd2; disk /dev/vg/\(r); meta-disk internal;\n on a { address 10.0.0.7:\(port); }\n on b { address 10.0.0.8:\(port); }\n}\n" }
        try (floatingOnly + onAB("r2", 7791) + onAB("r3", 7792))
            .write(toFile: d + "/clash.conf", atomically: true, encoding: .utf8)
        let clash = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/clash.conf", "--no-local"])
        #expect(clash.status == 2)
        #expect(clash.stdout.contains("minor-conflict") && !clash.stdout.contains("unknown-host"), "\(clash.stdout)")
    }

    /// drbdadm 9 reads the zoned file and prints the same address, zone included.
    @Test func drbdadmAgreesOnTheZonedAddress() throws {
        guard try prerequisites(root: false, programs: ["drbdadm"]) else { return }
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try zoned.write(toFile: d + "/z.conf", atomically: true, encoding: .utf8)
        let r = try run(["drbdadm", "-c", d + "/z.conf", "dump"], environment: ["DRBD_DONT_WARN_ON_VERSION_MISMATCH": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let dumped = try config(r.stdout)
        #expect(dumped.resources[0].hosts.map { $0.address?.ip } == ["fe80::1%eth0", "fe80::2%eth0"])
    }
}
