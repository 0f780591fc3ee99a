// Every monitor event's severity for every transition it can report (the contract in
// xg-scale(8): redundancy DOWN = crit, DEGRADED = err (or warning), restored = notice, first
// OK = info, link down = warning, link up = notice, STP port states = info...), and the
// redundancy of admin-down masters and ports.
import Foundation
import NodeNetwork
import Testing
@testable import MonitorCore

/// The three redundancy states of the seed's STP node.
func stpNode(_ state: RedundancyState) -> NetworkState {
    switch state {
    case .ok: return stpNode()
    case .degraded: return stpNode(peth1: false, counts1: (1, 1))
    case .down: return stpNode(peth0: false, peth1: false, counts0: (1, 1), counts1: (1, 1))
    }
}

@Suite struct SeverityMatrixTests {
    @Test(arguments: [SeverityPolicy(), SeverityPolicy(degraded: .warning)])
    func redundancySeverityForEveryTransition(_ policy: SeverityPolicy) {
        let want: [RedundancyState: Severity] = [.ok: .notice, .degraded: policy.degraded, .down: .crit]
        for from in RedundancyState.allCases {
            for to in RedundancyState.allCases where to != from {
                var c = Classifier(options: ClassifierOptions(severity: policy))
                let first = c.observe(.snapshot(stpNode(from)), at: FakeClock().now).only(.redundancy)
                #expect(first.map(\.severity) == [from == .ok ? .info : want[from]!], "first report of \(from)")
                let ev = c.observe(.snapshot(stpNode(to)), at: FakeClock().now).only(.redundancy)
                #expect(ev.count == 1 && ev.first?.from == from.rawValue && ev.first?.to == to.rawValue, "\(from)->\(to): \(ev)")
                #expect(ev.first?.severity == want[to], "\(from)->\(to): \(ev.first?.severity.name ?? "none")")
            }
        }
    }

    @Test func linkDownIsWarningLinkUpIsNotice() {
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        let down = c.observe(.snapshot(stpNode(.degraded)), at: FakeClock().now).only(.linkDown)
        #expect(down.map(\.severity) == [.warning] && down.first?.interface == "peth1")
        let up = c.observe(.snapshot(stpNode(peth1: true, counts1: (2, 1))), at: FakeClock().now).only(.linkUp)
        #expect(up.map(\.severity) == [.notice] && up.first?.interface == "peth1")
    }

    @Test func everySTPPortStateChangeIsInfo() {
        for from in PortSTPState.allCases {
            for to in PortSTPState.allCases where to != from {
                var c = Classifier()
                _ = c.observe(.snapshot(stpNode(state1: from)), at: FakeClock().now)
                let ev = c.observe(.portState(interface: "peth1", state: to), at: FakeClock().now).only(.stpState)
                #expect(ev.map(\.severity) == [.info], "\(from)->\(to): \(ev)")
                #expect(ev.first?.from == from.rawValue && ev.first?.to == to.rawValue)
            }
        }
    }

    @Test func bondSlaveMIIStatusSeverities() {
        let want: [String: Severity] = ["down": .warning, "up": .notice, "going-down": .info, "going-back": .info]
        let states = ["up", "going-down", "down", "going-back"]
        for from in states {
            for to in states where to != from {
                var c = Classifier()
                _ = c.observe(.snapshot(bondNode(mii1: from)), at: FakeClock().now)
                let ev = c.observe(.snapshot(bondNode(mii1: to)), at: FakeClock().now).only(.bondSlave)
                #expect(ev.map(\.severity) == [want[to]!], "\(from)->\(to): \(ev)")
            }
        }
    }

    @Test func failoverIsWarningRootAndTopologyChangesAreInfo() {
        var c = Classifier()
        _ = c.observe(.snapshot(bondNode(active: "peth0")), at: FakeClock().now)
        #expect(c.observe(.snapshot(bondNode(active: "peth1")), at: FakeClock().now).only(.bondFailover).map(\.severity) == [.warning])
        var s = Classifier()
        _ = s.observe(.snapshot(stpNode()), at: FakeClock().now)
        let ev = s.observe(.snapshot(stpNode(rootID: "1000.bb:00:00:00:00:02", tcCount: 1)), at: FakeClock().now)
        #expect(ev.only(.rootChange).map(\.severity) == [.info])
        #expect(ev.only(.topologyChange).map(\.severity) == [.info])
    }

