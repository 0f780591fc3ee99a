import Foundation
import Testing
@testable import Netlink

/// When the link event stream dumps again after an overrun or a failed dump: at once the first
/// time, then backing off (25 ms doubling, at most 2 s) while dumps keep failing, and at once
/// again after a clean one. Time is passed in.
@Suite struct ResyncScheduleTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func repeatedFailuresBackOffUpToTwoSecondsAndACleanDumpResets() {
        var s = ResyncSchedule()
        var delays: [Double] = []
        for _ in 0..<10 {
            s.schedule(.overrun, now: t0)
            delays.append((s.due.timeIntervalSince(t0) * 1000).rounded())
            let early = s.take(now: s.due.addingTimeInterval(-0.001))
            #expect(delays.last == 0 || early == nil)
            #expect(s.take(now: s.due) == .overrun)
            #expect(s.take(now: s.due) == nil)  // taken once
        }
        #expect(delays == [0, 25, 50, 100, 200, 400, 800, 1600, 2000, 2000])
        s.succeeded()
        s.schedule(.overrun, now: t0)
        #expect(s.due == t0)
    }

    @Test func aPendingInitialDumpStaysInitial() {
        var s = ResyncSchedule()
        s.schedule(.initial, now: t0)
        s.schedule(.overrun, now: t0)
        #expect(s.take(now: t0.addingTimeInterval(5)) == .initial)
    }
}
