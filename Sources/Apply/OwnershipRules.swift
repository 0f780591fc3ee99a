// Which recorded interfaces may be deleted: only what is both recorded in the state AND marked
// as ours in the kernel (IFLA_IFALIAS), and never `lo`, an uplink or a veth peer of an uplink.
import NodeNetwork

public enum OwnershipRules {
    /// Interfaces never deleted, whatever a state file says: `lo`, the devices `desired` names
    /// (the uplinks) and, when they are veths, their peers.
    public static func protected(current: NetworkState, desired: NetworkState) -> Set<String> {
        var names: Set<String> = ["lo"]
        for i in desired.interfaces where i.kind == .device {
            names.insert(i.name)
            if let peer = current[i.name]?.peer { names.insert(peer) }
        }
        return names
    }

    /// The recorded names that may be deleted: marked with `mark`, not protected, and for a
    /// veth, its peer too (deleting one end deletes both).
    public static func deletable(_ recorded: Set<String>, marks: [String: String], mark: String,
                                 current: NetworkState, desired: NetworkState) -> Set<String> {
        let keep = protected(current: current, desired: desired)
        func ours(_ name: String) -> Bool { !keep.contains(name) && marks[name] == mark }
        return recorded.filter { name in
            guard ours(name) else { return false }
            if let i = current[name], i.kind == .veth, let peer = i.peer { return ours(peer) }
            return true
        }
    }
}
