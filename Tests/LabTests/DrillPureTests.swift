// The drill's pure parts: the bound per scenario and timers, and the outage runs from a probe
// stream's send times and echoes (no root, no kernel).
import Testing
import Lab

@Suite struct DrillPureTests {
    let profile = DrillTimers.stp(STPTimers(forwardDelayMs: 4_000, helloMs: 1_000, maxAgeMs: 6_000))

    @Test func stpBoundIsTwiceForwardDelayPlusTheDetectionDelay() {
        #expect(DrillBound.of(.activeUplinkCut, timers: profile).ms == 9_000)
        #expect(DrillBound.of(.switchPowerOff, timers: profile).ms == 9_000)
        // No carrier loss at the node: stored BPDU information has to age out (max age) first.
        #expect(DrillBound.of(.interSwitchLinkCut, timers: profile).ms == 15_000)
        #expect(DrillBound.of(.activeUplinkCut, timers: .stp(.kernelDefault)).ms == 32_000)
        #expect(DrillBound.of(.activeUplinkCut, timers: profile).basis.contains("forward-delay 4000 ms"))
    }

    @Test func bondBoundIsMiimonPlusUpdelayOrTheArpMonitors() {
        let mii = DrillTimers.bond(BondTimers(miimonMs: 100, updelayMs: 200, arpIntervalMs: 0, arpMissedMax: 2))
        #expect(DrillBound.of(.activeUplinkCut, timers: mii).ms == 300)
        let arp = DrillTimers.bond(BondTimers(miimonMs: 0, updelayMs: 0, arpIntervalMs: 500, arpMissedMax: 2))
        #expect(DrillBound.of(.activeUplinkCut, timers: arp).ms == 1_500)
        #expect(DrillBound.of(.activeUplinkCut, timers: arp).basis.contains("arp_interval"))
    }

    @Test func gapsRunFromTheFirstLostToTheFirstReceivedAgain() {
        let times = (0..<10).map { Double($0) * 0.01 }
        let received = [true, true, false, false, false, true, true, false, true, false]
        let gaps = ProbeReport.gaps(sendTimes: times, received: received)
        #expect(gaps.map(\.firstLost) == [2, 7, 9])
        #expect(gaps.map(\.count) == [3, 1, 1])
        #expect(gaps[0].lostAt == 0.02 && gaps[0].backAt == 0.05)
        #expect(gaps[2].backAt == nil, "lost until the end: no probe came back")
        #expect(ProbeReport.gaps(sendTimes: times, received: Array(repeating: true, count: 10)).isEmpty)
    }

    @Test func scenarioNamesAreTheContracts() {
        #expect(DrillScenario.allCases.map(\.rawValue) == ["active-uplink-cut", "switch-power-off", "inter-switch-link-cut"])
    }
}
