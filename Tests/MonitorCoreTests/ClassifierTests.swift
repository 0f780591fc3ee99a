import Testing
import Foundation
import NodeNetwork
@testable import MonitorCore

@Suite struct ClassifierTests {
    @Test func firstSnapshotReportsInitialRedundancyOnly() {
        var c = Classifier()
        let ev = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        #expect(ev.kinds == ["redundancy"])
        #expect(ev[0].group == "xenbr0" && ev[0].from == nil && ev[0].to == "ok")
        #expect(ev[0].severity == .info)
        #expect(ev[0].counters == ["uplinks": 2, "usable": 2])
    }

    @Test func cuttingTheActiveUplinkGivesLinkDownDegradedAndSTPTransitionsInOrder() {
        var clock = FakeClock()
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: clock.now)
        // Carrier lost on peth0; the kernel disables its port.
        let cut = c.observe(.snapshot(stpNode(peth0: false, state0: .disabled, counts0: (1, 1))),
                            at: clock.advance(1))
        #expect(cut.kinds == ["link-down", "stp-state", "redundancy"])
        #expect(cut[0].interface == "peth0" && cut[0].severity == .warning)
        #expect(cut[0].counters["carrier-changes"] == 1)
        #expect(cut[1].from == "forwarding" && cut[1].to == "disabled" && cut[1].severity == .info)
        #expect(cut[2].from == "ok" && cut[2].to == "degraded" && cut[2].severity == .err)
        // The blocked port goes listening -> learning -> forwarding, reported one by one.
        var seen: [String] = []
        for st in [PortSTPState.listening, .learning, .forwarding] {
            let e = c.observe(.portState(interface: "peth1", state: st), at: clock.advance(2))
            #expect(e.count == 1)
            seen += e.map { "\($0.from!)->\($0.to!)" }
            #expect(e.first?.group == "xenbr0")
        }
        #expect(seen == ["blocking->listening", "listening->learning", "learning->forwarding"])
        // Restore: link up (notice) and redundancy OK (notice).
        let back = c.observe(.snapshot(stpNode(peth0: true, state0: .blocking, state1: .forwarding,
                                               counts0: (2, 1))), at: clock.advance(5))
        #expect(back.kinds == ["link-up", "stp-state", "redundancy"])
        #expect(back[0].severity == .notice)
        #expect(back[2].from == "degraded" && back[2].to == "ok" && back[2].severity == .notice)
    }

    @Test func aLinkMessageWithoutPortDataKeepsTheKnownPortState() {
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        var peth1 = stpNode().interfaces[2]
        peth1.port = nil
        peth1.carrier = false
        peth1.carrierDownCount = 1
        let ev = c.observe(.link(peth1), at: FakeClock().now)
        #expect(ev.kinds == ["link-down", "redundancy"])
        #expect(c.state?["peth1"]?.port?.state == .blocking)
        // Leaving the bridge drops the port data.
        peth1.master = nil
        _ = c.observe(.link(peth1), at: FakeClock().now)
        #expect(c.state?["peth1"]?.port == nil)
    }

    @Test func vmPortsGetNoLinkEvents() {
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        var s = stpNode()
        s.interfaces[4].carrier = false
        #expect(c.observe(.snapshot(s), at: FakeClock().now).isEmpty)
        var all = Classifier(options: ClassifierOptions(links: .all))
        _ = all.observe(.snapshot(stpNode()), at: FakeClock().now)
        #expect(all.observe(.snapshot(s), at: FakeClock().now).kinds == ["link-down"])
    }

    @Test func carrierFlipsTheKernelMergedAreCounted() {
        var c = Classifier(options: ClassifierOptions(dampening: FlapDampening(threshold: 10)))
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        // Carrier still up, but the counters say it went down and up twice meanwhile.
        let ev = c.observe(.snapshot(stpNode(counts1: (3, 2))), at: FakeClock().now)
        #expect(ev.kinds == ["link-down", "link-up"])
        #expect(ev.allSatisfy { $0.interface == "peth1" && $0.counters["carrier-changes"] == 4 })
        #expect(ev[1].counters["carrier-up-count"] == 3 && ev[1].counters["carrier-down-count"] == 2)
        // Down with three merged flips: one link-down that says so.
        let down = c.observe(.snapshot(stpNode(peth1: false, counts1: (4, 4))), at: FakeClock().now)
        #expect(down.only(.linkDown).count == 1)
        #expect(down[0].counters["carrier-changes"] == 3)
        #expect(SyslogFormat.text(down[0]).hasPrefix("peth1: link down (3 carrier changes merged)"))
    }

    @Test func inconsistentCountersFallBackToTheVisibleChange() {
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode(counts1: (5, 5))), at: FakeClock().now)
        // Counters went backwards (driver reset): just the visible carrier loss.
        let ev = c.observe(.snapshot(stpNode(peth1: false, counts1: (0, 1))), at: FakeClock().now)
        #expect(ev.only(.linkDown).first?.counters["carrier-changes"] == 1)
    }

    @Test func bondFailoverAndSlaveMII() {
        var c = Classifier()
        let first = c.observe(.snapshot(bondNode()), at: FakeClock().now)
        #expect(first.map(\.group) == ["bond0"])
        let ev = c.observe(.snapshot(bondNode(active: "peth1", mii0: "down", carrier0: false)),
                           at: FakeClock().now)
        #expect(ev.kinds == ["link-down", "bond-slave", "bond-failover", "redundancy"])
        #expect(ev[1].from == "up" && ev[1].to == "down" && ev[1].severity == .warning)
        #expect(ev[2].from == "peth0" && ev[2].to == "peth1" && ev[2].fields["kernel-event"] == "no")
        #expect(ev[3].to == "degraded")
    }

    @Test func kernelFailoverEventIsReportedEvenWhenTheActiveSlaveLooksUnchanged() {
        var c = Classifier()
        _ = c.observe(.snapshot(bondNode()), at: FakeClock().now)
        // Two failovers merged: peth0 -> peth1 -> peth0, the kernel flagged the bond message.
        let bond = bondNode().interfaces[0]
        let ev = c.observe(.link(bond, event: .bondingFailover), at: FakeClock().now)
        #expect(ev.kinds == ["bond-failover"])
        #expect(ev[0].fields["kernel-event"] == "yes")
    }

    @Test func miiDownWithCarrierStillUpMakesTheBondDegraded() {
        var c = Classifier()
        _ = c.observe(.snapshot(bondNode()), at: FakeClock().now)
        let ev = c.observe(.snapshot(bondNode(mii1: "down")), at: FakeClock().now)
        #expect(ev.only(.redundancy).first?.to == "degraded")
    }

    @Test func rootAndTopologyChangesFromThePoll() {
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        let ev = c.observe(.bridge(name: "xenbr0", settings: BridgeSettings(
            stp: true, rootID: "8000.bb:00:00:00:00:02", topologyChange: true,
            topologyChangeCount: 3)), at: FakeClock().now)
        #expect(ev.kinds == ["root-change", "topology-change"])
        #expect(ev[0].from == "8000.aa:00:00:00:00:01" && ev[0].to == "8000.bb:00:00:00:00:02")
        #expect(ev[1].counters == ["topology-changes": 3, "topology-change-count": 3])
        #expect(ev.allSatisfy { $0.severity == .info })
    }

    @Test func removingABondIsRedundancyDown() {
        var c = Classifier()
        _ = c.observe(.snapshot(bondNode()), at: FakeClock().now)
        _ = c.observe(.linkRemoved("peth1"), at: FakeClock().now)
        let ev = c.observe(.linkRemoved("bond0"), at: FakeClock().now)
        #expect(ev.only(.redundancy).first?.to == "down")
        #expect(ev.only(.redundancy).first?.severity == .crit)
    }

    @Test func degradedSeverityIsConfigurable() {
        var c = Classifier(options: ClassifierOptions(severity: SeverityPolicy(degraded: .warning)))
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        let ev = c.observe(.snapshot(stpNode(peth1: false, counts1: (1, 1))), at: FakeClock().now)
        #expect(ev.only(.redundancy).first?.severity == .warning)
        let down = c.observe(.snapshot(stpNode(peth0: false, peth1: false, counts0: (1, 1),
                                               counts1: (1, 1))), at: FakeClock().now)
        #expect(down.only(.redundancy).first?.severity == .crit)
        #expect(down.only(.linkDown).first?.severity == .warning)
    }

    @Test func resyncIsLoggedThenEveryChangeAsAChange() {
        var clock = FakeClock()
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: clock.now)
        // Meanwhile (messages lost): peth0 lost carrier, peth1 took over, the root moved.
        let after = stpNode(peth0: false, state0: .disabled, state1: .forwarding, counts0: (1, 1),
                            rootID: "8000.bb:00:00:00:00:02", tcCount: 1)
        let ev = c.observe(.resync(after), at: clock.advance(1))
        #expect(ev.first?.event == .resync && ev.first?.severity == .notice)
        #expect(Set(Array(ev.dropFirst()).kinds) == ["link-down", "stp-state", "root-change",
                                               "topology-change", "redundancy"])
        #expect(ev.only(.stpState).map { "\($0.interface!):\($0.from!)->\($0.to!)" }
                == ["peth0:forwarding->disabled", "peth1:blocking->forwarding"])
        #expect(c.state == after)
        // The same resync again: only the resync line, no changes.
        #expect(c.observe(.resync(after), at: clock.advance(1)).kinds == ["resync"])
    }
}
