// `lab drill`: what it is asked, what it reports. The JSON contract (issue 10) is
// {"scenarios":[{"scenario","outage_ms","bound_ms","restored","events":[…monitor lines…]}]};
// every other member is an extension and may be added to, never renamed.
import Foundation

public enum DrillScenario: String, CaseIterable, Sendable {
    /// The cable of node 1's active uplink (STP: the root port; bond: the active slave), cut at the switch.
    case activeUplinkCut = "active-uplink-cut"
    /// Every port of switch1 down.
    case switchPowerOff = "switch-power-off"
    /// The link between the two switches.
    case interSwitchLinkCut = "inter-switch-link-cut"

    /// True when the node sees carrier loss (the cut reaches one of its uplinks).
    var nodeSeesCarrierLoss: Bool { self != .interSwitchLinkCut }
}

public struct DrillRequest: Sendable {
    public var name: String
    public var scenarios: [DrillScenario]
    public var compare: Bool
    public var intervalMs: Int
    /// Where labs live: $XG_SCALE_LAB_ROOT or /run/xg-scale/lab.
    public var root: String
    /// This executable (spawned under `ip netns exec` as `lab-probe`).
    public var executable: String

    public init(name: String, scenarios: [DrillScenario], compare: Bool, intervalMs: Int, root: String, executable: String) {
        self.name = name; self.scenarios = scenarios; self.compare = compare; self.intervalMs = intervalMs
        self.root = root; self.executable = executable
    }

    public static func defaultRoot(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["XG_SCALE_LAB_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/xg-scale/lab"
    }
}

/// The drill could not run (exit 1): no such lab, lab not up, a kernel refusal, probes not flowing.
public struct DrillError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One probe stream's view of a scenario.
public struct DrillProbe: Sendable {
    public var path: String
    public var from: String
    public var to: String
    public var sent: Int
    public var received: Int
    public var outageMs: Int
    public var restoreOutageMs: Int
}

/// One scenario's result.
public struct DrillEntry: @unchecked Sendable {
    public var scenario: DrillScenario
    /// "profile" or "kernel-default" (--compare).
    public var timers: String
    public var outageMs: Int
    public var bound: DrillBound
    public var restored: Bool
    /// The monitors' JSON lines logged between the cut and the restore, each with "node" added.
    public var events: [[String: Any]]
    public var cut: [String]
    public var restoreOutageMs: Int
    public var probes: [DrillProbe]

    public var withinBound: Bool { outageMs <= bound.ms }
    public var passed: Bool { withinBound && restored }

    public func json(intervalMs: Int) -> [String: Any] {
        ["scenario": scenario.rawValue, "outage_ms": outageMs, "bound_ms": bound.ms, "restored": restored,
         "events": events, "timers": timers, "bound_basis": bound.basis, "within_bound": withinBound,
         "interval_ms": intervalMs, "cut": cut, "restore_outage_ms": restoreOutageMs,
         "probes": probes.map { ["path": $0.path, "from": $0.from, "to": $0.to, "sent": $0.sent,
                                 "received": $0.received, "outage_ms": $0.outageMs,
                                 "restore_outage_ms": $0.restoreOutageMs] as [String: Any] }]
    }
}

public struct DrillReport: @unchecked Sendable {
    public var lab: String
    public var intervalMs: Int
    public var entries: [DrillEntry]
    public var notes: [String]

    /// 0 when every outage is within its bound and redundancy came back, 2 when not.
    public var exitCode: Int32 { entries.allSatisfy(\.passed) ? 0 : 2 }

    public func json() -> [String: Any] {
        ["lab": lab, "interval_ms": intervalMs, "notes": notes,
         "scenarios": entries.map { $0.json(intervalMs: intervalMs) }]
    }
}