    @Test func resyncIsNoticeGroupConfigIsErrRemovedGroupIsCrit() {
        var c = Classifier()
        _ = c.observe(.snapshot(stpNode()), at: FakeClock().now)
        #expect(c.observe(.resync(stpNode()), at: FakeClock().now).only(.resync).map(\.severity) == [.notice])
        var off = stpNode(); off.interfaces[0].bridge?.stp = false
        var p = Classifier(options: ClassifierOptions(profile: [Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"])]))
        _ = p.observe(.snapshot(stpNode()), at: FakeClock().now)
        #expect(p.observe(.snapshot(off), at: FakeClock().now).only(.groupConfig).map(\.severity) == [.err])
        let gone = c.observe(.linkRemoved("xenbr0"), at: FakeClock().now).only(.redundancy)
        #expect(gone.map(\.severity) == [.crit] && gone.first?.to == "down")
    }

    /// A link that stops flapping while down settles as a warning (up: notice, in DampeningTests).
    @Test func flappingSettledDownIsWarning() {
        var clock = FakeClock()
        var c = Classifier(options: ClassifierOptions(dampening: FlapDampening(threshold: 4, window: 10, settle: 30)))
        _ = c.observe(.snapshot(stpNode()), at: clock.now)
        var up = 1, down = 0
        for k in 1...9 {  // odd: ends down
            if k % 2 == 1 { down += 1 } else { up += 1 }
            _ = c.observe(.snapshot(stpNode(peth1: k % 2 == 0, counts1: (up, down))), at: clock.advance(0.5))
        }
        let summary = c.tick(at: clock.advance(30)).only(.linkFlapping)
        #expect(summary.count == 1 && summary.first?.fields["carrier"] == "down", "\(summary)")
        #expect(summary.first?.severity == .warning)
    }

    // MARK: admin-down masters and ports

    @Test func anAdminDownBridgeOrBondIsDown() {
        var bridge = stpNode(); bridge.interfaces[0].up = false
        let stp = Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"])
        #expect(Redundancy.status(of: stp, in: bridge).state == .down)
        #expect(RedundancyReport(state: bridge, profile: nil).exitCode == 2)
        var bond = bondNode(); bond.interfaces[0].up = false
        let bonded = Group(name: "bond0", kind: .bond, uplinks: ["peth0", "peth1"])
        #expect(Redundancy.status(of: bonded, in: bond).state == .down)
        #expect(RedundancyReport(state: bond, profile: nil).exitCode == 2)
        // Up again: OK (the same node otherwise).
        #expect(Redundancy.status(of: stp, in: stpNode()).state == .ok)
        #expect(Redundancy.status(of: bonded, in: bondNode()).state == .ok)
    }

    @Test func adminDownPortsAndSlavesAreUnusable() {
        let stp = Group(name: "xenbr0", kind: .stp, uplinks: ["peth0", "peth1"])
        var one = stpNode(); one.interfaces[1].up = false
        #expect(Redundancy.status(of: stp, in: one).state == .degraded)
        #expect(Redundancy.status(of: stp, in: one).usable == ["peth1"])
        var both = one; both.interfaces[2].up = false
        #expect(Redundancy.status(of: stp, in: both).state == .down)
        let bonded = Group(name: "bond0", kind: .bond, uplinks: ["peth0", "peth1"])
        var slave = bondNode(); slave.interfaces[2].up = false
        #expect(Redundancy.status(of: bonded, in: slave).state == .degraded)
        #expect(Redundancy.status(of: bonded, in: slave).usable == ["peth0"])
        var slaves = slave; slaves.interfaces[1].up = false
        #expect(Redundancy.status(of: bonded, in: slaves).state == .down)
    }
}
