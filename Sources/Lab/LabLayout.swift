// The lab's plan, pure: every namespace, interface, address and file name `lab up` will create,
// computed from the lab's name and each node's (substituted) profile. Nothing here touches the
// system; LabUp executes this record step by step.
import NodeNetwork

/// One node to build: its inventory name and its profile with the node's variables substituted.
public struct LabNodeInput: Sendable {
    public var name: String
    public var profile: Profile
    public init(name: String, profile: Profile) { self.name = name; self.profile = profile }
}

/// What `lab up` is asked to build.
public struct LabRequest: Sendable {
    public var profilePath: String
    public var inventoryPath: String?
    public var nodes: [LabNodeInput]
    /// This program (run as `apply` and `monitor` inside each node's namespace).
    public var executable: String
    public init(profilePath: String, inventoryPath: String?, nodes: [LabNodeInput], executable: String) {
        self.profilePath = profilePath; self.inventoryPath = inventoryPath
        self.nodes = nodes; self.executable = executable
    }
}

public enum LabLayout {
    public static let switchBridge = "br0", interSwitchPort = "isl", vmInterface = "eth0"
    public static let maxNodes = 60

    public static func namespace(lab: String, _ suffix: String) -> String { "xgl-\(lab)-\(suffix)" }

    /// The record of the whole lab, before anything exists (phase "building", no namespace yet).
    public static func plan(store: LabStore, request: LabRequest) throws -> LabState {
        let nodes = request.nodes
        guard let first = nodes.first?.profile else { throw LabError("no node to build: --nodes must be 1 or more") }
        guard nodes.count <= maxNodes else { throw LabError("--nodes \(nodes.count): a lab has at most \(maxNodes) nodes") }
        for n in nodes { try check(nodeName: n.name) }
        // A profile without STP (a bond on a plain bridge) leaves the switches' timers to the
        // lab: short ones, so the tree settles in seconds, not the kernel's 30 s.
        let stp = first.bridge.stp ?? STPProfile(forwardDelay: 4, helloTime: 1, maxAge: 6)
        let nodePriority = stp.priority ?? STPProfile.kernelPriority
        let (p1, p2) = nodePriority > 8192 ? (4096, 8192) : (0, 1)
        var switches = (1...2).map { i in
            var s = LabSwitch(name: "switch\(i)", namespace: namespace(lab: store.name, "sw\(i)"), bridge: switchBridge,
                              interSwitchPort: interSwitchPort, ports: [interSwitchPort])
            s.priority = i == 1 ? p1 : p2
            s.forwardDelay = stp.forwardDelay ?? STPProfile.kernelForwardDelay
            s.helloTime = stp.helloTime ?? STPProfile.kernelHelloTime
            s.maxAge = stp.maxAge ?? STPProfile.kernelMaxAge
            return s
        }
        var labNodes: [LabNode] = []
        for (i, input) in nodes.enumerated() {
            let node = layoutNode(store: store, index: i, count: nodes.count, input: input)
            for u in node.uplinks { switches[u.switchIndex].ports.append(u.switchPort) }
            labNodes.append(node)
        }
        return LabState(name: store.name, profile: request.profilePath, inventory: request.inventoryPath,
                        redundancy: first.redundancy.rawValue, switches: switches, nodes: labNodes)
    }

    static func check(nodeName: String) throws {
        let ok = !nodeName.isEmpty && nodeName.count <= 32 && nodeName.first != "-"
            && nodeName.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
            && !["sw1", "sw2", "switch1", "switch2"].contains(nodeName) && !nodeName.hasSuffix("-vm")
        guard ok else {
            throw LabError("node name '\(nodeName)' cannot name a lab namespace: use letters, digits, '-', '_' or '.' (at most 32, not sw1/sw2/switch1/switch2, not ending in -vm)")
        }
    }

    static func layoutNode(store: LabStore, index i: Int, count: Int, input: LabNodeInput) -> LabNode {
        let profile = input.profile
        let uplinks = profile.uplinks.enumerated().map { j, name in
            LabUplink(name: name, switchIndex: j % 2, switchPort: "n\(i + 1)u\(j)")
        }
        var heartbeat: String?, heartbeatAddress: String?
        if count > 1 {
            // Node k talks to k+1 on pair k's /30 (the last node: to the one before it).
            let (peer, pair, end) = i + 1 < count ? (i + 2, i, 1) : (i, i - 1, 2)
            heartbeat = "hb\(peer)"
            heartbeatAddress = "203.0.113.\(4 * pair + end)/30"
        }
        let host = profile.host.addresses.first { !$0.contains(":") } ?? profile.host.addresses.first
        return LabNode(name: input.name, namespace: namespace(lab: store.name, input.name),
                       vmNamespace: namespace(lab: store.name, input.name + "-vm"), vmInterface: vmInterface,
                       vmPort: vmPort(for: profile), vmAddress: "198.51.100.\(i + 1)/24", hostAddress: host,
                       uplinks: uplinks, heartbeat: heartbeat, heartbeatAddress: heartbeatAddress,
                       monitorLog: store.path("\(input.name).monitor.jsonl"))
    }

    /// A Xen-style guest port name (vifD.0) that the profile does not use itself.
    static func vmPort(for profile: Profile) -> String {
        var used = Set(profile.uplinks + profile.bridgePorts + [profile.bridge.name, profile.hostInterface])
        if let bond = profile.bond { used.insert(bond.name) }
        return (1...99).map { "vif\($0).0" }.first { !used.contains($0) } ?? "vif99.0"
    }

    /// The namespaces of the lab in creation order: switches, then each node and its VM.
    public static func namespaces(of state: LabState) -> [String] {
        state.switches.map(\.namespace) + state.nodes.flatMap { [$0.namespace, $0.vmNamespace] }
    }
}
