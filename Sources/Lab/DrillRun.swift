// `lab drill`'s engine: per scenario, probes flowing, the cut, the hold until the traffic is back
// (or the bound has passed), the restore, and the wait until redundancy is back; with --compare
// the same again under the kernel's default STP timers, then the lab's timers put back.
import Foundation

public enum Drill {
    public static func run(_ request: DrillRequest, progress: @escaping @Sendable (String) -> Void) throws -> DrillReport {
        let lab = try DrillLab.load(name: request.name, root: request.root)
        if request.compare && lab.isBond {
            throw DrillError("--compare sets kernel-default STP timers: lab '\(request.name)' runs a bond profile, which has none; drop --compare")
        }
        DrillUndo.shared.onSignals { line in progress(line) }
        var notes: [String] = []
        let paths = try probePaths(lab, notes: &notes)
        var run = DrillScenarioRun(lab: lab, paths: paths, request: request, progress: progress)
        var entries = try run.all(timers: "profile")
        if request.compare && entries.allSatisfy(\.restored) {
            entries += try withKernelDefaults(lab, progress: progress) { try run.all(timers: "kernel-default") }
        }
        return DrillReport(lab: request.name, intervalMs: request.intervalMs, entries: entries, notes: notes + run.notes)
    }

    /// The VM stream (always) and the host stream (when both nodes have host addresses and no route out).
    static func probePaths(_ lab: DrillLab, notes: inout [String]) throws -> [ProbePath] {
        let a = lab.first, b = lab.second
        for ns in [a.vmNamespace, b.vmNamespace] {
            if let r = try DrillKernel.defaultRoutes(ns).first {
                throw DrillError("VM namespace \(ns) has a route out (\(r)): the drill probes only inside the lab; remove it with `ip -n \(ns) route del default`")
            }
        }
        var paths = [ProbePath(path: "vm", fromNode: a.name, toNode: b.name, nearNamespace: a.vmNamespace,
                               farNamespace: b.vmNamespace, farAddress: addressOnly(b.vmAddress), port: 47110)]
        guard let host = b.hostAddress, a.hostAddress != nil, !host.contains(":") else {
            notes.append("host probes not run: the nodes have no IPv4 host address in the lab record")
            return paths
        }
        let routes = try DrillKernel.defaultRoutes(a.namespace) + DrillKernel.defaultRoutes(b.namespace)
        if let r = routes.first {
            notes.append("host probes not run: a node namespace has a route out (\(r)); probes stay inside the lab")
        } else {
            paths.append(ProbePath(path: "host", fromNode: a.name, toNode: b.name, nearNamespace: a.namespace,
                                   farNamespace: b.namespace, farAddress: addressOnly(host), port: 47111))
        }
        return paths
    }

    /// Set the kernel's default STP timers on every bridge of the lab, run `body`, put the timers
    /// in effect before back (also when `body` throws).
    static func withKernelDefaults(_ lab: DrillLab, progress: (String) -> Void,
                                   _ body: () throws -> [DrillEntry]) throws -> [DrillEntry] {
        let bridges = try lab.bridges()
        // Put back: a switch's recorded timers (what lab up set), else the timers in effect now.
        let recorded = lab.state.switches.map { s -> STPTimers? in
            guard let f = s.forwardDelay, let h = s.helloTime, let m = s.maxAge else { return nil }
            return STPTimers(forwardDelayMs: f * 1000, helloMs: h * 1000, maxAgeMs: m * 1000)
        }
        let saved = try bridges.enumerated().map { i, b in
            try (i < recorded.count ? recorded[i] : nil) ?? DrillKernel.stpTimers(b.ns, b.bridge)
        }
        progress("compare: kernel-default STP timers (forward delay 15 s, hello 2 s, max age 20 s) on \(bridges.count) bridges")
        func setAll(_ timers: [STPTimers]) throws {
            for (b, t) in zip(bridges, timers) { try DrillKernel.setSTPTimers(b.ns, b.bridge, t) }
            let node = bridges[bridges.count - lab.state.nodes.count]
            _ = waitFor(timeout: 15) { (try? DrillKernel.stpTimers(node.ns, node.bridge)) == timers[bridges.count - lab.state.nodes.count] }
        }
        DrillUndo.shared.changedTimers(zip(bridges, saved).map { ($0.0.ns, $0.0.bridge, $0.1) })
        try setAll(Array(repeating: .kernelDefault, count: bridges.count))
        let result: [DrillEntry]
        do { result = try body() } catch { try? setAll(saved); throw error }
        try setAll(saved)
        DrillUndo.shared.timersBack()
        progress("compare: the lab's STP timers put back")
        return result
    }
}

/// Poll `condition` every 50 ms for at most `timeout` seconds.
func waitFor(timeout: Double, _ condition: () -> Bool) -> Bool {
    let end = ProbeClock.now() + timeout
    while ProbeClock.now() < end {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
