// Planning: the ordered changes that turn the current network into the desired one.
//
// Pure: both states are values (the desired one rendered from a profile, the current one read by
// `Netlink`). The plan names every change a user would see in `ip monitor`; an empty plan means the
// node is in sync. Ownership is explicit: only interfaces of the desired state, and the `owned`
// ones a previous apply created, are ever changed or deleted.

/// One change to the kernel's network state, in the order it must be made.
/// The large payloads (an interface, bridge or bond settings) are boxed (`indirect`): a change
/// is then a few words, and the engine's copies of plan steps (batches, progress, the undo's
/// list) retain a box instead of copying a whole interface.
public enum Change: Sendable, Equatable {
    indirect case create(Interface)
    case delete(name: String)
    indirect case setBridge(name: String, BridgeSettings)
    /// The wanted settings (for people) and the planner's decision: the kernel requests to
    /// send, in order, as the options of each (`.mode` in one: the mode is sent in it). The
    /// writer and the undo execute these; nothing decides again.
    indirect case setBond(name: String, BondSettings, sending: [Set<BondOption>])
    case setMaster(name: String, master: String)
    case releaseMaster(name: String)
    case setPort(name: String, BridgePortSettings)
    case setUp(name: String)
    case setDown(name: String)
    case setMTU(name: String, mtu: Int)
    case addAddress(name: String, address: String)
    case removeAddress(name: String, address: String)
    case addRoute(Route)
    case removeRoute(Route)

    /// The interface the change is about (the route's device for routes).
    public var interfaceName: String? {
        switch self {
        case .create(let i): return i.name
        case .delete(let n), .setBridge(let n, _), .setBond(let n, _, _), .setMaster(let n, _),
             .releaseMaster(let n), .setPort(let n, _), .setUp(let n), .setDown(let n),
             .setMTU(let n, _), .addAddress(let n, _), .removeAddress(let n, _):
            return n
        case .addRoute(let r), .removeRoute(let r): return r.device
        }
    }

    /// Kebab-case action name used in JSON and human output.
    public var action: String {
        switch self {
        case .create: return "create"
        case .delete: return "delete"
        case .setBridge: return "set-bridge"
        case .setBond: return "set-bond"
        case .setMaster: return "set-master"
        case .releaseMaster: return "release-master"
        case .setPort: return "set-port"
        case .setUp: return "set-up"
        case .setDown: return "set-down"
        case .setMTU: return "set-mtu"
        case .addAddress: return "add-address"
        case .removeAddress: return "remove-address"
        case .addRoute: return "add-route"
        case .removeRoute: return "remove-route"
        }
    }

    /// One line for humans, close to the `ip` command that would do the same.
    public var summary: String {
        switch self {
        case .create(let i): return i.kind.unit.createSummary(i)
        case .delete(let n): return "delete \(n)"
        case .setBridge(let n, let b): return "set bridge \(n) \(BridgeKind.describe(b))"
        case .setBond(let n, let b, _): return "set bond \(n) \(BondKind.describe(b))"
        case .setMaster(let n, let m): return "set \(n) master \(m)"
        case .releaseMaster(let n): return "set \(n) nomaster"
        case .setPort(let n, let p):
            // Appended, not joined from an array: `joined` costs a first-use runtime type
            // lookup (~0.1 M instructions) in an apply that prints this line.
            var line = "set port \(n) "
            if let v = p.priority { line += "priority \(v)" }
            if let v = p.cost { line += (p.priority == nil ? "cost " : " cost ") + String(v) }
            return line
        case .setUp(let n): return "set \(n) up"
        case .setDown(let n): return "set \(n) down"
        case .setMTU(let n, let m): return "set \(n) mtu \(m)"
        case .addAddress(let n, let a): return "add address \(a) dev \(n)"
        case .removeAddress(let n, let a): return "remove address \(a) dev \(n)"
        case .addRoute(let r): return "add route \(r.destination) via \(r.gateway)" + (r.device.map { " dev \($0)" } ?? "")
        case .removeRoute(let r): return "remove route \(r.destination) via \(r.gateway)" + (r.device.map { " dev \($0)" } ?? "")
        }
    }
}

