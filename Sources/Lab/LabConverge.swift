// Wait until the lab's spanning tree has settled: no bridge port of a switch or a node still
// listening or learning, read from `bridge -n NS -j link`, polled, with a bound derived from
// the timers (never a fixed sleep).
import Foundation
import SystemIO

extension LabEngine {
    /// Seconds it took; throws when the tree has not settled within 2 x forward-delay + max-age + 10 s.
    static func waitForConvergence(_ state: LabState) throws -> Double {
        let s = state.switches.first
        let bound = Double(2 * (s?.forwardDelay ?? 15) + (s?.maxAge ?? 20) + 10)
        let start = Date()
        var settledOnce = false
        while true {
            try checkInterrupted()
            let transient = transientPorts(state)
            if transient.isEmpty {
                if settledOnce { return Date().timeIntervalSince(start) }
                settledOnce = true
            } else {
                settledOnce = false
            }
            if Date().timeIntervalSince(start) > bound {
                throw LabError("the lab's spanning tree did not settle within \(Int(bound)) s (still in transition: \(transient.joined(separator: ", ")))")
            }
            usleep(100_000)
        }
    }

    /// "namespace/port state" for every bridge port still listening or learning.
    static func transientPorts(_ state: LabState) -> [String] {
        let namespaces = state.switches.map(\.namespace) + state.nodes.map(\.namespace)
        return namespaces.flatMap { ns in
            portStates(ns).filter { ["listening", "learning"].contains($0.state) }.map { "\(ns)/\($0.name) \($0.state ?? "")" }
        }
    }

    /// Every bridge port in the namespace (of `bridge`, or of any bridge) with its STP state.
    static func portStates(_ namespace: String, bridge: String? = nil) -> [LabPortStatus] {
        guard let r = try? Command.labRun([Command.bridge, "-n", namespace, "-j", "link", "show"]), r.status == 0,
              let a = try? JSONSerialization.jsonObject(with: Data(r.stdout)) as? [[String: Any]] else { return [] }
        return a.filter { p in bridge.map { p["master"] as? String == $0 } ?? (p["master"] != nil) }.compactMap { p in
            (p["ifname"] as? String).map { LabPortStatus(name: $0, state: p["state"] as? String) }
        }
    }
}
