// The seam between the apply engine and the kernel: read the state, execute one change.
//
// `KernelBackend` is the real thing (Netlink, one socket). `FaultInjectingBackend` wraps another
// backend — normally the kernel one — and fails one chosen step, so tests can prove that a
// failure at any step leaves the node exactly as it was (a fake beside the kernel, never instead).
import Foundation
import Netlink
import NodeNetwork

public protocol NetworkBackend: AnyObject {
    /// The current state of the whole namespace.
    func currentState() throws -> NetworkState
    /// The current state as far as `Plan.changes` compares it (verify): it may leave out what
    /// only `show` reads of a link (MAC, operstate, carrier). By default `currentState()`.
    func stateToPlan() throws -> NetworkState
    /// Make one change; throws when the kernel (or the fake) refuses.
    func execute(_ change: Change) throws
    /// Netlink requests sent so far by this process.
    var requests: RequestCounts { get }
    /// True when `executeCombined` combines (the engine then plans a create and the steps its
    /// request carries as one unit; else every step is a unit of its own, in plan order).
    var combinesRequests: Bool { get }
    /// Make `steps` — a create and later steps on the created interfaces, as
    /// `ApplyEngine.combinedGroups` picks them — in one request, all or nothing. Returns false
    /// when this backend does not combine them (the engine then makes them one by one). Throws
    /// `CombinedRequestRefused` when the kernel refused and nothing of it is left.
    func executeCombined(_ steps: [Change]) throws -> Bool
    /// The alias (IFLA_IFALIAS) of every interface that has one: the kernel's ownership marks.
    func marks() throws -> [String: String]
    /// Mark `name` as created by xg-scale (its alias).
    func mark(_ name: String, as alias: String) throws
    /// Mark every interface created from now on with `alias` in the very request that creates
    /// it (no moment without the mark). False when this backend cannot: the engine then marks
    /// right after each create.
    func markCreates(with alias: String) -> Bool
    /// Make `units` — each one step, or a create with the steps its request carries — with
    /// their requests pipelined (sent together, answers read after). The engine passes only
    /// units that do not depend on each other (`ApplyEngine.batches`). One result per unit in
    /// order, fewer when a unit could not be built (later ones were not sent). Nil when this
    /// backend does not pipeline (the engine then makes them one by one).
    func executeBatch(_ units: [[Change]]) -> [PipelinedResult]?
}

extension NetworkBackend {
    public func stateToPlan() throws -> NetworkState { try currentState() }
    public var combinesRequests: Bool { false }
    public func executeCombined(_ steps: [Change]) throws -> Bool { false }
    public func executeBatch(_ units: [[Change]]) -> [PipelinedResult]? { nil }
    public func marks() throws -> [String: String] { [:] }
    public func mark(_ name: String, as alias: String) throws {}
    public func markCreates(with alias: String) -> Bool { false }
}

/// The kernel refused a combined request, and none of its interfaces exists (the kernel undoes
/// a failed create): the engine makes the steps one by one to find the failing one.
public struct CombinedRequestRefused: Error, CustomStringConvertible {
    public var underlying: Error
    public var description: String { "combined request refused: \(underlying)" }
}

/// Executes changes through `LinkWriter` and reads through `LinkReader`, on one netlink socket,
/// in the network namespace of the calling thread.
public final class KernelBackend: NetworkBackend {
    let reader: LinkReader
    let writer: LinkWriter
    /// A state read ahead (`prefetchState`), taken by the first `currentState()`.
    var prefetch: StatePrefetch?

    public init() throws {
        let socket = try NetlinkSocket()
        reader = LinkReader(socket: socket)
        writer = LinkWriter(socket: socket)
    }

    public var requests: RequestCounts { RequestCounter.total }
    public var combinesRequests: Bool { true }

    public func currentState() throws -> NetworkState {
        if let ahead = prefetch {
            prefetch = nil
            if let (state, sentinel) = ahead.take() {
                // The first create's free indexes come from this read while nothing changed
                // since (LinkWriter.freeIndexes): no link dump of its own.
                writer.seedIndexes(highest: state.interfaces.reduce(0) { max($0, $1.index ?? 0) }, watchedBy: sentinel)
                return state
            }
        }
        return try reader.currentState()
    }

    /// Read afresh without the fields no plan compares (a state read ahead is taken whole).
    public func stateToPlan() throws -> NetworkState {
        if prefetch != nil { return try currentState() }
        return try reader.stateToPlan()
    }

    public func marks() throws -> [String: String] { try reader.aliases() }

    public func mark(_ name: String, as alias: String) throws { try writer.setAlias(name, alias) }

    public func markCreates(with alias: String) -> Bool {
        writer.createMark = alias
        return true
    }

    /// A veth pair created with its MTUs, and one end's bridge master and up, in one RTM_NEWLINK.
    public func executeCombined(_ steps: [Change]) throws -> Bool {
        guard case .create(let i)? = steps.first, i.kind == .veth, let peer = i.peer else { return false }
        // The MTU of each end (two values, not a table per create).
        var nameMTU: Int?, peerMTU: Int?
        var primary: String?
        var master: String?
        var up = false
        for step in steps.dropFirst() {
            switch step {
            case .setMTU(let n, let m) where n == i.name || n == peer:
                if n == i.name { nameMTU = m }
                if n == peer { peerMTU = m }
            case .setMaster(let n, let m) where (n == i.name || n == peer) && (primary == nil || primary == n) && master == nil:
                primary = n; master = m
            case .setUp(let n) where (n == i.name || n == peer) && (primary == nil || primary == n) && !up:
                primary = n; up = true
            default: return false
            }
        }
        let first = primary ?? i.name
        let second = first == i.name ? peer : i.name
        do {
            func mtu(_ end: String) -> Int? { end == i.name ? nameMTU : peerMTU }
            try writer.createVeth(first, peer: second, mtu: mtu(first), peerMTU: mtu(second), master: master, up: up)
        } catch {
            // The kernel unregisters both ends of a create it refuses; make sure.
            let left = [first, second].filter(InterfaceLookup.exists)
            if left.isEmpty { throw CombinedRequestRefused(underlying: error) }
            throw error
        }
        return true
    }

