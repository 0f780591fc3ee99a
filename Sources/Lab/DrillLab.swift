// The lab as the drill sees it: the record `lab up` wrote, and what the kernel says about it now
// (which uplink is active, which timers are in effect, whether redundancy is back).
import Foundation
import SystemIO

struct DrillLab {
    let state: LabState

    static func load(name: String, root: String) throws -> DrillLab {
        let path = "\(root)/\(name)/state.json"
        let bytes: [UInt8]?
        do { bytes = try Files.read(path, what: "lab record", maxBytes: 1 << 22, trusted: true) } catch {
            throw DrillError("lab '\(name)': \(error)")
        }
        guard let bytes else {
            throw DrillError("no lab named '\(name)' (no \(path)): start it with `xg-scale lab up --name \(name)`, or name a running one with --name")
        }
        let state: LabState
        do { state = try JSONDecoder().decode(LabState.self, from: Data(bytes)) } catch {
            throw DrillError("\(path): not a lab record this xg-scale reads (\(error)): recreate the lab with `xg-scale lab down --name \(name)` and `xg-scale lab up --name \(name)`")
        }
        guard state.phase == "up" else {
            throw DrillError("lab '\(name)' is not up (phase \(state.phase), \(path)): finish it with `xg-scale lab down --name \(name)` then `xg-scale lab up --name \(name)`")
        }
        guard state.nodes.count >= 2, state.switches.count >= 2, state.nodes.allSatisfy({ !$0.uplinks.isEmpty }) else {
            throw DrillError("lab '\(name)' has \(state.nodes.count) node(s) and \(state.switches.count) switch(es): a drill needs two switches and two nodes with uplinks (`xg-scale lab up --nodes 2`)")
        }
        let present = try DrillKernel.namespaces()
        let needed = state.switches.map(\.namespace) + state.nodes.flatMap { [$0.namespace, $0.vmNamespace] }
        if let gone = needed.first(where: { !present.contains($0) }) {
            throw DrillError("lab '\(name)' is not up: its namespace \(gone) is gone: `xg-scale lab down --name \(name)` then `xg-scale lab up --name \(name)`")
        }
        return DrillLab(state: state)
    }

    var first: LabNode { state.nodes[0] }
    var second: LabNode { state.nodes[1] }

    /// The node's redundancy group: the bridge or bond its uplinks are enslaved to.
    func group(of node: LabNode) throws -> String {
        let link = try DrillKernel.link(node.namespace, node.uplinks[0].name)
        guard let master = link["master"] as? String else {
            throw DrillError("\(node.name): uplink \(node.uplinks[0].name) has no master in \(node.namespace): the profile is not applied")
        }
        return master
    }

    var isBond: Bool { state.redundancy == "bond" }

    /// The timers in effect on node 1's group.
    func timers() throws -> DrillTimers {
        let g = try group(of: first)
        return isBond ? .bond(try DrillKernel.bondTimers(first.namespace, g))
                      : .stp(try DrillKernel.stpTimers(first.namespace, g))
    }

    /// Node 1's active uplink: STP the forwarding one (toward the root), bond the active slave.
    func activeUplink() throws -> LabUplink {
        let node = first
        if isBond {
            let data = DrillKernel.infoData(try DrillKernel.link(node.namespace, try group(of: node)))
            if let active = data["active_slave"] as? String, let u = node.uplinks.first(where: { $0.name == active }) { return u }
        } else {
            let states = try DrillKernel.portStates(node.namespace)
            if let u = node.uplinks.first(where: { states[$0.name] == "forwarding" }) { return u }
        }
        throw DrillError("\(node.name) has no active uplink now (\(node.uplinks.map(\.name).joined(separator: ", "))): the lab is not redundant, see `xg-scale lab status`")
    }

    /// The switch-side interfaces a scenario sets down: (namespace, interface).
    func cut(_ scenario: DrillScenario) throws -> [(ns: String, dev: String)] {
        switch scenario {
        case .activeUplinkCut:
            let u = try activeUplink()
            return [(state.switches[u.switchIndex].namespace, u.switchPort)]
        case .switchPowerOff:
            let s = state.switches[0]
            return s.ports.map { (s.namespace, $0) }
        case .interSwitchLinkCut:
            let s = state.switches[0]
            return [(s.namespace, s.interSwitchPort)]
        }
    }

    /// Redundancy is back in the kernel: every switch port and uplink has carrier and no STP port
    /// is listening or learning; every node has an active uplink.
    func redundant() throws -> Bool {
        let steady: Set<String> = ["forwarding", "blocking"]
        for s in state.switches {
            let states = try DrillKernel.portStates(s.namespace)
            for p in s.ports {
                guard DrillKernel.hasCarrier(try DrillKernel.link(s.namespace, p)), steady.contains(states[p] ?? "") else { return false }
            }
        }
        for n in state.nodes {
            for u in n.uplinks where !DrillKernel.hasCarrier(try DrillKernel.link(n.namespace, u.name)) { return false }
            if isBond {
                let data = DrillKernel.infoData(try DrillKernel.link(n.namespace, try group(of: n)))
                if data["active_slave"] == nil { return false }
            } else {
                let states = try DrillKernel.portStates(n.namespace)
                let uplinkStates = n.uplinks.map { states[$0.name] ?? "" }
                if !uplinkStates.allSatisfy(steady.contains) || !uplinkStates.contains("forwarding") { return false }
            }
        }
        return true
    }

    /// Every STP bridge of the lab: the switches' and each node's group.
    func bridges() throws -> [(ns: String, bridge: String)] {
        try state.switches.map { ($0.namespace, $0.bridge) } + state.nodes.map { ($0.namespace, try group(of: $0)) }
    }
}

func addressOnly(_ cidr: String) -> String {
    String(cidr.split(separator: "/").first ?? Substring(cidr))
}
