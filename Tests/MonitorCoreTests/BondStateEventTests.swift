import Testing
import Foundation
import NodeNetwork
@testable import MonitorCore

/// An 802.3ad bond0 of peth0/peth1 talking LACP to `partner` with key `key`; each slave in
/// aggregator `agg0`/`agg1` (the bond's active one is `active`).
func lacpNode(partner: String = "02:00:00:00:00:aa", key: Int = 9, active: Int = 1, ports: Int = 2,
              agg0: Int = 1, agg1: Int = 1, churn0: String? = "none", minLinks: Int? = nil) -> NetworkState {
    var bond = Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "802.3ad", minLinks: minLinks),
                         carrier: ports > 0)
    bond.bondState = BondRuntime(ad: BondADInfo(aggregatorID: active, numPorts: ports, actorKey: 9,
                                                partnerKey: key, partnerMAC: partner))
    func slave(_ name: String, _ agg: Int, _ churn: String?) -> Interface {
        var s = BondSlaveSettings(state: "active", miiStatus: "up")
        s.lacp = BondSlaveLACP(aggregatorID: agg, actorOperPortState: 61, partnerOperPortState: 61,
                               actorChurnState: churn, partnerChurnState: churn == nil ? nil : "none")
        return Interface(name: name, kind: .device, master: "bond0", slave: s, carrier: true,
                         carrierUpCount: 1, carrierDownCount: 0)
    }
    return NetworkState(interfaces: [bond, slave("peth0", agg0, churn0), slave("peth1", agg1, "none")])
}

/// An active-backup bond0 with ARP monitoring; peth0 active.
func arpNode(mii0: String = "up", carrier0: Bool = true, active: String = "peth0") -> NetworkState {
    var s = bondNode(active: active, mii0: mii0, carrier0: carrier0)
    s.interfaces[0].bond?.arpInterval = 100
    s.interfaces[0].bondState = BondRuntime(arp: BondARPMonitor(interval: 100, targets: ["10.0.1.2"],
                                                                validate: "all"))
    return s
}

@Suite struct BondStateEventTests {
    func after(_ a: NetworkState, _ b: NetworkState) -> [MonitorEvent] {
        var clock = FakeClock()
        var c = Classifier()
        _ = c.observe(.snapshot(a), at: clock.now)
        return c.observe(.snapshot(b), at: clock.advance(1))
    }

    @Test func aNewPartnerMACIsAWarningNamingBothPartners() {
        let ev = after(lacpNode(), lacpNode(partner: "02:00:00:00:00:bb", key: 17))
        let p = ev.only(.lacpPartner)
        #expect(p.count == 1)
        #expect(p.first?.severity == .warning)
        #expect(p.first?.from == "02:00:00:00:00:aa key 9" && p.first?.to == "02:00:00:00:00:bb key 17")
        #expect(p.first?.fields["partner-mac"] == "02:00:00:00:00:bb" && p.first?.counters["partner-key"] == 17)
        #expect(p.first?.summary.contains("LACP partner changed") == true)
    }

    @Test func aPartnerKeyChangeAloneIsAPartnerChange() {
        let ev = after(lacpNode(key: 9), lacpNode(key: 10))
        #expect(ev.only(.lacpPartner).map(\.severity) == [.warning])
    }

    @Test func aFirstPartnerIsNoticeAndNoPartnerChangeIsSilent() {
        #expect(after(lacpNode(partner: "00:00:00:00:00:00"), lacpNode()).only(.lacpPartner).map(\.severity) == [.notice])
        #expect(after(lacpNode(), lacpNode()).isEmpty)
    }

    @Test func aggregatorChangeIsWarningAndNoPortsIsCrit() {
        let moved = after(lacpNode(active: 1, agg0: 1, agg1: 1), lacpNode(active: 2, agg0: 2, agg1: 2))
        let a = moved.only(.lacpAggregator)
        #expect(a.count == 1 && a[0].severity == .warning && a[0].from == "1" && a[0].to == "2")
        #expect(moved.only(.lacpSlave).isEmpty)  // both slaves moved with it
        let empty = after(lacpNode(ports: 2), lacpNode(ports: 0, agg0: 2, agg1: 3))
        #expect(empty.only(.lacpAggregator).map(\.severity) == [.crit])
    }

    @Test func belowMinLinksIsCritAndAboveIsWarning() {
        let below = after(lacpNode(ports: 2, minLinks: 2), lacpNode(ports: 1, agg1: 2, minLinks: 2))
        #expect(below.only(.lacpAggregator).map(\.severity) == [.crit])
        #expect(below.only(.lacpAggregator).first?.summary.contains("below min-links 2") == true)
        let fine = after(lacpNode(ports: 2), lacpNode(ports: 1, agg1: 2))
        #expect(fine.only(.lacpAggregator).map(\.severity) == [.warning])
        let added = after(lacpNode(ports: 1, agg1: 2), lacpNode(ports: 2))
        #expect(added.only(.lacpAggregator).map(\.severity) == [.notice])
    }

    @Test func aSlaveLeavingTheActiveAggregatorIsAWarningAndJoiningANotice() {
        let left = after(lacpNode(), lacpNode(ports: 1, agg1: 2)).only(.lacpSlave)
        #expect(left.count == 1 && left[0].interface == "peth1" && left[0].severity == .warning)
        #expect(left[0].to == "other-aggregator" && left[0].counters["aggregator-id"] == 2)
        let joined = after(lacpNode(ports: 1, agg1: 2), lacpNode()).only(.lacpSlave)
        #expect(joined.map(\.severity) == [.notice] && joined.first?.to == "active-aggregator")
    }