extension Change {
    /// `summary`'s bytes (UTF-8) appended to `bytes`: the steps an apply makes by the hundred
    /// (up, MTU, master) are written straight in, without building a String per step; every
    /// other change appends `summary` itself. ChangeSummaryBytesTests holds the two equal.
    public func appendSummary(to bytes: inout [UInt8]) {
        switch self {
        case .create(let i) where i.kind == .veth: VethKind.appendCreateSummary(i, to: &bytes)
        case .setUp(let n): Self.append("set ", n, " up", to: &bytes)
        case .setDown(let n): Self.append("set ", n, " down", to: &bytes)
        case .setMaster(let n, let m):
            Self.append("set ", n, " master ", to: &bytes)
            bytes.append(contentsOf: m.utf8)
        case .setMTU(let n, let mtu):
            Self.append("set ", n, " mtu ", to: &bytes)
            Self.appendDecimal(mtu, to: &bytes)
        default: bytes.append(contentsOf: summary.utf8)
        }
    }

    private static func append(_ a: StaticString, _ name: String, _ b: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: a.utf8Start, count: a.utf8CodeUnitCount))
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: UnsafeBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount))
    }

    /// `String(v)`'s bytes, digit by digit (no String made).
    public static func appendDecimal(_ v: Int, to bytes: inout [UInt8]) {
        guard v >= 0 else { bytes.append(contentsOf: String(v).utf8); return }
        var divisor = 1
        while divisor <= v / 10 { divisor *= 10 }
        var rest = v
        while divisor > 0 {
            bytes.append(0x30 + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

extension Change: Encodable {
    enum CodingKeys: String, CodingKey {
        case action, interface, summary, settings, master, mtu, address, route
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(action, forKey: .action)
        try c.encodeIfPresent(interfaceName, forKey: .interface)
        try c.encode(summary, forKey: .summary)
        switch self {
        case .create(let i): try c.encode(i, forKey: .settings)
        case .setBridge(_, let b): try c.encode(b, forKey: .settings)
        case .setBond(_, let b, _): try c.encode(b, forKey: .settings)
        case .setPort(_, let p): try c.encode(p, forKey: .settings)
        case .setMaster(_, let m): try c.encode(m, forKey: .master)
        case .setMTU(_, let m): try c.encode(m, forKey: .mtu)
        case .addAddress(_, let a), .removeAddress(_, let a): try c.encode(a, forKey: .address)
        case .addRoute(let r), .removeRoute(let r): try c.encode(r, forKey: .route)
        case .delete, .releaseMaster, .setUp, .setDown: break
        }
    }
}

/// Why a plan cannot be made (a user can fix each of these).
public enum PlanError: Error, Equatable, CustomStringConvertible {
    /// An uplink (physical device) the profile names does not exist.
    case missingDevice(String)
    /// An interface exists with another kind and is not owned by xg-scale.
    case kindConflict(name: String, existing: InterfaceKind, wanted: InterfaceKind)

    public var description: String {
        switch self {
        case .missingDevice(let n):
            return "uplink \(n) does not exist (fix: check the cable/driver with `ip link show`, or name the right device in the profile's uplinks)"
        case .kindConflict(let n, let e, let w):
            return "\(n) exists as a \(e.rawValue), the profile wants a \(w.rawValue) (fix: delete it with `ip link del \(n)` or rename it in the profile)"
        }
    }
}

public enum Plan {
    /// Tolerance when comparing bridge timers: the kernel keeps them in jiffies and reports
    /// clock_t centiseconds, so a value may read back one tick off.
    public static let timerTolerance = 0.011

    /// Forward delays the kernel accepts while STP is on (BR_MIN/MAX_FORWARD_DELAY), seconds.
    public static let stpForwardDelayRange = 2.0...30.0

    public static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }

    /// The ordered changes that turn `current` into `desired`.
    /// - Parameter owned: interfaces a previous apply created; those no longer desired are deleted.
    /// - Parameter exactRoutes: also remove default routes `desired` does not list (restoring a
    ///   snapshot); otherwise routes the profile does not name are left alone.
    public static func changes(from current: NetworkState, to desired: NetworkState,
                               owned: Set<String> = [], exactRoutes: Bool = false) throws -> [Change] {
        var plan = PlanBuilder(current: current, desired: desired, owned: owned)
        plan.deleteUnwanted()
        try plan.createMissing()
        plan.changeSettings()
        plan.setMasters()
        plan.setPortSettings()
        plan.setMTUs()
        plan.setUpOrDown()
        plan.setAddresses()
        plan.setRoutes(exact: exactRoutes)
        return plan.out
    }

    /// The interface as created: the settings that must be given at creation; master, port,
    /// addresses and up are separate steps.
    static func creation(of want: Interface) -> Interface {
        var i = Interface(name: want.name, kind: want.kind, up: false)
        i.mtu = want.mtu
        want.kind.unit.creationSettings(from: want, into: &i)
        return i
    }

    /// Interfaces in the order they come up (indexes into `state.interfaces`): enslaved ones
    /// before their masters, innermost first. Indexes, not copies: an interface is a large value.
    static func upOrder(_ state: NetworkState) -> [Int] {
        upOrder(state, indexOf: firstIndexes(state))
    }

    /// The index of the first interface of each name in `state` (a [String: Int], the table
    /// type the planner uses already: another one costs a first-use runtime type lookup).
    static func firstIndexes(_ state: NetworkState) -> [String: Int] {
        var indexOf: [String: Int] = [:]
        indexOf.reserveCapacity(state.interfaces.count)
        // Last to first, each assignment one hash: the first of a name is written last.
        for k in state.interfaces.indices.reversed() { indexOf[state.interfaces[k].name] = k }
        return indexOf
    }

    /// `upOrder` with `firstIndexes(state)` made already.
    static func upOrder(_ state: NetworkState, indexOf: [String: Int]) -> [Int] {
        let interfaces = state.interfaces
        // Number of masters above each interface (computed once, not per comparison): ports
        // come up before their bridge.
        var deepest = 0
        let depths = interfaces.indices.map { k -> Int in
            var d = 0, m = interfaces[k].master
            while let name = m, d < 8 { d += 1; m = indexOf[name].flatMap { interfaces[$0].master } }
            deepest = max(deepest, d)
            return d
        }
        // Deepest first, in state order within a depth (a stable sort by depth, bucket by
        // bucket: depths are 0...8).
        var order: [Int] = []
        order.reserveCapacity(interfaces.count)
        var d = deepest
        while d >= 0 {
            for k in interfaces.indices where depths[k] == d { order.append(k) }
            d -= 1
        }
        return order
    }

    /// Same STP state, and every setting `want` gives is the same (timers within one tick).
    public static func bridgeMatches(_ want: BridgeSettings, _ cur: BridgeSettings) -> Bool {
        BridgeKind.matches(want, cur)
    }

    /// Same mode, and every option `want` gives that the mode uses is the same (arp-ip-target as
    /// a set). An option the wanted mode does not use (a dormant lacp-rate read back from an
    /// active-backup bond) cannot be set and does not count.
    public static func bondMatches(_ want: BondSettings, _ cur: BondSettings) -> Bool {
        want.requests(from: cur).isEmpty
    }

    static func normalizeAddress(_ a: String) -> String { a.lowercased() }

    static func isLinkLocal(_ a: String) -> Bool { a.lowercased().hasPrefix("fe80:") }

    static func isSameFamily(_ a: String, _ b: String) -> Bool { a.contains(":") == b.contains(":") }
}
