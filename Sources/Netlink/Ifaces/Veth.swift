internal import CNetlink
import NodeNetwork

/// veth pairs: created with the peer's name (and index, MTU) in VETH_INFO_PEER. Read back, the
/// peer is IFLA_LINK (its ifindex); when IFLA_LINK_NETNSID is present the peer lives in another
/// network namespace, where that index means nothing here: no peer name then, only its netns id.
enum VethLink: LinkKindUnit {
    static let infoKind = "veth"
    static let interfaceKind = InterfaceKind.veth

    /// Queues allocated to each end: one transmit and one receive queue, the queue pair the
    /// kernel leaves a veth using. Without them the kernel allocates one per possible CPU, then
    /// takes the real count down to one after registering the end, and that waits for an RCU
    /// grace period under the RTNL lock: two per pair, which were most of a 64-pair apply's wall
    /// time on a loaded machine (Benchmarks/apply-notes.md, "veth-queues").
    static let queues = 1

    /// The other end, as a create request names it.
    struct Peer {
        var name: String
        /// The index asked for (0: the kernel picks).
        var index = 0
        var mtu: Int?
    }

    /// VETH_INFO_PEER: a struct ifinfomsg followed by the peer's attributes.
    static func put(_ peer: Peer, into m: Message, indexOf: (String) -> Int?) throws(NetlinkError) {
        try m.nest(Int(VETH_INFO_PEER)) { () throws(NetlinkError) in
            var peerHeader = ifinfomsg()
            peerHeader.ifi_index = Int32(peer.index)
            m.append(peerHeader)
            try m.put(Int(IFLA_IFNAME), string: peer.name)
            try DeviceLink.put(DeviceLink.Common(mtu: peer.mtu, queues: queues), into: m)
        }
    }

    /// A pair created from one end: its peer's name is required.
    static func createParts(_ i: Interface) throws(LinkCreateError) -> CreateParts<Self> {
        guard let peer = i.peer else { throw LinkCreateError("create veth \(i.name) without a peer name") }
        return createParts(i.name, peer: peer)
    }

    /// The pair `name` <-> `peer`, the peer with `peerMTU`; the peer gets the partner index.
    static func createParts(_ name: String, peer: String, peerMTU: Int? = nil) -> CreateParts<Self> {
        var parts = CreateParts<Self>(names: [name, peer], operation: "create veth \(name) peer \(peer)") { peerIndex in
            Peer(name: peer, index: peerIndex, mtu: peerMTU)
        }
        parts.attributes.queues = queues
        return parts
    }

    static func complete(_ interface: inout Interface, from record: LinkRecord, names: LinkNames) {
        guard record.infoKind == infoKind else { return }
        interface.peer = peerName(peerIndex: record.linkIndex, peerInOtherNamespace: record.linkInOtherNamespace,
                                  names: names)
    }

    static func peerName(peerIndex: Int?, peerInOtherNamespace: Bool, names: LinkNames) -> String? {
        guard let peerIndex, !peerInOtherNamespace else { return nil }
        return names[peerIndex]
    }
}
