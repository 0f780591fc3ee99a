import Testing
import Foundation
import NodeNetwork
@testable import MonitorCore

/// A lab node as `ip netns` builds one: xenbr0 (STP on) whose uplinks peth0 and peth1 are veths
/// with their peers in switch namespaces (IFLA_LINK_NETNSID), plus guest ports: dom0's veth
/// (peer in this namespace), a Xen vif and a tap (Ethernet links without a kind).
func labNode(peth0: Bool = true, peth1: Bool = true, peth1Index: Int = 3) -> NetworkState {
    NetworkState(interfaces: [
        Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true), index: 1, carrier: true),
        withPeerNetns(Interface(name: "peth0", kind: .veth, master: "xenbr0",
                                port: BridgePortSettings(state: .forwarding), index: 2, carrier: peth0,
                                carrierUpCount: 1, carrierDownCount: peth0 ? 0 : 1), 0),
        withPeerNetns(Interface(name: "peth1", kind: .veth, master: "xenbr0",
                                port: BridgePortSettings(state: .blocking), index: peth1Index, carrier: peth1,
                                carrierUpCount: 1, carrierDownCount: peth1 ? 0 : 1), 1),
        Interface(name: "veth0p", kind: .veth, master: "xenbr0", peer: "veth0",
                  port: BridgePortSettings(state: .forwarding), index: 4, carrier: true),
        Interface(name: "veth0", kind: .veth, peer: "veth0p", index: 5, carrier: true),
        Interface(name: "vif1.0", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(state: .forwarding), index: 6, carrier: true),
        Interface(name: "tap2", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(state: .forwarding), index: 7, carrier: true),
    ])
}

private func withPeerNetns(_ i: Interface, _ id: Int) -> Interface {
    var i = i
    i.peerNetnsID = id
    return i
}

@Suite struct DiscoveryTests {
    @Test func vethsWithPeersInOtherNamespacesAreUplinksGuestPortsAreNot() {
        #expect(Redundancy.discoverGroups(in: labNode())
                == [Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"])])
        #expect(Redundancy.isUplink(name: "eth0", kind: .device, peerNetnsID: nil))
        #expect(Redundancy.isUplink(name: "bond0", kind: .bond, peerNetnsID: nil))
        #expect(Redundancy.isUplink(name: "peth0", kind: .veth, peerNetnsID: -1))  // id not assigned: still elsewhere
        #expect(!Redundancy.isUplink(name: "veth0p", kind: .veth, peerNetnsID: nil))
        #expect(!Redundancy.isUplink(name: "vif3.1", kind: .device, peerNetnsID: nil))
        #expect(!Redundancy.isUplink(name: "tap0", kind: .device, peerNetnsID: nil))
    }

    @Test func theLabWithoutAProfileIsOKAtStartAndACutIsAWarning() {
        var c = Classifier()
        var clock = FakeClock()
        let start = c.observe(.snapshot(labNode()), at: clock.now)
        #expect(start.kinds == ["redundancy"])
        #expect(start.first?.to == "ok" && start.first?.severity != .crit)
        #expect(start.only(.groupConfig).isEmpty)

        var cut = labNode(peth0: false).interfaces[1]
        cut.port?.state = .disabled
        let events = c.observe(.link(cut), at: clock.advance(1))
        let down = events.only(.linkDown).first
        #expect(down?.interface == "peth0" && down?.group == "xenbr0")
        #expect(down.map { $0.severity <= .warning } == true, "\(events)")
        #expect(events.only(.redundancy).first?.to == "degraded")

        let back = c.observe(.link(labNode().interfaces[1]), at: clock.advance(1))
        #expect(back.only(.linkUp).first?.interface == "peth0")
        #expect(back.only(.redundancy).first?.to == "ok")
    }

    @Test func anUplinkDeletedAndCreatedAgainIsFollowedByName() {
        var c = Classifier()
        var clock = FakeClock()
        _ = c.observe(.snapshot(labNode()), at: clock.now)
        let gone = c.observe(.linkRemoved("peth1"), at: clock.advance(1))
        #expect(gone.only(.redundancy).first?.to == "degraded", "\(gone)")
        // The new peth1 has another ifindex; it comes back in the group.
        let again = labNode(peth1Index: 42).interfaces[2]
        let back = c.observe(.link(again), at: clock.advance(1))
        #expect(back.only(.redundancy).first?.to == "ok", "\(back)")
        var cut = again
        cut.carrier = false
        cut.carrierDownCount = 1
        let events = c.observe(.link(cut), at: clock.advance(1))
        #expect(events.only(.linkDown).first?.interface == "peth1", "\(events)")
        #expect(events.only(.redundancy).first?.to == "degraded")
    }
}
