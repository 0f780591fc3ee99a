// One scenario, step by step: redundancy first, probes flowing, cut, hold, restore, redundancy
// back; then the outage each probe stream measured, and the monitors' lines in between.
import Foundation

struct DrillScenarioRun {
    let lab: DrillLab
    let paths: [ProbePath]
    let request: DrillRequest
    let progress: (String) -> Void
    var notes: [String] = []

    /// Every requested scenario; stops early when one leaves the lab without redundancy.
    mutating func all(timers tag: String) throws -> [DrillEntry] {
        var out: [DrillEntry] = []
        for s in request.scenarios {
            let e = try one(s, tag: tag)
            out.append(e)
            if !e.restored {
                let rest = request.scenarios.drop { $0 != s }.dropFirst().map(\.rawValue)
                if !rest.isEmpty { notes.append("not run (\(tag) timers): \(rest.joined(separator: ", ")): redundancy did not come back after \(s.rawValue)") }
                break
            }
        }
        return out
    }

    /// Seconds to wait for redundancy to come back: twice the worst STP reconvergence, plus 60 s.
    /// The 60 s: after a restore the guests' traffic was measured cut up to ~35 s beyond STP's
    /// reconvergence (suspected, not confirmed: FDB entries on a port STP has just blocked,
    /// until ARP re-resolves them; reachable time 15-45 s, then probes).
    func settleTimeout(_ t: DrillTimers) -> Double {
        if case .stp(let s) = t { return Double(2 * (2 * s.forwardDelayMs + s.maxAgeMs + s.helloMs)) / 1000 + 60 }
        return 60
    }

    /// Redundancy back in the kernel and the monitors' logs, and the probes flowing, for `hold` s on end.
    func waitRedundant(timeout: Double, hold: Double, probes: ProbeSet?) -> Bool {
        var since: Double?
        return waitFor(timeout: timeout) {
            let ok = ((try? lab.redundant()) ?? false) && MonitorLogs.allOK(lab.state.nodes)
                && (probes?.flowing(slack: slack) ?? true)
            let now = ProbeClock.now()
            if !ok { since = nil } else if since == nil { since = now }
            return since.map { now - $0 >= hold } ?? false
        }
    }

    /// Probes that may be in flight without the stream counting as stopped (300 ms' worth).
    var slack: Int { max(3, 300 / request.intervalMs) }

    func hold(_ t: DrillTimers) -> Double {
        if case .stp(let s) = t { return Double(2 * s.helloMs) / 1000 + 0.5 }
        return 1
    }

    mutating func one(_ scenario: DrillScenario, tag: String) throws -> DrillEntry {
        let before = try lab.timers()
        guard waitRedundant(timeout: settleTimeout(before), hold: hold(before), probes: nil) else {
            throw DrillError("lab '\(lab.state.name)' is not redundant before \(scenario.rawValue) (an uplink or switch port down, STP not converged, or a monitor not ok): see `xg-scale lab status`")
        }
        let timers = try lab.timers()
        let bound = DrillBound.of(scenario, timers: timers)
        let probes = try ProbeSet(paths: paths, executable: request.executable, intervalMs: request.intervalMs)
        defer { probes.stop() }
        usleep(500_000)
        let offsets = MonitorLogs.offsets(lab.state.nodes)
        let cut = try lab.cut(scenario)
        let cutAt = ProbeClock.now()
        DrillUndo.shared.cut(cut)
        defer { DrillUndo.shared.undoAll() }
        for ns in cut.map(\.ns).reduce(into: [String](), { if !$0.contains($1) { $0.append($1) } }) {
            try DrillKernel.setLinks(ns, cut.filter { $0.ns == ns }.map(\.dev), up: false)
        }
        progress("\(scenario.rawValue) (\(tag) timers): cut \(cut.map { "\($0.dev)@\($0.ns)" }.joined(separator: " ")); bound \(bound.ms) ms")
        holdCut(scenario, bound: bound, steady: hold(timers), since: cutAt, probes: probes)
        // Taken before the restore: a gap the restore causes (a bond failing back after updelay
        // into a switch port STP still holds in listening) may start before `ip` returns (TCG).
        let restoreAt = ProbeClock.now()
        try DrillUndo.shared.restoreLinks()
        let restored = waitRedundant(timeout: settleTimeout(timers), hold: hold(timers), probes: probes)
        progress("\(scenario.rawValue) (\(tag) timers): restored after \(Int(ProbeClock.now() - restoreAt)) s: \(restored ? "redundancy ok" : "redundancy NOT back")")
        let events = MonitorLogs.since(offsets, nodes: lab.state.nodes)
        let measured = zip(paths, try probes.finish()).map { measure($0.0, $0.1, cutAt: cutAt, restoreAt: restoreAt) }
        return DrillEntry(scenario: scenario, timers: tag, outageMs: measured.map(\.outageMs).max() ?? 0, bound: bound,
                          restored: restored, events: events, cut: cut.map { "\($0.ns):\($0.dev)" },
                          restoreOutageMs: measured.map(\.restoreOutageMs).max() ?? 0, probes: measured)
    }

    /// Keep the cut until the traffic has been back for a while after the failover (carrier
    /// scenarios: 2 × hello-time + 0.5 s, as for redundancy), or until the bound plus a second has
    /// passed, plus that while (also for a cut the node cannot see).
    func holdCut(_ scenario: DrillScenario, bound: DrillBound, steady: Double, since cutAt: Double, probes: ProbeSet) {
        let limit = Double(bound.ms) / 1000 + steady + 1
        var stopped = false
        var back: Double?
        _ = waitFor(timeout: limit) {
            let now = ProbeClock.now()
            if !probes.flowing(slack: slack) { stopped = true; back = nil } else if stopped && back == nil { back = now }
            return scenario.nodeSeesCarrierLoss && back.map { now - $0 >= steady } ?? false
        }
    }

    func measure(_ p: ProbePath, _ r: ProbeReport, cutAt: Double, restoreAt: Double) -> DrillProbe {
        let interval = Double(r.intervalMs) / 1000
        let end = r.gaps.map { $0.lostAt + Double($0.count) * interval }.max() ?? restoreAt
        func span(_ gaps: [ProbeGap]) -> Int {
            guard let first = gaps.first else { return 0 }
            let back = gaps.last!.backAt ?? end
            return Int(((back - first.lostAt) / interval).rounded()) * r.intervalMs
        }
        let cutGaps = r.gaps.filter { $0.lostAt >= cutAt - interval && $0.lostAt < restoreAt }
        let restoreGaps = r.gaps.filter { $0.lostAt >= restoreAt }
        return DrillProbe(path: p.path, from: p.fromNode, to: p.toNode, sent: r.sent, received: r.received,
                          outageMs: span(cutGaps), restoreOutageMs: span(restoreGaps))
    }
}