    @Test func churnIsAWarningAndItsEndANotice() {
        let churned = after(lacpNode(), lacpNode(churn0: "churned")).only(.lacpChurn)
        #expect(churned.count == 1 && churned[0].interface == "peth0" && churned[0].severity == .warning)
        #expect(churned[0].fields["actor-churn-state"] == "churned")
        #expect(after(lacpNode(churn0: "churned"), lacpNode()).only(.lacpChurn).map(\.severity) == [.notice])
        // Unknown churn (a notification without it) is no change.
        #expect(after(lacpNode(), lacpNode(churn0: nil)).only(.lacpChurn).isEmpty)
    }

    @Test func arpMonitorDownWithCarrierUpIsArpLinkNotBondSlave() {
        let ev = after(arpNode(), arpNode(mii0: "down", active: "peth1"))
        let arp = ev.only(.arpLink)
        #expect(arp.count == 1 && arp[0].interface == "peth0" && arp[0].severity == .warning)
        #expect(arp[0].fields["monitor"] == "arp" && arp[0].fields["carrier"] == "up")
        #expect(arp[0].summary.contains("the ARP monitor decided, not the cable"))
        #expect(ev.only(.bondSlave).isEmpty)
        #expect(ev.only(.bondFailover).map(\.to) == ["peth1"])
        #expect(ev.kinds.firstIndex(of: "arp-link")! < ev.kinds.firstIndex(of: "bond-failover")!)
        let back = after(arpNode(mii0: "down", active: "peth1"), arpNode(active: "peth1")).only(.arpLink)
        #expect(back.map(\.severity) == [.notice])
    }

    @Test func arpBondWithTheCableCutIsBondSlaveAndLinkDown() {
        let ev = after(arpNode(), arpNode(mii0: "down", carrier0: false, active: "peth1"))
        #expect(ev.only(.arpLink).isEmpty)
        #expect(ev.only(.bondSlave).map(\.severity) == [.warning])
        #expect(ev.only(.linkDown).map(\.interface) == ["peth0"])
    }

    @Test func miiOnlyBondKeepsBondSlave() {
        let ev = after(bondNode(), bondNode(active: "peth1", mii0: "down"))
        #expect(ev.only(.arpLink).isEmpty && ev.only(.bondSlave).count == 1)
    }

    @Test func theBondPollChangesOnlyLACPState() {
        var clock = FakeClock()
        var c = Classifier()
        _ = c.observe(.snapshot(lacpNode()), at: clock.now)
        // The poll reads the new partner: lacp-partner, nothing else.
        let newer = lacpNode(partner: "02:00:00:00:00:bb")
        let ev = c.observe(.bondRuntime(interface: "bond0", master: nil, bond: newer.interfaces[0].bondState,
                                        lacp: nil), at: clock.advance(1))
        #expect(ev.kinds == ["lacp-partner"])
        // Churn read by the poll for a slave.
        let churned = lacpNode(churn0: "churned").interfaces[1].slave?.lacp
        let churn = c.observe(.bondRuntime(interface: "peth0", master: "bond0", bond: nil, lacp: churned),
                              at: clock.advance(1))
        #expect(churn.kinds == ["lacp-churn"])
        // A slave the poll saw under another master (stale) is left alone.
        #expect(c.observe(.bondRuntime(interface: "peth1", master: "bond9", bond: nil, lacp: nil),
                          at: clock.advance(1)).isEmpty)
        #expect(c.state?["peth1"]?.slave?.lacp != nil)
        // Carrier and MII are never taken from the poll.
        #expect(c.state?["peth0"]?.carrier == true && c.state?["peth0"]?.slave?.miiStatus == "up")
    }

    @Test func metricsCarryAggregatorPortsPartnerChurnAndArpLink() {
        var lacp = lacpNode(churn0: "churned")
        lacp.interfaces[0].name = "bond1"
        for i in 1...2 { lacp.interfaces[i].name += "x"; lacp.interfaces[i].master = "bond1" }
        let state = NetworkState(interfaces: arpNode(mii0: "down").interfaces + lacp.interfaces)
        let text = MetricsText.render(state: state, groups: [], flapping: [], links: { _ in true },
                                      droppedEvents: 0)
        #expect(text.contains("xgscale_bond_ad_aggregator_id{bond=\"bond1\"} 1\n"))
        #expect(text.contains("xgscale_bond_ad_ports{bond=\"bond1\"} 2\n"))
        #expect(text.contains("xgscale_bond_ad_partner{bond=\"bond1\"} 1\n"))
        #expect(text.contains("xgscale_bond_slave_ad_churned{bond=\"bond1\",slave=\"peth0x\"} 1\n"))
        #expect(text.contains("xgscale_bond_slave_ad_churned{bond=\"bond1\",slave=\"peth1x\"} 0\n"))
        #expect(text.contains("xgscale_bond_slave_arp_up{bond=\"bond0\",slave=\"peth0\"} 0\n"))
        #expect(text.contains("xgscale_bond_slave_arp_up{bond=\"bond0\",slave=\"peth1\"} 1\n"))
        #expect(!text.contains("xgscale_bond_slave_arp_up{bond=\"bond1\""))
    }
}
