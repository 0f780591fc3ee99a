import Testing
import Foundation
import NodeNetwork
@testable import MonitorCore

@Suite struct DampeningTests {
    /// peth1 flips every `step` seconds, `n` times, starting from up.
    func flap(_ c: inout Classifier, _ clock: inout FakeClock, n: Int, step: TimeInterval,
              startCount: Int = 1) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        var up = 1, down = 0
        for k in 1...n {
            if k % 2 == 1 { down += 1 } else { up += 1 }
            let s = stpNode(peth1: k % 2 == 0, counts1: (up, down))
            events += c.observe(.snapshot(s), at: clock.advance(step))
        }
        return events
    }

    @Test func fastFlapsGiveOneAlertThenASummary() {
        var clock = FakeClock()
        var c = Classifier(options: ClassifierOptions(
            dampening: FlapDampening(threshold: 4, window: 10, settle: 30)))
        _ = c.observe(.snapshot(stpNode()), at: clock.now)
        let ev = flap(&c, &clock, n: 20, step: 0.5)
        // Four changes are reported, the fifth starts the flapping alert, the rest is counted.
        #expect(ev.only(.linkDown).count + ev.only(.linkUp).count == 4)
        let alerts = ev.only(.linkFlapping)
        #expect(alerts.count == 1)
        #expect(alerts[0].to == "flapping" && alerts[0].counters["flaps"] == 5)
        #expect(alerts[0].severity == .warning)
        // While flapping, peth1 counts as unusable: DEGRADED once, not toggling.
        #expect(ev.only(.redundancy).map(\.to) == ["degraded", "ok", "degraded", "ok", "degraded"])
        #expect(c.dampener.flapping == ["peth1"])
        // Not settled before `settle` seconds of quiet.
        #expect(c.nextDeadline == clock.now.addingTimeInterval(30))
        #expect(c.tick(at: clock.advance(29)).isEmpty)
        let summary = c.tick(at: clock.advance(1))
        #expect(summary.kinds == ["link-flapping", "redundancy"])
        #expect(summary[0].from == "flapping" && summary[0].to == "stable")
        #expect(summary[0].counters["flaps"] == 20)
        #expect(summary[0].fields["carrier"] == "up" && summary[0].severity == .notice)
        #expect(summary[1].to == "ok")
        #expect(c.nextDeadline == nil)
    }

    @Test func slowChangesAreNeverDampened() {
        var clock = FakeClock()
        var c = Classifier(options: ClassifierOptions(
            dampening: FlapDampening(threshold: 4, window: 10, settle: 30)))
        _ = c.observe(.snapshot(stpNode()), at: clock.now)
        let ev = flap(&c, &clock, n: 12, step: 3)
        #expect(ev.only(.linkFlapping).isEmpty)
        #expect(ev.only(.linkDown).count == 6 && ev.only(.linkUp).count == 6)
    }

    @Test func mergedFlipsCountTowardsFlapping() {
        var clock = FakeClock()
        var c = Classifier(options: ClassifierOptions(
            dampening: FlapDampening(threshold: 4, window: 10, settle: 5)))
        _ = c.observe(.snapshot(stpNode()), at: clock.now)
        // One notification, but the kernel counted six changes: flapping at once.
        let ev = c.observe(.snapshot(stpNode(counts1: (4, 3))), at: clock.advance(1))
        #expect(ev.kinds.first == "link-flapping")
        #expect(ev[0].counters["flaps"] == 6)
    }

    @Test func windowSlides() {
        var d = FlapDampener(FlapDampening(threshold: 2, window: 10, settle: 10))
        let t0 = Date(timeIntervalSince1970: 0)
        #expect(d.record("a", count: 1, at: t0) == .report)
        #expect(d.record("a", count: 1, at: t0 + 5) == .report)
        // The first change left the window: still two within 10 s.
        #expect(d.record("a", count: 1, at: t0 + 10.5) == .report)
        #expect(d.record("a", count: 1, at: t0 + 11) == .startedFlapping(count: 3))
        #expect(d.record("a", count: 1, at: t0 + 12) == .suppressed)
        #expect(d.settled(at: t0 + 21.9).isEmpty)
        #expect(d.settled(at: t0 + 22).map(\.count) == [4])
    }
}
