// The lab's record: what `lab up` built, journalled before each thing is created, so that
// `lab down` can remove everything also after a crashed or killed `lab up`, and so that
// `lab status`, `lab exec` and `lab drill` find the namespaces, links and monitors by name.
//
// Stored as JSON at <root>/<name>/state.json, root = $XG_SCALE_LAB_ROOT or /run/xg-scale/lab,
// written atomically (SystemIO.Files.writeAtomically) into a trusted directory (SystemIO.Trust).
//
// Topology (the seed's): two switches (bridges with STP in their own namespaces) linked to each
// other by one veth; N nodes, each with one uplink to each switch (veth: node end named as the
// profile names its uplinks, switch end in the switch namespace), a heartbeat veth between
// consecutive nodes, and a "VM" namespace behind each node's bridge (a veth whose node end is a
// bridge port, as a guest's vif would be).

/// One switch: a namespace holding a bridge with STP on.
public struct LabSwitch: Codable, Sendable, Equatable {
    /// "switch1" or "switch2".
    public var name: String
    /// Network namespace name.
    public var namespace: String
    /// The bridge inside `namespace`.
    public var bridge: String
    /// The port in `namespace` that links this switch to the other one.
    public var interSwitchPort: String
    /// Every port of `bridge` (node-facing ports and `interSwitchPort`).
    public var ports: [String]
    /// The bridge's STP priority (switch1 the lowest of the lab: the root) and the timers it
    /// runs with, in seconds (the profile's: the root's timers rule the whole tree).
    public var priority: Int? = nil
    public var forwardDelay: Int? = nil
    public var helloTime: Int? = nil
    public var maxAge: Int? = nil

    public init(name: String, namespace: String, bridge: String, interSwitchPort: String, ports: [String]) {
        self.name = name; self.namespace = namespace; self.bridge = bridge
        self.interSwitchPort = interSwitchPort; self.ports = ports
    }
}

/// One node uplink: the node end (named as the profile names it) and its switch end.
public struct LabUplink: Codable, Sendable, Equatable {
    /// Interface name in the node namespace (the profile's uplink name, e.g. peth0).
    public var name: String
    /// Index into `LabState.switches` of the switch it is cabled to.
    public var switchIndex: Int
    /// The switch-side interface (in that switch's namespace); setting it down "cuts the cable".
    public var switchPort: String

    public init(name: String, switchIndex: Int, switchPort: String) {
        self.name = name; self.switchIndex = switchIndex; self.switchPort = switchPort
    }
}

/// A process the lab started (a monitor per node), with what proves it is still ours.
public struct LabProcess: Codable, Sendable, Equatable {
    /// What it is, e.g. "monitor".
    public var role: String
    /// The node it belongs to.
    public var node: String
    public var pid: Int32
    /// Start time from /proc/PID/stat (field 22), to tell a reused pid from ours.
    public var startTime: UInt64
    /// Where its output goes (a file in the lab's state directory).
    public var log: String

    public init(role: String, node: String, pid: Int32, startTime: UInt64, log: String) {
        self.role = role; self.node = node; self.pid = pid; self.startTime = startTime; self.log = log
    }
}

/// One node: its namespace, the profile applied there, its uplinks and its VM.
public struct LabNode: Codable, Sendable, Equatable {
    /// The inventory node name (or node1, node2, … without an inventory).
    public var name: String
    public var namespace: String
    /// The VM namespace behind this node's bridge.
    public var vmNamespace: String
    /// The VM's interface inside `vmNamespace` and the node-side bridge port of its veth.
    public var vmInterface: String
    public var vmPort: String
    /// The VM's address (CIDR), in the lab's VM subnet.
    public var vmAddress: String
    /// The node's host address (CIDR) as the profile/inventory gave it, without prefix loss.
    public var hostAddress: String?
    public var uplinks: [LabUplink]
    /// The heartbeat interface in this node's namespace (nil when it has none).
    public var heartbeat: String?
    /// The heartbeat's address (CIDR).
    public var heartbeatAddress: String?
    /// The monitor's JSON lines (`xg-scale monitor --json`), in the lab's state directory.
    public var monitorLog: String

    public init(name: String, namespace: String, vmNamespace: String, vmInterface: String, vmPort: String,
                vmAddress: String, hostAddress: String?, uplinks: [LabUplink], heartbeat: String?,
                heartbeatAddress: String?, monitorLog: String) {
        self.name = name; self.namespace = namespace; self.vmNamespace = vmNamespace
        self.vmInterface = vmInterface; self.vmPort = vmPort; self.vmAddress = vmAddress
        self.hostAddress = hostAddress; self.uplinks = uplinks; self.heartbeat = heartbeat
        self.heartbeatAddress = heartbeatAddress; self.monitorLog = monitorLog
    }
}

/// The whole lab.
public struct LabState: Codable, Sendable, Equatable {
    public static let formatVersion = 1
    public var version: Int = LabState.formatVersion
    public var name: String
    /// Absolute path of the profile applied to every node, and of the inventory (if any).
    public var profile: String
    public var inventory: String?
    /// "stp" or "bond" (the profile's redundancy).
    public var redundancy: String
    public var switches: [LabSwitch]
    public var nodes: [LabNode]
    public var processes: [LabProcess]
    /// Every namespace the lab created or is about to create, appended BEFORE `ip netns add`:
    /// `lab down` deletes each that exists. Interfaces die with their namespaces (veths with
    /// either end), so no interface is ever created in the root namespace.
    public var namespaces: [String]
    /// "building" while `lab up` runs, "up" once every node is applied and monitored.
    public var phase: String

    public init(name: String, profile: String, inventory: String?, redundancy: String,
                switches: [LabSwitch] = [], nodes: [LabNode] = [], processes: [LabProcess] = [],
                namespaces: [String] = [], phase: String = "building") {
        self.name = name; self.profile = profile; self.inventory = inventory; self.redundancy = redundancy
        self.switches = switches; self.nodes = nodes; self.processes = processes
        self.namespaces = namespaces; self.phase = phase
    }
}
