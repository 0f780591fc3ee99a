// `lab status`: the lab as the kernel and the monitors see it now, read independently of the
// record's claims: `ip -j -d link` per node (carrier, bridge port state or bond slave state),
// `bridge -j link` per switch, /proc for the monitors, the monitors' own JSON lines.
import Foundation
import SystemIO

public struct LabUplinkStatus: Codable, Sendable, Equatable {
    public var name: String
    public var `switch`: String
    public var exists: Bool
    public var carrier: Bool
    /// The bridge port's STP state (forwarding, blocking, listening, learning, disabled) or the
    /// bond slave's state (active, backup); nil when the uplink is in neither.
    public var state: String?

    // nil is written as null, so a script sees every key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(`switch`, forKey: .switch)
        try c.encode(exists, forKey: .exists); try c.encode(carrier, forKey: .carrier)
        try c.encode(state, forKey: .state)
    }
    enum CodingKeys: String, CodingKey { case name, `switch`, exists, carrier, state }
}

public struct LabMonitorStatus: Codable, Sendable, Equatable {
    public var pid: Int32?
    public var alive: Bool
    public var log: String

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid); try c.encode(alive, forKey: .alive); try c.encode(log, forKey: .log)
    }
    enum CodingKeys: String, CodingKey { case pid, alive, log }
}

public struct LabNodeStatus: Codable, Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var uplinks: [LabUplinkStatus]
    /// The uplink traffic goes through: the forwarding bridge port, or the bond's active slave.
    public var activeUplink: String?
    public var monitor: LabMonitorStatus
    /// The last redundancy state the monitor logged (ok, degraded, down), nil before its first.
    public var redundancy: String?
    enum CodingKeys: String, CodingKey {
        case name, namespace, uplinks, monitor, redundancy, activeUplink = "active-uplink"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(namespace, forKey: .namespace)
        try c.encode(uplinks, forKey: .uplinks); try c.encode(activeUplink, forKey: .activeUplink)
        try c.encode(monitor, forKey: .monitor); try c.encode(redundancy, forKey: .redundancy)
    }
}

public struct LabPortStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: String?

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(state, forKey: .state)
    }
    enum CodingKeys: String, CodingKey { case name, state }
}

public struct LabSwitchStatus: Codable, Sendable, Equatable {
    public var name: String
    public var namespace: String
    /// Whether this switch is the STP root bridge (it has no root port).
    public var root: Bool
    public var ports: [LabPortStatus]
}

public struct LabStatus: Codable, Sendable, Equatable {
    public var name: String
    public var phase: String
    public var profile: String
    public var redundancy: String
    public var nodes: [LabNodeStatus]
    public var switches: [LabSwitchStatus]
}

extension LabEngine {
    public static func status(store: LabStore) throws -> LabStatus {
        guard let state = try store.load() else {
            throw LabError("no lab named '\(store.name)' (no \(store.statePath)): start one with `xg-scale lab up --name \(store.name)`")
        }
        let live = Set(try existingNamespaces())
        let nodes = state.nodes.map { node in
            nodeStatus(node, state: state, links: live.contains(node.namespace) ? links(node.namespace) : [])
        }
        let switches = state.switches.map { s in
            let present = live.contains(s.namespace)
            return LabSwitchStatus(name: s.name, namespace: s.namespace,
                                   root: present && isRoot(links(s.namespace), bridge: s.bridge),
                                   ports: present ? bridgePorts(s.namespace, bridge: s.bridge) : [])
        }
        return LabStatus(name: state.name, phase: state.phase, profile: state.profile, redundancy: state.redundancy,
                         nodes: nodes, switches: switches)
    }

    static func nodeStatus(_ node: LabNode, state: LabState, links: [[String: Any]]) -> LabNodeStatus {
        var active: String?
        let uplinks = node.uplinks.map { u -> LabUplinkStatus in
            let link = links.first { $0["ifname"] as? String == u.name }
            let flags = link?["flags"] as? [String] ?? []
            let info = link?["linkinfo"] as? [String: Any]
            let slave = info?["info_slave_data"] as? [String: Any]
            let state = (slave?["state"] as? String)?.lowercased()
            if active == nil, state == "forwarding" || state == "active" { active = u.name }
            return LabUplinkStatus(name: u.name, switch: "switch\(u.switchIndex + 1)", exists: link != nil,
                                   carrier: flags.contains("LOWER_UP"), state: state)
        }
        for link in links {
            if let data = (link["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any],
               let slave = data["active_slave"] as? String { active = slave }
        }
        let process = state.processes.last { $0.node == node.name && $0.role == "monitor" }
        let alive = process.map { Processes.identity(of: $0.pid)?.startTime == $0.startTime } ?? false
        return LabNodeStatus(name: node.name, namespace: node.namespace, uplinks: uplinks, activeUplink: active,
                             monitor: LabMonitorStatus(pid: process?.pid, alive: alive, log: node.monitorLog),
                             redundancy: lastRedundancy(node.monitorLog))
    }

    /// `ip -n NS -j -d link show` as JSON objects ([] when it cannot be read).
    static func links(_ namespace: String) -> [[String: Any]] {
        guard let r = try? Command.labRun([Command.ip, "-n", namespace, "-j", "-d", "link", "show"]), r.status == 0,
              let a = try? JSONSerialization.jsonObject(with: Data(r.stdout)) as? [[String: Any]] else { return [] }
        return a
    }

    static func isRoot(_ links: [[String: Any]], bridge: String) -> Bool {
        guard let link = links.first(where: { $0["ifname"] as? String == bridge }),
              let data = (link["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any],
              let rootPort = data["root_port"] as? Int else { return false }
        // No root port: this bridge is the root. (Some iproute2 versions print root_id wrong.)
        return rootPort == 0
    }

    /// The bridge's ports and their STP states (`bridge -n NS -j link`).
    static func bridgePorts(_ namespace: String, bridge: String) -> [LabPortStatus] {
        portStates(namespace, bridge: bridge)
    }

    /// The `to` of the last `redundancy` event in a monitor's JSON lines.
    static func lastRedundancy(_ log: String) -> String? {
        guard let bytes = try? Files.read(log, what: "monitor log", maxBytes: 64 << 20) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").reversed() {
            guard line.contains("\"redundancy\""),
                  let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["event"] as? String == "redundancy" else { continue }
            return (o["to"] as? String)?.lowercased()
        }
        return nil
    }
}
