// The node-side protocol: one JSON object per line. The coordinator sends a NodeTask, the node
// answers NodeFacts (listeners already open), the coordinator sends a ConnectPlan, the node
// answers NodeResults; closing the node's stdin ends it (as does its own deadline).
import DRBD

/// An address:port to listen on or connect to.
public struct SocketSpec: Hashable, Codable, Sendable {
    public var ip: String
    public var port: Int
    public var ipv6: Bool
    public init(_ e: Endpoint) { ip = e.ip; port = e.port; ipv6 = e.family.isIPv6 }
    public var text: String { ipv6 ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}

public struct NodeTask: Codable, Sendable {
    public var node: String
    /// The whole configuration, for the local checks of `drbd check`.
    public var configuration: Configuration
    /// This node's endpoints that peers connect to.
    public var listen: [SocketSpec]
    /// This node's own endpoints (for the port-ephemeral warning).
    public var own: [SocketSpec]
    /// The node side exits on its own after this many milliseconds, listeners closed.
    public var lifetimeMs: Int
}

public enum ListenState: String, Codable, Sendable {
    case listening
    case portInUse = "port-in-use"
    case addressNotLocal = "address-not-local"
    /// DRBD itself holds the port (a kernel socket): not probed with our listener.
    case drbd
    case failed
}

public struct ListenStatus: Codable, Sendable {
    public var socket: SocketSpec
    public var state: ListenState
    public var detail: String
    /// For .drbd: the TCP state of DRBD's socket (LISTEN, ESTABLISHED, ...).
    public var drbdState: String? = nil
    public init(socket: SocketSpec, state: ListenState, detail: String, drbdState: String? = nil) {
        self.socket = socket; self.state = state; self.detail = detail; self.drbdState = drbdState
    }
}

public struct NodeFacts: Codable, Sendable {
    public var node: String
    public var hostname: String
    /// `drbd check`'s findings for this node and the cluster's own (port-ephemeral): DRBD's
    /// `Finding`, the same JSON keys on the wire as in `drbd check --json`.
    public var findings: [Finding]
    public var listeners: [ListenStatus]
    /// `nft -j list ruleset` output, nil when nft is missing or failed.
    public var ruleset: String?
    public init(node: String, hostname: String, findings: [Finding], listeners: [ListenStatus], ruleset: String?) {
        self.node = node; self.hostname = hostname; self.findings = findings; self.listeners = listeners; self.ruleset = ruleset
    }
}

public struct ConnectSpec: Codable, Sendable {
    public var id: Int
    public var source: SocketSpec
    public var target: SocketSpec
    /// Push large segments both ways after connecting (false for a port DRBD holds).
    public var push: Bool
}

public struct ConnectPlan: Codable, Sendable {
    public var connects: [ConnectSpec]
    public var timeoutMs: Int
}

public struct ConnectOutcome: Codable, Sendable {
    public var id: Int
    public var result: PairResult
    public var detail: String
    /// For mtu-blackhole: the largest IP packet size that got through (nil: none or not measured).
    public var mtu: Int?
    public init(id: Int, result: PairResult, detail: String, mtu: Int?) {
        self.id = id; self.result = result; self.detail = detail; self.mtu = mtu
    }
}

public struct NodeResults: Codable, Sendable {
    public var outcomes: [ConnectOutcome]
}
