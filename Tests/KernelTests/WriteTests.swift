// Netlink write primitives on the real kernel: `netlink-probe` (a test helper running
// `LinkWriter` calls on one socket) runs under `ip netns exec`, and iproute2 is the oracle.
import Foundation
import Testing
import NodeNetwork
import TestSupport

struct ProbeReport: Decodable {
    struct Counts: Decodable { var get: Int; var new: Int; var set: Int; var del: Int }
    var counts: Counts
    var error: String?
    var line: Int?
    var sockets: [String]?
    var indexes: [Int]?
    var quiet: [Bool]?
    var routes: [String]?
    var addresses: [String]?
}

func probe(_ ns: Namespace, _ script: String) throws -> (ProbeReport, Int32) {
    let binary = buildProductsDirectory().appendingPathComponent("netlink-probe").path
    let r = try ns.run([binary], input: script)
    return (try JSONDecoder().decode(ProbeReport.self, from: Data(r.stdout.utf8)), r.status)
}

func ipJSON(_ ns: Namespace, _ arguments: [String]) throws -> [[String: Any]] {
    let r = try ns.exec(["ip", "-j"] + arguments)
    return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
}

@Suite(.serialized) struct WriteTests {
    @Test func writePrimitivesBuildTheSeedBridge() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let ns = try Namespace("write")
        defer { ns.close() }
        let script = """
            create-bridge xenbr0 stp=1 priority=4096 forward-delay=2 hello-time=1.5 max-age=7
            create-veth peth0 sw0
            set-master peth0 xenbr0
            port peth0 priority=40 cost=77
            up peth0
            up sw0
            up xenbr0
            create-veth veth0 vif0.0
            set-master vif0.0 xenbr0
            mtu veth0 1400
            up veth0
            add-address veth0 192.0.2.10/24
            add-address veth0 2001:db8::5/64
            add-route 192.0.2.1
            """
        let (report, status) = try probe(ns, script)
        #expect(status == 0, "\(report.error ?? "")")
        #expect(report.counts.get == 0)
        #expect(report.counts.new + report.counts.set == 14, "one request per change")

        let bridge = try #require(try ipJSON(ns, ["-d", "link", "show", "xenbr0"]).first)
        let data = try #require((bridge["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
        #expect(data["stp_state"] as? Int == 1)
        #expect(data["priority"] as? Int == 4096)
        #expect(data["forward_delay"] as? Int == 200)
        #expect(data["hello_time"] as? Int == 150)
        #expect(data["max_age"] as? Int == 700)
        let ports = try ipJSON(ns, ["-d", "link", "show", "master", "xenbr0"]).compactMap { $0["ifname"] as? String }
        #expect(Set(ports) == ["peth0", "vif0.0"])
        let bridgeLinks = try JSONSerialization.jsonObject(
            with: Data(try ns.exec(["bridge", "-j", "link", "show", "dev", "peth0"]).stdout.utf8)) as? [[String: Any]]
        #expect(bridgeLinks?.first?["priority"] as? Int == 40)
        #expect(bridgeLinks?.first?["cost"] as? Int == 77)
        let veth0 = try #require(try ipJSON(ns, ["addr", "show", "veth0"]).first)
        #expect(veth0["mtu"] as? Int == 1400)
        let addresses = (veth0["addr_info"] as? [[String: Any]] ?? []).filter { $0["scope"] as? String == "global" }
            .map { "\($0["local"] as? String ?? "")/\($0["prefixlen"] as? Int ?? -1)" }
        #expect(addresses == ["192.0.2.10/24", "2001:db8::5/64"])
        let route = try ipJSON(ns, ["route", "show", "default"]).first
        #expect(route?["gateway"] as? String == "192.0.2.1")
        #expect(route?["dev"] as? String == "veth0")

        // Reading it back through the same layer asks for no change.
        let (read, readStatus) = try probe(ns, "read\n")
        #expect(readStatus == 0)
        #expect(read.counts.get == 3 && read.counts.new + read.counts.set + read.counts.del == 0)

        // Tear down through the layer too.
        let (teardown, teardownStatus) = try probe(ns, """
            del-route 192.0.2.1
            del-address veth0 192.0.2.10/24
            release peth0
            delete xenbr0
            delete peth0
            """)
        #expect(teardownStatus == 0, "\(teardown.error ?? "")")
        #expect(teardown.counts.del == 4)
        let left = try ipJSON(ns, ["link", "show"]).compactMap { $0["ifname"] as? String }
        #expect(Set(left) == ["lo", "veth0", "vif0.0"])
        #expect(try ipJSON(ns, ["route", "show", "default"]).isEmpty)
    }

    /// A kernel refusal is one NetlinkError naming the operation, libnl's text and the kernel's
    /// reason; the namespace is left as it was.
    @Test func kernelRefusalsNameTheOperationAndTheReason() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("refuse")
        defer { ns.close() }
        try ns.exec(["sh", "-ec", """
            ip link add xenbr0 type bridge stp_state 1 forward_delay 400
            ip link add veth0 type veth peer name vif0.0
            ip addr add 192.0.2.10/24 dev veth0
            """])
        let before = try ns.exec(["ip", "-d", "addr", "show"]).stdout

        let (exists, s1) = try probe(ns, "add-address veth0 192.0.2.10/24\n")
        #expect(s1 == 1)
        #expect(exists.error?.hasPrefix("netlink: add address 192.0.2.10/24 on veth0: Object exists") == true,
                "\(exists.error ?? "")")
        #expect(exists.error?.contains("(kernel: ") == true, "the kernel's own reason is kept")

        // Forward delay 1 s is out of range while STP is on (the kernel allows 2-30 s).
        let (range, s2) = try probe(ns, "set-bridge xenbr0 stp=1 forward-delay=1\n")
        #expect(s2 == 1)
        #expect(range.error == "netlink: set bridge xenbr0: Input data out of range", "\(range.error ?? "")")

        let (missing, s3) = try probe(ns, "mtu veth0 1500\nset-master nope xenbr0\n")
        #expect(s3 == 1)
        #expect(missing.line == 2)
        #expect(missing.error == "netlink: set nope master xenbr0: no interface nope: No such device")
        #expect(missing.counts.new == 1, "the failing step sent nothing")

        // Nothing changed (the mtu step set the value veth0 already had).
        #expect(try ns.exec(["ip", "-d", "addr", "show"]).stdout == before)
    }
}
