import Foundation
import NodeNetwork
import SystemIO

/// What only /proc/net/bonding tells on a 6.1 kernel: the 802.3ad churn states of each slave
/// (netlink carries them from kernel 6.x on; when it does, those are kept).
public enum BondProc {
    /// "Actor/Partner Churn State" per "Slave Interface" of one /proc/net/bonding/BOND text.
    public static func churnStates(_ text: String) -> [String: (actor: String?, partner: String?)] {
        var result: [String: (actor: String?, partner: String?)] = [:]
        var slave: String? = nil
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            switch key {
            case "Slave Interface": slave = value
            case "Actor Churn State": if let s = slave { result[s, default: (nil, nil)].actor = value }
            case "Partner Churn State": if let s = slave { result[s, default: (nil, nil)].partner = value }
            default: break
            }
        }
        return result
    }

    /// Fill in missing churn states of 802.3ad slaves from /proc/net/bonding of the calling
    /// thread's network namespace (a bond whose file cannot be read is left as it is).
    public static func addChurnStates(to state: inout NetworkState) {
        // Most nodes have no 802.3ad bond: answered by reading alone (the loop below takes the
        // interfaces for writing, which copies them all when the array is shared).
        guard state.interfaces.contains(where: { $0.bondState?.ad != nil }) else { return }
        for bond in state.interfaces where bond.bondState?.ad != nil {
            let needs = state.interfaces.contains {
                $0.master == bond.name && $0.slave?.lacp != nil && $0.slave?.lacp?.actorChurnState == nil
            }
            guard needs, let bytes = try? Files.read("/proc/thread-self/net/bonding/\(bond.name)",
                                                     what: "bond status", maxBytes: 1 << 20) else { continue }
            let churn = churnStates(String(decoding: bytes, as: UTF8.self))
            for i in state.interfaces.indices where state.interfaces[i].master == bond.name {
                guard let c = churn[state.interfaces[i].name], state.interfaces[i].slave?.lacp != nil else { continue }
                state.interfaces[i].slave!.lacp!.actorChurnState = c.actor
                state.interfaces[i].slave!.lacp!.partnerChurnState = c.partner
            }
        }
    }
}

extension LinkReader {
    /// Every bond and bond slave of the namespace, churn states included: for a monitor's poll of
    /// what the kernel does not notify (the LACP partner, the aggregator, churn). One dump filtered
    /// to kind bond, then one filtered to each bond's slaves, so a node without bonds (an STP node
    /// with hundreds of guest ports) costs an empty answer per poll, not a dump of every link.
    public func bondLinks() throws(NetlinkError) -> [Interface] {
        let bonds = try dumpLinks(kind: BondLink.infoKind)
        guard !bonds.isEmpty else { return [] }
        var links = bonds
        for bond in bonds { links += try dumpLinks(master: bond.index) }
        var names = LinkNames(links)
        // A bond's own master (the bridge above it) is not in these dumps.
        for link in links { if let m = link.masterIndex, names[m] == nil { names[m] = InterfaceLookup.name(of: m) } }
        var state = NetworkState(interfaces: links.filter { $0.infoKind == "bond" || $0.slaveKind == "bond" }
            .map { $0.interface(names: names) })
        BondProc.addChurnStates(to: &state)
        return state.interfaces
    }
}
