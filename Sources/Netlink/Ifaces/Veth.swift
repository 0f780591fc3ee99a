/// veth pairs: the peer is IFLA_LINK (its ifindex). When IFLA_LINK_NETNSID is present the peer
/// lives in another network namespace, where that index means nothing here: no peer name then.
enum VethLink {
    static func peerName(peerIndex: Int?, peerInOtherNamespace: Bool, names: [Int: String]) -> String? {
        guard let peerIndex, !peerInOtherNamespace else { return nil }
        return names[peerIndex]
    }
}