    public func executeBatch(_ units: [[Change]]) -> [PipelinedResult]? {
        writer.pipeline(units.map { unit in
            { [self] in
                if unit.count == 1 { try execute(unit[0]) }
                else if try !executeCombined(unit) { throw ApplyError.unsupported("cannot combine \(unit.map(\.summary))") }
            }
        })
    }

    public func execute(_ change: Change) throws {
        switch change {
        case .create(let i):
            // The unit of the kind builds the request (Netlink's Ifaces/).
            do { try writer.create(i) } catch let refused as LinkCreateError { throw ApplyError.unsupported(refused.description) }
        case .delete(let name): try writer.deleteLink(name)
        case .setBridge(let name, let settings): try writer.setBridge(name, settings: settings)
        case .setBond(let name, let settings, let sending):
            try writer.setBond(name, settings: settings, sending: sending)
        case .setMaster(let name, let master): try writer.setMaster(name, master: master)
        case .releaseMaster(let name): try writer.setMaster(name, master: nil)
        case .setPort(let name, let p): try writer.setBridgePort(name, priority: p.priority, cost: p.cost)
        case .setUp(let name): try writer.setUp(name, true)
        case .setDown(let name): try writer.setUp(name, false)
        case .setMTU(let name, let mtu): try writer.setMTU(name, mtu)
        case .addAddress(let name, let address): try writer.address(address, on: name)
        case .removeAddress(let name, let address): try writer.address(address, on: name, delete: true)
        case .addRoute(let route), .removeRoute(let route):
            guard route.destination == "default" else {
                throw ApplyError.unsupported("only default routes are managed (got \(route.destination))")
            }
            try writer.defaultRoute(route, delete: { if case .removeRoute = change { return true }; return false }())
        }
    }
}

/// What a fault-injecting backend does at its chosen step.
public enum FaultKind: String, Sendable {
    /// The step is refused (nothing reaches the kernel for it).
    case error
    /// SIGTERM is raised to this process, then the step runs (an interruption mid-way).
    case signal
    /// SIGKILL is raised to this process before the step: nothing runs after it, no undo.
    case kill
    /// SIGSTOP is raised to this process before the step (a step that takes long, the lock
    /// held); it goes on with SIGCONT.
    case stop
    /// The step runs, then SIGKILL is raised: killed right after a create, before anything else.
    case killAfter = "kill-after"
}

/// Wraps a backend and makes the `failAtStep`-th execute call (1-based) fail, once.
public final class FaultInjectingBackend: NetworkBackend {
    public let inner: NetworkBackend
    public let failAtStep: Int
    public let kind: FaultKind
    public private(set) var steps = 0
    private var fired = false

    public init(_ inner: NetworkBackend, failAtStep: Int, kind: FaultKind = .error) {
        self.inner = inner; self.failAtStep = failAtStep; self.kind = kind
    }

    public var requests: RequestCounts { inner.requests }
    public var combinesRequests: Bool { inner.combinesRequests }
    public func currentState() throws -> NetworkState { try inner.currentState() }
    public func stateToPlan() throws -> NetworkState { try inner.stateToPlan() }
    public func marks() throws -> [String: String] { try inner.marks() }
    public func mark(_ name: String, as alias: String) throws { try inner.mark(name, as: alias) }
    public func markCreates(with alias: String) -> Bool { inner.markCreates(with: alias) }

    /// A batch that holds the faulty step is declined (the engine makes its units one by one,
    /// so the fault hits that very call); any other goes to the inner backend, its steps counted.
    public func executeBatch(_ units: [[Change]]) -> [PipelinedResult]? {
        let count = units.reduce(0) { $0 + $1.count }
        if !fired && steps < failAtStep && failAtStep <= steps + count { return nil }
        guard let results = inner.executeBatch(units) else { return nil }
        steps += count
        return results
    }

    /// Combined requests count as their number of steps. A group that holds the faulty step is
    /// declined, so the engine makes it one by one and the fault hits that very call.
    public func executeCombined(_ group: [Change]) throws -> Bool {
        if !fired && steps < failAtStep && failAtStep <= steps + group.count { return false }
        guard try inner.executeCombined(group) else { return false }
        steps += group.count
        return true
    }

    public func execute(_ change: Change) throws {
        steps += 1
        if !fired && steps == failAtStep {
            fired = true
            switch kind {
            case .error: throw ApplyError.injectedFault(step: steps)
            case .signal: raise(SIGTERM)
            case .kill: raise(SIGKILL)
            case .stop: raise(SIGSTOP)
            case .killAfter:
                try inner.execute(change)
                raise(SIGKILL)
            }
        }
        try inner.execute(change)
    }
}

public enum ApplyError: Error, CustomStringConvertible, Equatable {
    case unsupported(String)
    case injectedFault(step: Int)
    case interrupted(signal: Int32)
    case verification([String])

    public var description: String {
        switch self {
        case .unsupported(let what): return what
        case .injectedFault(let step): return "injected fault at step \(step) (XG_SCALE_FAULT_STEP)"
        case .interrupted(let signal):
            return "interrupted by \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)")"
        case .verification(let left):
            return "the kernel does not show the asked-for state after applying; still different: " + left.joined(separator: "; ")
        }
    }
}
