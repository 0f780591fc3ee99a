// Planning: the ordered changes that turn the current network into the desired one.
//
// Pure: both states are values (the desired one rendered from a profile, the current one read by
// `Netlink`). The plan names every change a user would see in `ip monitor`; an empty plan means the
// node is in sync. Ownership is explicit: only interfaces of the desired state, and the `owned`
// ones a previous apply created, are ever changed or deleted.

/// One change to the kernel's network state, in the order it must be made.
public enum Change: Sendable, Equatable {
    case create(Interface)
    case delete(name: String)
    case setBridge(name: String, BridgeSettings)
    /// The wanted settings (for people) and the planner's decision: the kernel requests to
    /// send, in order, as the options of each (`.mode` in one: the mode is sent in it). The
    /// writer and the undo execute these; nothing decides again.
    case setBond(name: String, BondSettings, sending: [Set<BondOption>])
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
        case .create(let i):
            switch i.kind {
            case .veth: return "create veth \(i.name) peer \(i.peer ?? "?")"
            default: return "create \(i.kind.rawValue) \(i.name)"
            }
        case .delete(let n): return "delete \(n)"
        case .setBridge(let n, let b): return "set bridge \(n) \(Change.describe(b))"
        case .setBond(let n, let b, _): return "set bond \(n) \(Change.describe(b))"
        case .setMaster(let n, let m): return "set \(n) master \(m)"
        case .releaseMaster(let n): return "set \(n) nomaster"
        case .setPort(let n, let p):
            var parts: [String] = []
            if let v = p.priority { parts.append("priority \(v)") }
            if let v = p.cost { parts.append("cost \(v)") }
            return "set port \(n) " + parts.joined(separator: " ")
        case .setUp(let n): return "set \(n) up"
        case .setDown(let n): return "set \(n) down"
        case .setMTU(let n, let m): return "set \(n) mtu \(m)"
        case .addAddress(let n, let a): return "add address \(a) dev \(n)"
        case .removeAddress(let n, let a): return "remove address \(a) dev \(n)"
        case .addRoute(let r): return "add route \(r.destination) via \(r.gateway)" + (r.device.map { " dev \($0)" } ?? "")
        case .removeRoute(let r): return "remove route \(r.destination) via \(r.gateway)" + (r.device.map { " dev \($0)" } ?? "")
        }
    }

    static func describe(_ b: BridgeSettings) -> String {
        var parts = ["stp \(b.stp ? "on" : "off")"]
        if let v = b.priority { parts.append("priority \(v)") }
        if let v = b.forwardDelay { parts.append("forward-delay \(Plan.format(v))") }
        if let v = b.helloTime { parts.append("hello-time \(Plan.format(v))") }
        if let v = b.maxAge { parts.append("max-age \(Plan.format(v))") }
        return parts.joined(separator: " ")
    }

    static func describe(_ b: BondSettings) -> String {
        var parts = ["mode \(b.mode)"]
        for spec in BondOptionSpec.all { if let v = b[spec.option] { parts.append(spec.describe(v)) } }
        return parts.joined(separator: " ")
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
        var out: [Change] = []
        let wanted = Set(desired.interfaces.map(\.name))
        // Interfaces of `current` by name (the first of a name, as `NetworkState[_:]`): the
        // steps below look every desired interface up, and a linear search each time made the
        // plan quadratic in the number of interfaces.
        var currentIndex: [String: Int] = [:]
        currentIndex.reserveCapacity(current.interfaces.count)
        for (i, c) in current.interfaces.enumerated() where currentIndex[c.name] == nil { currentIndex[c.name] = i }
        func lookup(_ name: String) -> Interface? { currentIndex[name].map { current.interfaces[$0] } }

        // 1. Delete owned interfaces the profile no longer wants (frees names and ports first).
        for name in owned.sorted() where !wanted.contains(name) {
            guard let cur = lookup(name) else { continue }
            // Deleting one end of a veth deletes both: skip the peer if already planned.
            if cur.kind == .veth, let peer = cur.peer, out.contains(.delete(name: peer)) { continue }
            out.append(.delete(name: name))
        }

        // 2. Create what is missing; recreate owned interfaces of the wrong kind.
        var created: Set<String> = []
        for want in desired.interfaces {
            if created.contains(want.name) { continue }
            if let cur = lookup(want.name) {
                // An uplink is whatever link exists under that name (a NIC, a veth in a lab, a
                // Xen vif...): the profile never changes its kind.
                if cur.kind == want.kind || want.kind == .device { continue }
                if owned.contains(want.name) {
                    out.append(.delete(name: want.name))
                } else {
                    throw PlanError.kindConflict(name: want.name, existing: cur.kind, wanted: want.kind)
                }
            } else if want.kind == .device || want.kind == .other {
                throw PlanError.missingDevice(want.name)
            }
            out.append(.create(creation(of: want)))
            created.insert(want.name)
            if want.kind == .veth, let peer = want.peer { created.insert(peer) }
        }

        // 3. Options of existing bridges and bonds.
        var bondsToRebuild: Set<String> = []
        // Slaves of a rebuilt bond the profile does not name: released for the mode change only,
        // they are enslaved again afterwards (they end as they were).
        var foreignSlaves: [Interface] = []
        for want in desired.interfaces where !created.contains(want.name) {
            guard let cur = lookup(want.name) else { continue }
            if let wb = want.bridge, let cb = cur.bridge, !bridgeMatches(wb, cb) {
                // The kernel applies forward-delay before stp_state and refuses a delay outside
                // 2-30 s while STP is on: turn STP off first when leaving that range with it.
                if cb.stp, !wb.stp, let d = wb.forwardDelay, !stpForwardDelayRange.contains(d) {
                    out.append(.setBridge(name: want.name, BridgeSettings(stp: false)))
                }
                out.append(.setBridge(name: want.name, wb))
            }
            if let wb = want.bond, let cb = cur.bond, case let requests = wb.requests(from: cb), !requests.isEmpty {
                let sent = Set(requests.joined())
                if sent.contains(where: \.needsNoSlaves) {
                    // Mode and fail_over_mac only change on a bond that is down and has no slaves.
                    bondsToRebuild.insert(want.name)
                    for slave in current.interfaces where slave.master == want.name {
                        out.append(.releaseMaster(name: slave.name))
                        if !wanted.contains(slave.name) { foreignSlaves.append(slave) }
                    }
                    if cur.up { out.append(.setDown(name: want.name)) }
                } else if sent.contains(where: \.needsBondDown), cur.up {
                    // lacp_rate only changes while the bond is down; its slaves stay.
                    out.append(.setDown(name: want.name))
                }
                out.append(.setBond(name: want.name, wb, sending: requests))
            }
        }

        // 4. Masters: release from a wrong master, enslave (bond slaves go down first: kernels
        //    from 6.1 leave a combined down+master request down, so they are two steps).
        let desiredKind = Dictionary(desired.interfaces.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
        var enslaved: Set<String> = []
        var mayBeDown: Set<String> = []  // released from a bond: the kernel may have closed them
        for want in desired.interfaces {
            let cur = created.contains(want.name) ? nil : lookup(want.name)
            var curMaster = cur?.master
            if let m = curMaster, bondsToRebuild.contains(m) || created.contains(m) {
                curMaster = nil  // already released above, or the master was recreated
                mayBeDown.insert(want.name)
            }
            if want.master == curMaster { continue }
            if let m = curMaster {
                out.append(.releaseMaster(name: want.name))
                if lookup(m)?.kind == .bond { mayBeDown.insert(want.name) }
            }
            if let m = want.master {
                if desiredKind[m] == .bond, cur?.up == true, !out.contains(.setDown(name: want.name)) {
                    out.append(.setDown(name: want.name))
                }
                out.append(.setMaster(name: want.name, master: m))
                enslaved.insert(want.name)
            }
        }

        for slave in foreignSlaves {
            guard let m = slave.master else { continue }
            if slave.up { out.append(.setDown(name: slave.name)) }
            out.append(.setMaster(name: slave.name, master: m))
            if !slave.up { out.append(.setDown(name: slave.name)) }  // enslaving opens it
        }

        // 5. Bridge port settings.
        for want in desired.interfaces {
            guard let wp = want.port, wp.priority != nil || wp.cost != nil else { continue }
            let cp = (created.contains(want.name) || enslaved.contains(want.name)) ? nil : lookup(want.name)?.port
            let samePriority = wp.priority == nil || wp.priority == cp?.priority
            let sameCost = wp.cost == nil || wp.cost == cp?.cost
            if !(samePriority && sameCost) {
                out.append(.setPort(name: want.name, BridgePortSettings(priority: wp.priority, cost: wp.cost)))
            }
        }

        // 6. MTU.
        for want in desired.interfaces {
            guard let mtu = want.mtu else { continue }
            let cur = created.contains(want.name) ? nil : lookup(want.name)
            if cur?.mtu != mtu { out.append(.setMTU(name: want.name, mtu: mtu)) }
        }

        // 7. Up/down: slaves and ports first, then their masters (a bond comes up with slaves).
        var downed: Set<String> = []
        for case .setDown(let n) in out { downed.insert(n) }
        for want in upOrder(desired) {
            let cur = created.contains(want.name) ? nil : lookup(want.name)
            let wasDowned = downed.contains(want.name) || mayBeDown.contains(want.name)
            let isUp = (cur?.up ?? false) && !wasDowned
            if want.up && !isUp { out.append(.setUp(name: want.name)) }
            if !want.up && isUp { out.append(.setDown(name: want.name)) }
        }

        // 8. Addresses on the interfaces the profile names.
        for want in desired.interfaces {
            guard let addrs = want.addresses else { continue }
            let cur = created.contains(want.name) ? [] : (lookup(want.name)?.addresses ?? [])
            let wantSet = Set(addrs.map(normalizeAddress)), curSet = Set(cur.map(normalizeAddress))
            for a in cur where !wantSet.contains(normalizeAddress(a)) && !isLinkLocal(a) {
                out.append(.removeAddress(name: want.name, address: a))
            }
            for a in addrs where !curSet.contains(normalizeAddress(a)) {
                out.append(.addAddress(name: want.name, address: a))
            }
        }

        // 9. Routes the profile wants (routes it does not name are left alone). Routes through a
        //    link this plan deletes go away with it.
        var gone: Set<String> = []
        for case .delete(let n) in out {
            gone.insert(n)
            if let peer = lookup(n)?.peer { gone.insert(peer) }
        }
        let currentRoutes = current.routes.filter { !($0.device.map(gone.contains) ?? false) }
        for r in desired.routes {
            let present = currentRoutes.contains { c in
                c.destination == r.destination && c.gateway == r.gateway
                    && (r.device == nil || c.device == r.device)
            }
            if present { continue }
            for c in currentRoutes where c.destination == r.destination && isSameFamily(c.gateway, r.gateway) {
                out.append(.removeRoute(c))
            }
            out.append(.addRoute(r))
        }
        if exactRoutes {
            for c in currentRoutes where !desired.routes.contains(where: { r in
                r.destination == c.destination && r.gateway == c.gateway && (r.device == nil || r.device == c.device)
            }) && !out.contains(.removeRoute(c)) {
                out.append(.removeRoute(c))
            }
        }
        return out
    }

    /// The interface as created: the settings that must be given at creation; master, port,
    /// addresses and up are separate steps.
    static func creation(of want: Interface) -> Interface {
        var i = Interface(name: want.name, kind: want.kind, up: false)
        i.bridge = want.bridge
        i.bond = want.bond
        i.peer = want.peer
        i.mtu = want.mtu
        return i
    }

    /// Interfaces in the order they come up: enslaved ones before their masters, innermost first.
    static func upOrder(_ state: NetworkState) -> [Interface] {
        var masterOf: [String: String?] = [:]
        for i in state.interfaces where masterOf[i.name] == nil { masterOf[i.name] = .some(i.master) }
        // Number of masters above each interface (computed once, not per comparison): ports
        // come up before their bridge.
        let depths = state.interfaces.map { i -> Int in
            var d = 0, m = i.master
            while let name = m, d < 8 { d += 1; m = masterOf[name] ?? nil }
            return d
        }
        return state.interfaces.indices.sorted { a, b in
            depths[a] != depths[b] ? depths[a] > depths[b] : a < b
        }.map { state.interfaces[$0] }
    }

    public static func bridgeMatches(_ want: BridgeSettings, _ cur: BridgeSettings) -> Bool {
        func close(_ w: Double?, _ c: Double?) -> Bool {
            guard let w else { return true }
            guard let c else { return false }
            return abs(w - c) <= timerTolerance
        }
        return want.stp == cur.stp
            && (want.priority == nil || want.priority == cur.priority)
            && close(want.forwardDelay, cur.forwardDelay)
            && close(want.helloTime, cur.helloTime)
            && close(want.maxAge, cur.maxAge)
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
