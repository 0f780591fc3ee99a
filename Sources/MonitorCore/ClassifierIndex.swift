// What keeps the classifier's cost per notification independent of the node's size: the
// position of each interface by name, and the discovered groups, found again only when a
// change can alter them.
import NodeNetwork

extension Classifier {
    mutating func reindex(_ s: NetworkState) {
        positions = [:]
        positions.reserveCapacity(s.interfaces.count)
        for k in s.interfaces.indices where positions[s.interfaces[k].name] == nil {
            positions[s.interfaces[k].name] = k
        }
        discovered = nil
    }

    /// Replace (or add) one interface in `new`, keeping what a link message of one family does
    /// not say (AF_UNSPEC has no IFLA_PROTINFO port state) while the master is the same.
    mutating func merge(_ incoming: Interface, into new: inout NetworkState) {
        var i = incoming
        guard let idx = positions[i.name] else {
            positions[i.name] = new.interfaces.count
            new.interfaces.append(i)
            discovered = nil
            return
        }
        let prev = new.interfaces[idx]
        if prev.master == i.master {
            if i.port == nil { i.port = prev.port }
            if i.slave == nil { i.slave = prev.slave }
            // A notification has no churn states on a 6.1 kernel (the bond poll reads them).
            if i.slave?.lacp != nil, i.slave?.lacp?.actorChurnState == nil, let p = prev.slave?.lacp {
                i.slave?.lacp?.actorChurnState = p.actorChurnState
                i.slave?.lacp?.partnerChurnState = p.partnerChurnState
            }
        }
        if i.kind == prev.kind {
            if i.bridge == nil { i.bridge = prev.bridge }
            if i.bond == nil { i.bond = prev.bond }
        }
        if Self.membershipDiffers(prev, i) { discovered = nil }
        new.interfaces[idx] = i
    }

    /// Whether a change of `old` into `new` can change the groups discovery finds.
    static func membershipDiffers(_ old: Interface, _ new: Interface) -> Bool {
        old.master != new.master || old.kind != new.kind || old.bridge?.stp != new.bridge?.stp
            || old.peer != new.peer || old.peerNetnsID != new.peerNetnsID
    }

    /// The groups of `s`: the profile's, or those discovered (cached until membership changes).
    mutating func groups(in s: NetworkState) -> [Group] {
        if let p = options.profile { return p }
        if let d = discovered { return d }
        let d = Redundancy.discoverGroups(in: s)
        discovered = d
        return d
    }
}
