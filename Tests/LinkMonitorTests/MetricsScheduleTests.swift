import Testing
import Foundation
@testable import LinkMonitor

/// The metrics file's write schedule on an injected clock: coalesced to one write per interval,
/// never more than one interval behind, and failures said once then rate-limited.
@Suite struct MetricsScheduleTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func aBurstOfChangesGivesOneWriteNowAndOneAtTheEndOfTheInterval() {
        var s = MetricsSchedule(interval: 1)
        let firstWrites = s.changed(at: t0) == .write
        #expect(firstWrites)
        _ = s.succeeded(at: t0)
        // 1000 changes within the next interval: one wake-up, at the interval's end.
        var steps: [MetricsSchedule.Step] = []
        for k in 1...1000 { steps.append(s.changed(at: t0.addingTimeInterval(Double(k) * 0.0009))) }
        #expect(steps.first == .wake(t0.addingTimeInterval(1)))
        #expect(steps.dropFirst().allSatisfy { $0 == .wait })
        let notYet = !s.fired(at: t0.addingTimeInterval(0.999))
        #expect(notYet)
        let dueNow = s.fired(at: t0.addingTimeInterval(1))
        #expect(dueNow)
        _ = s.succeeded(at: t0.addingTimeInterval(1))
        let nothingLeft = !s.fired(at: t0.addingTimeInterval(1.1))
        #expect(nothingLeft)  // nothing scheduled any more
        // Under a backlog the timer comes late: the next change past the due time writes.
        let wakesAtNextInterval = s.changed(at: t0.addingTimeInterval(1.2)) == .wake(t0.addingTimeInterval(2))
        #expect(wakesAtNextInterval)
        let lateChangeWrites = s.changed(at: t0.addingTimeInterval(2.3)) == .write
        #expect(lateChangeWrites)
        _ = s.succeeded(at: t0.addingTimeInterval(2.3))
        let timerFindsItDone = !s.fired(at: t0.addingTimeInterval(2.4))
        #expect(timerFindsItDone)
        // A change long after the last write is written at once.
        let longAfterWrites = s.changed(at: t0.addingTimeInterval(5)) == .write
        #expect(longAfterWrites)
    }

    @Test func aFailingWriteIsSaidOnceThenAtMostEveryMinuteAndRecoveryIsSaid() {
        var s = MetricsSchedule(interval: 0.5, reportEvery: 60)
        var reports: [String] = []
        var t = t0
        for _ in 0..<200 {  // 100 s of failures, one attempt per interval
            let r = s.failed("cannot write x.prom: Is a directory", at: t)
            #expect(r.retry == t.addingTimeInterval(0.5))
            if let line = r.report { reports.append(line) }
            t = t.addingTimeInterval(0.5)
        }
        #expect(reports.count == 2, "\(reports)")
        #expect(reports[0].hasPrefix("cannot write x.prom: Is a directory; retrying every 0.5 s"))
        #expect(reports[1].contains("still failing: 121 attempts"))
        #expect(s.succeeded(at: t) == "metrics file written again after 200 failed attempt(s)")
        #expect(s.succeeded(at: t.addingTimeInterval(1)) == nil)
    }
}
