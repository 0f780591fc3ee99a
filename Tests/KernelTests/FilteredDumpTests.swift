// The reader's lighter dumps on the real kernel: the route dump filtered by the kernel (strictly
// checked: main table, unicast) must give the default routes the whole dump gives and `ip -j`
// shows; addresses dropped by their header alone must be the kernel's link-local ones only; and
// the first create's free ifindexes, taken from a state read while its sentinel stays quiet,
// must fall back to scanning the links when anything changed, and clash as before when a link
// took the index meanwhile.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct FilteredDumpTests {
    /// Two up veth ends with addresses of both families and scopes, and routes the reader keeps
    /// (main-table unicast defaults with a gateway) beside routes it must leave out (other
    /// tables, not default, not unicast).
    func foreignRoutes() throws -> Namespace {
        let ns = try Namespace("fdump")
        let batch = [
            "link add a0 type veth peer name a1", "link set a0 up", "link set a1 up", "link set lo up",
            "address add 192.0.2.5/24 dev a0", "address add 198.51.100.7/24 dev a1 scope link",
            "address add 2001:db8::5/64 dev a0 nodad", "address add fe80::99/64 dev a1 nodad",
            "route add default via 192.0.2.1 dev a0",
            "route add default via 198.51.100.1 dev a1 table 100",
            "route add 10.9.0.0/16 via 192.0.2.1 dev a0",
            "route add blackhole default metric 500",
            "route add unreachable default metric 600 table 100",
            "route add default via 2001:db8::1 dev a0",
            "route add default via fe80::1 dev a1 metric 300",
            "route add default via 2001:db8::2 dev a0 table 200",
            "route add prohibit ::/0 metric 700",
        ]
        try ns.exec(["ip", "-batch", "-"], input: batch.joined(separator: "\n") + "\n")
        return ns
    }

    /// `ip -j route show table main` of one family: the unicast default routes with a gateway.
    func ipDefaults(_ ns: Namespace, _ family: String) throws -> [String] {
        try ipJSON(ns, [family, "route", "show", "table", "main"]).compactMap { r in
            guard r["dst"] as? String == "default", r["type"] == nil || r["type"] as? String == "unicast",
                  let gateway = r["gateway"] as? String else { return nil }
            return "\(gateway) \(r["dev"] as? String ?? "-")"
        }
    }

    @Test func theKernelFilteredRouteDumpGivesTheRoutesOfTheWholeDump() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try foreignRoutes()
        defer { ns.close() }
        let (filtered, s1) = try probe(ns, "routes\n")
        let (whole, s2) = try probe(ns, "routes unfiltered\n")
        #expect(s1 == 0 && s2 == 0, "\(filtered.error ?? "") \(whole.error ?? "")")
        let routes = try #require(filtered.routes)
        #expect(routes == whole.routes, "the same routes, in the same order")
        #expect(routes == (try ipDefaults(ns, "-4")) + (try ipDefaults(ns, "-6")), "as ip -j shows them")
        #expect(routes.sorted() == ["192.0.2.1 a0", "2001:db8::1 a0", "fe80::1 a1"])
        #expect(filtered.counts.get == 2 && whole.counts.get == 2, "one link dump, one route dump each")
    }

    @Test func addressesLeaveOutTheIPv6LinkLocalOnesOnly() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try foreignRoutes()
        defer { ns.close() }
        let (report, status) = try probe(ns, "addresses\n")
        #expect(status == 0, "\(report.error ?? "")")
        var expected: [String] = []
        for link in try ipJSON(ns, ["address", "show"]) {
            let name = link["ifname"] as? String ?? "?"
            for a in link["addr_info"] as? [[String: Any]] ?? [] {
                if a["family"] as? String == "inet6" && a["scope"] as? String == "link" { continue }
                expected.append("\(name) \(a["local"] as? String ?? "?")/\(a["prefixlen"] as? Int ?? -1)")
            }
        }
        let mine = try #require(report.addresses)
        #expect(mine.sorted() == expected.sorted())
        #expect(mine.contains("a1 198.51.100.7/24"), "IPv4 scope link is kept")
        #expect(!mine.contains { $0.hasPrefix("a1 fe80::") }, "IPv6 link-local is left out")
    }

    /// Verify's read (`stateToPlan`) is the whole state less the fields no plan compares, on a
    /// namespace with an STP bridge and its ports (priority, cost), veths up and down, addresses
    /// and routes of other tables (bonds: the VM suite, this kernel has no bonding module).
    @Test func theStateToPlanIsTheStateWithoutMACOperstateAndCarrier() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try foreignRoutes()
        defer { ns.close() }
        let batch = [
            "link add br0 type bridge stp_state 1 priority 4096", "link add v0 type veth peer name v0p",
            "link set v0 master br0", "link set v0 type bridge_slave priority 7 cost 33", "link set v0 up",
            "link add v1 type veth peer name v1p", "link set v1 master br0", "link set v1p up",
            "link set v1 up", "link set br0 up",
            "address add 192.0.2.9/24 dev br0",
        ]
        try ns.exec(["ip", "-batch", "-"], input: batch.joined(separator: "\n") + "\n")
        let (report, status) = try probe(ns, "state-to-plan\n")
        #expect(status == 0, "\(report.error ?? "")")
        #expect(report.quiet == [true], "stateToPlan differs from currentState beyond MAC, operstate and carrier")
        #expect(report.indexes == [try ipJSON(ns, ["link", "show"]).count])
    }

    /// The highest ifindex in the namespace now, as `ip -j link` shows it.
    func highestIndex(_ ns: Namespace) throws -> Int {
        try ipJSON(ns, ["link", "show"]).compactMap { $0["ifindex"] as? Int }.max() ?? 0
    }

    func link(_ ns: Namespace, _ name: String) throws -> [String: Any] {
        try #require(try ipJSON(ns, ["link", "show", "dev", name]).first)
    }

    @Test func aQuietSentinelLetsTheFirstCreateTakeTheSeededIndexes() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try foreignRoutes()
        defer { ns.close() }
        let high = try highestIndex(ns)
        // A seed above the real highest index shows which one the writer took.
        let (report, status) = try probe(ns, "sentinel\nmark-creates xg-scale:t1\nseed-indexes \(high + 10)\ncreate-veth v0 v0p\n")
        #expect(status == 0, "\(report.error ?? "")")
        #expect(try link(ns, "v0")["ifindex"] as? Int == high + 11)
        #expect(try link(ns, "v0p")["ifindex"] as? Int == high + 12)
        #expect(try link(ns, "v0")["ifalias"] as? String == "xg-scale:t1")
        #expect(try link(ns, "v0p")["ifalias"] as? String == "xg-scale:t1")
    }

    @Test func aChangeSinceTheReadMakesTheFirstCreateScanTheLinks() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try foreignRoutes()
        defer { ns.close() }
        let high = try highestIndex(ns)
        let (report, status) = try probe(ns, "sentinel\nmark-creates xg-scale:t2\nseed-indexes \(high + 10)\nmtu a0 1400\ncreate-veth v0 v0p\n")
        #expect(status == 0, "\(report.error ?? "")")
        #expect(try link(ns, "v0")["ifindex"] as? Int == high + 1, "the seed was not taken")
        #expect(try link(ns, "v0p")["ifindex"] as? Int == high + 2)
        #expect(try link(ns, "v0")["ifalias"] as? String == "xg-scale:t2")
    }

    /// The seed is stale in the way a race makes it: a link took the next index after the read
    /// but before the sentinel was asked. The create is refused, made again with fresh indexes,
    /// and the intruder keeps no mark.
    @Test func anIndexTakenDespiteTheSeedIsRetriedAndTheIntruderIsNotMarked() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try foreignRoutes()
        defer { ns.close() }
        let high = try highestIndex(ns)
        try ns.exec(["ip", "link", "add", "intr0", "index", "\(high + 1)", "type", "bridge"])
        let (report, status) = try probe(ns, "sentinel\nmark-creates xg-scale:t3\nseed-indexes \(high)\ncreate-veth v0 v0p\n")
        #expect(status == 0, "\(report.error ?? "")")
        #expect(try link(ns, "intr0")["ifindex"] as? Int == high + 1)
        #expect((try link(ns, "intr0")["ifalias"] as? String ?? "") == "", "the intruder was marked")
        #expect(try link(ns, "v0")["ifalias"] as? String == "xg-scale:t3")
        #expect(try link(ns, "v0p")["ifalias"] as? String == "xg-scale:t3")
        #expect(try link(ns, "v0")["ifindex"] as? Int ?? 0 > high + 1)
    }
}
