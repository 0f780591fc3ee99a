// The steps of `Plan.changes`, in the order they run. Each step appends its changes to `out`
// and leaves what later steps need to know (what was created, which bonds are rebuilt, which
// links may be down) in the builder.

struct PlanBuilder {
    let current: NetworkState
    let desired: NetworkState
    /// Interfaces a previous apply created (the only ones deleted or recreated).
    let owned: Set<String>
    /// The desired interfaces by name (the first of a name): what is wanted.
    let desiredIndex: [String: Int]
    /// Interfaces of `current` by name (the first of a name, as `NetworkState[_:]`): the steps
    /// look every desired interface up, and a linear search each time made the plan quadratic
    /// in the number of interfaces.
    let currentIndex: [String: Int]

    /// The plan so far.
    var out: [Change] = []
    /// Created by this plan (both ends of a veth pair).
    var created: Set<String> = []
    /// By desired index, once the creates are planned: where in `current` the interface of
    /// that name is, nil when this plan creates it or it does not exist (`existingIndex` of
    /// its name, looked up once for the steps after the creates, not once per step).
    var existingOfDesired: [Int?] = []
    /// Bonds whose slaves are released for a change only a bond without slaves takes.
    var bondsToRebuild: Set<String> = []
    /// Slaves of a rebuilt bond the profile does not name: released for the mode change only,
    /// they are enslaved again afterwards (they end as they were).
    var foreignSlaves: [Interface] = []
    /// Given a (new) master by this plan, by desired index (set by `setMasters`; a flag, not a
    /// set of names: a plan from nothing enslaves every port).
    var enslavedAt: [Bool] = []
    /// Released from a bond: the kernel may have closed them.
    var mayBeDown: Set<String> = []

    init(current: NetworkState, desired: NetworkState, owned: Set<String>) {
        self.current = current; self.desired = desired; self.owned = owned
        desiredIndex = Plan.firstIndexes(desired)
        currentIndex = Plan.firstIndexes(current)
        // Grown once, not doubling while the creates are planned.
        created.reserveCapacity(desired.interfaces.count)
    }

    /// Whether the profile names the interface.
    func isWanted(_ name: String) -> Bool { desiredIndex[name] != nil }

    func lookup(_ name: String) -> Interface? { currentIndex[name].map { current.interfaces[$0] } }

    /// Where in `current` the interface of that name is, unless this plan creates it. The steps
    /// read fields in place (by index): an interface is a large value, copied per look.
    func existingIndex(_ name: String) -> Int? {
        created.has(name) ? nil : currentIndex[name]
    }


    /// 1. Delete owned interfaces the profile no longer wants (frees names and ports first).
    mutating func deleteUnwanted() {
        // The owned names no longer wanted, in name order (sorted after filtering: usually few).
        var unwanted: [String] = []
        for name in owned where !isWanted(name) { unwanted.append(name) }
        for name in unwanted.sorted() {
            guard let cur = lookup(name) else { continue }
            // Deleting one end of a veth deletes both: skip the peer if already planned.
            if let peer = cur.kind.unit.partner(of: cur), out.contains(.delete(name: peer)) { continue }
            out.append(.delete(name: name))
        }
    }

    /// 2. Create what is missing; recreate owned interfaces of the wrong kind.
    mutating func createMissing() throws(PlanError) {
        // Where each desired interface is in `current`, as looked up here (kept for the later
        // steps: `existingOfDesired`).
        var found = [Int?](repeating: nil, count: desired.interfaces.count)
        for k in desired.interfaces.indices {
            let name = desired.interfaces[k].name, kind = desired.interfaces[k].kind
            if created.has(name) { continue }
            found[k] = currentIndex[name]
            if let c = found[k] {
                // An uplink is whatever link exists under that name: its kind is never changed.
                let curKind = current.interfaces[c].kind
                if curKind == kind || kind.unit.takesAnyExistingLink { continue }
                if owned.contains(name) {
                    out.append(.delete(name: name))
                } else {
                    throw PlanError.kindConflict(name: name, existing: curKind, wanted: kind)
                }
            } else if !kind.unit.isCreated {
                throw PlanError.missingDevice(name)
            }
            out.append(.create(Plan.creation(of: desired.interfaces[k])))
            created.insert(name)
            if let peer = kind.unit.partner(of: desired.interfaces[k]) { created.insert(peer) }
        }
        // `created` is final from here on: what it holds does not exist for the later steps
        // (an interface skipped above was created already, and stays so). By index: `map`
        // would copy every interface out to read its name.
        for k in desired.interfaces.indices where found[k] != nil && created.has(desired.interfaces[k].name) { found[k] = nil }
        existingOfDesired = found
    }

    /// 3. The settings of each existing interface's kind (a bridge's STP, a bond's options).
    mutating func changeSettings() {
        // The states as locals: their interfaces are passed in place (not copied out of self,
        // which the call also takes inout).
        let desired = self.desired, current = self.current
        for k in desired.interfaces.indices where desired.interfaces[k].kind.unit.plansSettings {
            guard let c = existingOfDesired[k] else { continue }
            desired.interfaces[k].kind.unit.changeSettings(desired.interfaces[k], current.interfaces[c], in: &self)
        }
    }

