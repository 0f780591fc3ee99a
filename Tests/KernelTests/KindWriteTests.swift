// The veth unit's create request on the real kernel: both MTUs, the master and "up" travel in
// the one RTM_NEWLINK (common attributes from DeviceLink, the peer from VethLink); iproute2 reads
// it back inside the test's namespace.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct KindWriteTests {
    @Test func vethCreateCarriesBothMTUsTheMasterAndUpInOneRequest() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("kindveth")
        defer { ns.close() }
        let (report, status) = try probe(ns, """
            create-bridge xenbr0
            create-veth veth0 vif0.0 mtu=1400 peer-mtu=9000 master=xenbr0 up=1
            """)
        #expect(status == 0, "\(report.error ?? "")")
        #expect(report.counts.new == 2, "one request per link")

        let veth0 = try #require(try ipJSON(ns, ["-d", "link", "show", "veth0"]).first)
        #expect(veth0["mtu"] as? Int == 1400)
        #expect(veth0["master"] as? String == "xenbr0")
        #expect((veth0["flags"] as? [String] ?? []).contains("UP"))
        #expect((veth0["linkinfo"] as? [String: Any])?["info_kind"] as? String == "veth")
        #expect(veth0["link"] as? String == "vif0.0")
        let peer = try #require(try ipJSON(ns, ["-d", "link", "show", "vif0.0"]).first)
        #expect(peer["mtu"] as? Int == 9000)
        #expect(peer["master"] == nil)
        #expect(!(peer["flags"] as? [String] ?? []).contains("UP"))
    }

    @Test func vethCreateWithAMissingMasterNamesItAndCreatesNothing() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("kindnomaster")
        defer { ns.close() }
        let (report, status) = try probe(ns, "create-veth veth0 vif0.0 master=nope\n")
        #expect(status != 0)
        #expect(report.error?.contains("create veth veth0 peer vif0.0: no interface nope") == true,
                "\(report.error ?? "")")
        let links = try ipJSON(ns, ["link", "show"]).compactMap { $0["ifname"] as? String }
        #expect(links == ["lo"])
    }
}
