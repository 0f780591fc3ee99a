import Testing
import Foundation
import NodeNetwork
@testable import MonitorCore

@Suite struct RedundancyTests {
    @Test func discoveryFindsBondsAndSTPBridgesWithTheirUplinks() {
        var s = stpNode()
        s.interfaces += bondNode().interfaces.map {
            var i = $0; if i.name != "bond0" { i.name = "e" + i.name }; return i
        }.map { var i = $0; if i.master == "bond0" { i.master = "bond0" }; return i }
        s.interfaces.append(Interface(name: "br-nostp", kind: .bridge, bridge: BridgeSettings(stp: false)))
        let groups = Redundancy.discoverGroups(in: s)
        #expect(groups == [Group(name: "bond0", kind: .bond, uplinks: ["epeth0", "epeth1"]),
                           Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"])])
    }

    @Test func okDegradedDown() {
        let g = Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"])
        #expect(Redundancy.status(of: g, in: stpNode()).state == .ok)
        #expect(Redundancy.status(of: g, in: stpNode(peth0: false)).state == .degraded)
        #expect(Redundancy.status(of: g, in: stpNode(state1: .disabled)).state == .degraded)
        // A blocking port is a usable standby: that is the point of STP.
        #expect(Redundancy.status(of: g, in: stpNode(state1: .blocking)).usable == ["peth0", "peth1"])
        #expect(Redundancy.status(of: g, in: stpNode(peth0: false, peth1: false)).state == .down)
        var adminDown = stpNode(); adminDown.interfaces[2].up = false
        #expect(Redundancy.status(of: g, in: adminDown).state == .degraded)
        // Flapping links count as unusable.
        #expect(Redundancy.status(of: g, in: stpNode(), unusable: ["peth1"]).state == .degraded)
    }

    @Test func profileReportsMissingAndMisconfiguredGroups() {
        let profile = [
            Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1", "peth2"]),
            Group(name: "bond0", kind: .bond, uplinks: ["peth0", "peth1"]),
        ]
        var s = stpNode()
        s.interfaces.append(Interface(name: "peth2", kind: .device, master: "br9", carrier: true))
        let st = Redundancy.statuses(in: s, profile: profile)
        #expect(st[0].state == .degraded)
        #expect(st[0].problems == ["misconfigured: uplink peth2 is not enslaved to xenbr0 (master: br9)"])
        #expect(st[1].state == .down)
        #expect(st[1].problems == ["missing: no interface bond0 on this node"])
        var off = stpNode(); off.interfaces[0].bridge?.stp = false
        #expect(Redundancy.status(of: profile[0], in: off).problems.first == "misconfigured: STP is off on bridge xenbr0")
        #expect(Redundancy.status(of: Group(name: "xenbr0", kind: .bond, uplinks: ["peth0", "peth1"]),
                                  in: stpNode()).problems == ["misconfigured: xenbr0 is a bridge, the profile wants a bond"])
        #expect(Redundancy.status(of: Group(name: "xenbr0", kind: .stp, uplinks: ["peth0"]), in: stpNode()).state
                == .degraded)
    }

    @Test func classifierEmitsGroupConfigOnceAndRedundancyDownForAMissingGroup() {
        var c = Classifier(options: ClassifierOptions(profile: [
            Group(name: "bond0", kind: .bond, uplinks: ["peth0", "peth1"])]))
        let ev = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        #expect(ev.kinds == ["group-config", "redundancy"])
        #expect(ev[0].severity == .err && ev[0].fields["reason"] == "missing: no interface bond0 on this node")
        #expect(ev[1].to == "down" && ev[1].severity == .crit)
        #expect(c.observe(.snapshot(stpNode()), at: FakeClock().now).isEmpty)
    }

    @Test func oneshotReportAndExitCodes() {
        let ok = RedundancyReport(state: stpNode(), profile: nil)
        #expect(ok.exitCode == 0)
        #expect(ok.text.hasPrefix("REDUNDANCY OK - xenbr0 OK\nxenbr0 (stp): OK, 2/2 uplinks usable [peth0, peth1]\n"))
        let deg = RedundancyReport(state: stpNode(peth1: false), profile: nil)
        #expect(deg.exitCode == 1)
        #expect(deg.text.contains("1/2 uplinks usable [peth0, peth1 unusable]"))
        #expect(RedundancyReport(state: stpNode(peth0: false, peth1: false), profile: nil).exitCode == 2)
        let none = RedundancyReport(state: NetworkState(), profile: nil)
        #expect(none.exitCode == 2 && none.text.hasPrefix("REDUNDANCY DOWN - no redundancy group"))
        let both = RedundancyReport(state: stpNode(peth1: false), profile: [
            Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"]),
            Group(name: "bond0", kind: .bond, uplinks: ["a", "b"])])
        #expect(both.exitCode == 2)
    }
}