    /// 4. Masters: release from a wrong master, enslave (ports of a master whose kind takes
    ///    them only while down, a bond, go down first in a step of their own); then the
    ///    foreign slaves of rebuilt bonds go back.
    mutating func setMasters() {
        func joinsDown(_ kind: InterfaceKind?) -> Bool { kind?.unit.portsJoinDown ?? false }
        enslavedAt = [Bool](repeating: false, count: desired.interfaces.count)
        for k in desired.interfaces.indices {
            let name = desired.interfaces[k].name, wantMaster = desired.interfaces[k].master
            let c = existingOfDesired[k]
            var curMaster = c.flatMap { current.interfaces[$0].master }
            if let m = curMaster, bondsToRebuild.has(m) || created.has(m) {
                curMaster = nil  // already released above, or the master was recreated
                mayBeDown.insert(name)
            }
            if wantMaster == curMaster { continue }
            if let m = curMaster {
                out.append(.releaseMaster(name: name))
                if joinsDown(currentIndex[m].map { current.interfaces[$0].kind }) { mayBeDown.insert(name) }
            }
            if let m = wantMaster {
                if joinsDown(desiredIndex[m].map { desired.interfaces[$0].kind }), c.map({ current.interfaces[$0].up }) == true,
                   !out.contains(.setDown(name: name)) {
                    out.append(.setDown(name: name))
                }
                out.append(.setMaster(name: name, master: m))
                enslavedAt[k] = true
            }
        }
        restoreForeignSlaves()
    }

    mutating func restoreForeignSlaves() {
        for slave in foreignSlaves {
            guard let m = slave.master else { continue }
            if slave.up { out.append(.setDown(name: slave.name)) }
            out.append(.setMaster(name: slave.name, master: m))
            if !slave.up { out.append(.setDown(name: slave.name)) }  // enslaving opens it
        }
    }

    /// Whether this plan gives the interface named as desired `k` a master. (Names are one
    /// per interface in a profile's state; should a state name one twice, any of them counts.)
    func isEnslaved(_ k: Int) -> Bool {
        guard k < enslavedAt.count else { return false }
        if enslavedAt[k] { return true }
        guard desiredIndex.count != desired.interfaces.count else { return false }
        let name = desired.interfaces[k].name
        return desired.interfaces.indices.contains { enslavedAt[$0] && desired.interfaces[$0].name == name }
    }

    /// 5. Bridge port settings.
    mutating func setPortSettings() {
        for k in desired.interfaces.indices {
            guard let wp = desired.interfaces[k].port, wp.priority != nil || wp.cost != nil else { continue }
            let want = desired.interfaces[k]
            let cp = isEnslaved(k) ? nil : existingOfDesired[k].flatMap { current.interfaces[$0].port }
            let samePriority = wp.priority == nil || wp.priority == cp?.priority
            let sameCost = wp.cost == nil || wp.cost == cp?.cost
            if !(samePriority && sameCost) {
                out.append(.setPort(name: want.name, BridgePortSettings(priority: wp.priority, cost: wp.cost)))
            }
        }
    }

    /// 6. MTU.
    mutating func setMTUs() {
        for k in desired.interfaces.indices {
            guard let mtu = desired.interfaces[k].mtu else { continue }
            let name = desired.interfaces[k].name
            if existingOfDesired[k].flatMap({ current.interfaces[$0].mtu }) != mtu { out.append(.setMTU(name: name, mtu: mtu)) }
        }
    }

    /// 7. Up/down: slaves and ports first, then their masters (a bond comes up with slaves).
    mutating func setUpOrDown() {
        var downed: Set<String> = []
        for case .setDown(let n) in out { downed.insert(n) }
        for k in Plan.upOrder(desired, indexOf: desiredIndex) {
            let name = desired.interfaces[k].name, wantUp = desired.interfaces[k].up
            let wasDowned = downed.has(name) || mayBeDown.has(name)
            let isUp = (existingOfDesired[k].map { current.interfaces[$0].up } ?? false) && !wasDowned
            if wantUp && !isUp { out.append(.setUp(name: name)) }
            if !wantUp && isUp { out.append(.setDown(name: name)) }
        }
    }

    /// 8. Addresses on the interfaces the profile names.
    mutating func setAddresses() {
        for k in desired.interfaces.indices {
            guard let addrs = desired.interfaces[k].addresses else { continue }
            let want = desired.interfaces[k]
            let cur = existingOfDesired[k].flatMap { current.interfaces[$0].addresses } ?? []
            let wantSet = Set(addrs.map(Plan.normalizeAddress)), curSet = Set(cur.map(Plan.normalizeAddress))
            for a in cur where !wantSet.contains(Plan.normalizeAddress(a)) && !Plan.isLinkLocal(a) {
                out.append(.removeAddress(name: want.name, address: a))
            }
            for a in addrs where !curSet.contains(Plan.normalizeAddress(a)) {
                out.append(.addAddress(name: want.name, address: a))
            }
        }
    }

    /// 9. Routes the profile wants (routes it does not name are left alone, unless `exact`).
    ///    Routes through a link this plan deletes go away with it.
    mutating func setRoutes(exact: Bool) {
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
            for c in currentRoutes where c.destination == r.destination && Plan.isSameFamily(c.gateway, r.gateway) {
                out.append(.removeRoute(c))
            }
            out.append(.addRoute(r))
        }
        guard exact else { return }
        for c in currentRoutes where !desired.routes.contains(where: { r in
            r.destination == c.destination && r.gateway == c.gateway && (r.device == nil || r.device == c.device)
        }) && !out.contains(.removeRoute(c)) {
            out.append(.removeRoute(c))
        }
    }
}

extension Set<String> {
    /// `contains`, without hashing the name when the set is empty (a look-up hashes it even
    /// then): the planner's sets are empty in most plans (a re-plan that creates nothing).
    func has(_ name: String) -> Bool { !isEmpty && contains(name) }
}
