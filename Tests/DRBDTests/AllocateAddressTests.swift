// allocate on hosts with several addresses: the one on the network of the other hosts' chosen
// addresses, said in a '#' line of the section and in "address-reason" of the JSON.
import DRBD
import Foundation
import Testing
import TestSupport

@Suite struct AllocateAddressTests {
    static let mixed = fixturesRoot() + "/v9/mixed-subnets.conf"

    func mixedConfig() throws -> Configuration {
        let r = ConfigLoader.load(Self.mixed, from: DiskFileSourceForTests())
        #expect(r.errors.isEmpty, "\(r.errors)")
        return try #require(r.configuration)
    }

    @Test func aThreeNodeMeshGetsOneNetwork() throws {
        let a = try Allocator.allocate(AllocationRequest(name: "new", hosts: ["n1", "n2", "n3"]), in: mixedConfig())
        // Only 10.20.0.0/24 is shared by all three (n3 has no 192.168.1.x address).
        #expect(a.hosts.map(\.address) == ["10.20.0.1", "10.20.0.2", "10.20.0.3"])
        for h in a.hosts { #expect(h.addressReason.contains("on 10.20.0.0/24"), "\(h.addressReason)") }
        #expect(a.text.hasPrefix("# address of n1: 10.20.0.1, on 10.20.0.0/24"), "\(a.text)")
        #expect(a.hosts[0].addressReason.contains("not 192.168.1.1"))
    }

    @Test func aGivenAddressPullsTheOthersOntoItsNetwork() throws {
        var req = AllocationRequest(name: "new", hosts: ["n1", "n2"])
        req.addresses = ["n1": "192.168.1.1"]
        req.inputs = cliSpelling
        let a = try Allocator.allocate(req, in: mixedConfig())
        #expect(a.hosts.map(\.address) == ["192.168.1.1", "192.168.1.2"])
        #expect(a.hosts[0].addressReason == "given with --address")
        #expect(a.hosts[1].addressReason.contains("192.168.1.0/24"))
        req.addresses = ["n1": "10.20.0.1"]
        #expect(try Allocator.allocate(req, in: mixedConfig()).hosts[1].address == "10.20.0.2")
    }

    @Test func aSingleKnownAddressNeedsNoComment() throws {
        let c = try config("resource r { device /dev/drbd1; disk /dev/vg/r; meta-disk internal;\n on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n")
        let a = try Allocator.allocate(AllocationRequest(name: "new", hosts: ["a", "b"]), in: c)
        #expect(a.text.hasPrefix("resource new {"))
        #expect(a.hosts[0].addressReason == "the only address of a in the configuration")
    }

    /// The CLI: the '#' lines, the JSON field, and the section added to the configuration passes
    /// drbd check and drbdadm dump, with every host's address on one network.
    @Test func cliSaysWhyAndTheResultIsValid() throws {
        let r = try run([xgScaleBinary(), "drbd", "allocate", "new", "--hosts", "n1,n2,n3", "--config", Self.mixed])
        #expect(r.status == 0, "\(r.stderr)")
        let comments = r.stdout.split(separator: "\n").filter { $0.hasPrefix("#") }
        #expect(comments.count == 3 && comments.allSatisfy { $0.contains("10.20.0.0/24") }, "\(r.stdout)")
        let j = try run([xgScaleBinary(), "drbd", "allocate", "new", "--hosts", "n1,n2,n3", "--config", Self.mixed, "--json"])
        let obj = try #require(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let hosts = try #require(obj["hosts"] as? [[String: Any]])
        #expect(hosts.allSatisfy { ($0["address-reason"] as? String)?.isEmpty == false })
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let merged = try String(contentsOfFile: Self.mixed, encoding: .utf8) + r.stdout
        try merged.write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        let check = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--no-local"])
        #expect(check.status == 0, "\(check.stdout)")
        guard try prerequisites(root: false, programs: ["drbdadm"]) else { return }
        // drbdadm dump RESOURCE filters on this machine's name: dump all, read the new one.
        let dump = try run(["drbdadm", "-c", d + "/drbd.conf", "dump"], environment: ["DRBD_DONT_WARN_ON_VERSION_MISMATCH": "1"])
        #expect(dump.status == 0, "\(dump.stderr)")
        let section = try #require(dump.stdout.range(of: "resource new {")).upperBound
        let addrs = dump.stdout[section...].split(separator: "\n").filter { $0.contains("address") }.map { String($0) }
        #expect(addrs.count == 3 && addrs.allSatisfy { $0.contains("ipv4 10.20.0.") }, "\(dump.stdout)")
    }
}
