internal import CNetlink
import NodeNetwork

/// Reads the node's current network (links, addresses, default routes) from the kernel, in the
/// network namespace of the calling thread, as the core's `NetworkState`.
public final class LinkReader {
    public let socket: NetlinkSocket

    public init() throws(NetlinkError) {
        socket = try NetlinkSocket()
    }

    public init(socket: NetlinkSocket) {
        self.socket = socket
    }

    /// Every link of the namespace, in ifindex order, with addresses and the default routes.
    public func currentState() throws(NetlinkError) -> NetworkState {
        try state(parts: .state)
    }

    /// `currentState` as far as the planner compares it (apply's verify): without what only
    /// `show` and the monitor read of a link (MAC, operstate, carrier and its counts).
    public func stateToPlan() throws(NetlinkError) -> NetworkState {
        try state(parts: .plan)
    }

    private func state(parts: LinkRecord.Parts) throws(NetlinkError) -> NetworkState {
        let links = try dumpLinks(parts: parts)
        let addresses = try dumpAddresses()
        let names = LinkNames(links)
        // By position: `map` would copy every record out first.
        var interfaces: [Interface] = []
        interfaces.reserveCapacity(links.count)
        for k in links.indices { interfaces.append(links[k].interface(names: names)) }
        for i in interfaces.indices {
            if let index = interfaces[i].index, let list = addresses[index], !list.isEmpty {
                interfaces[i].addresses = list
            }
        }
        let routes = try dumpDefaultRoutes(names: names)
        var state = NetworkState(interfaces: interfaces, routes: routes)
        BondProc.addChurnStates(to: &state)
        return state
    }

    /// One link as the core's `Interface` (kind, master, options; no addresses), from the link
    /// dump alone: for a writer that needs a link's current options, not the whole state.
    public func interface(named name: String) throws(NetlinkError) -> Interface? {
        let links = try dumpLinks(parts: .state)
        guard let record = links.first(where: { $0.name == name }) else { return nil }
        let names = LinkNames(links)
        return record.interface(names: names)
    }

    /// RTM_GETLINK dump (AF_UNSPEC): one `LinkRecord` per link.
    /// Every link, or (filtered by the kernel, as `ip link show type K` / `master M` ask) only the
    /// links of one kind or with one master. Old kernels ignore the filters: they are applied here too.
    /// `parts`: what of each link is read (see `LinkRecord.Parts`).
    func dumpLinks(kind: String? = nil, master: Int? = nil, parts: LinkRecord.Parts = .all) throws(NetlinkError) -> [LinkRecord] {
        var links: [LinkRecord] = []
        try socket.dump({ () throws(NetlinkError) in
            // Room for a node's links from the start (a record is large: copied at each growth).
            links = []
            links.reserveCapacity(256)
            let m = try Message.linkDump(operation: "dump links")
            if let master { try m.put(Int(IFLA_MASTER), u32: UInt32(master)) }
            if let kind {
                try m.nest(Int(IFLA_LINKINFO)) { () throws(NetlinkError) in try m.put(Int(IFLA_INFO_KIND), string: kind) }
            }
            return m
        }) { (message) throws(NetlinkError) in
            guard let link = try LinkRecord(message: message, parts: parts) else { return }
            if let kind, link.infoKind != kind { return }
            if let master, link.masterIndex != master { return }
            links.append(consume link)
        }
        // The kernel dumps in ifindex order (sorted here otherwise): checked, and sorted in
        // place only when needed, without copying every record.
        if !LinkRecord.inIndexOrder(links) { links.sort { $0.index < $1.index } }
        return links
    }

    /// Every address of the namespace as "address/prefix" (one RTM_GETADDR dump, no link dump),
    /// IPv6 link-local ones included when asked: for checks such as "is this address local?".
    public func addresses(includingLinkLocal: Bool = false) throws(NetlinkError) -> [String] {
        let byIndex = try dumpAddresses(includingLinkLocal: includingLinkLocal)
        return byIndex.keys.sorted().flatMap { byIndex[$0] ?? [] }
    }

    /// RTM_GETADDR dump (IPv4 and IPv6): "address/prefix" per ifindex, in kernel order. IPv6
    /// link-local addresses (scope link), which the kernel makes by itself, are left out unless
    /// asked for.
    func dumpAddresses(includingLinkLocal: Bool = false) throws(NetlinkError) -> [Int: [String]] {
        var result: [Int: [String]] = [:]
        try socket.dump({ () throws(NetlinkError) in
            result = [:]
            var header = ifaddrmsg()
            header.ifa_family = UInt8(AF_UNSPEC)
            return try Message(type: Int(RTM_GETADDR), flags: NLM_F_DUMP, header: header,
                               operation: "dump addresses")
        }) { (message) throws(NetlinkError) in
            guard message.pointee.nlmsg_type == UInt16(RTM_NEWADDR) else { return }
            let header = try familyHeader(message, as: ifaddrmsg.self, operation: "dump addresses")
            let family = Int32(header.ifa_family)
            // Decided from the header alone: the kernel's own link-local addresses (one per
            // link) are dropped before their attributes are parsed.
            if !includingLinkLocal && family == AF_INET6 && header.ifa_scope == UInt8(RT_SCOPE_LINK.rawValue) {
                return
            }
            let attributes = try Attributes(message: message, headerSize: MemoryLayout<ifaddrmsg>.size,
                                            maxType: xg_ifa_max(), operation: "dump addresses")
            let bytes = family == AF_INET
                ? (attributes.bytes(Int(IFA_LOCAL)) ?? attributes.bytes(Int(IFA_ADDRESS)))
                : attributes.bytes(Int(IFA_ADDRESS))
            guard let bytes, let text = IPAddress.text(family: family, bytes: bytes) else { return }
            result[Int(header.ifa_index), default: []].append("\(text)/\(header.ifa_prefixlen)")
        }
        return result
    }

    /// The default routes of the main table that have a gateway (as `currentState` has them), for
    /// the test probe (package access).
    /// `kernelFiltered` false: the whole route dump is read and filtered here only, as from a
    /// kernel that ignores dump filters (the result is the same; for checking just that).
    package func defaultRoutes(kernelFiltered: Bool = true) throws(NetlinkError) -> [Route] {
        let names = LinkNames(try dumpLinks(parts: .alias))
        if kernelFiltered { return try dumpDefaultRoutes(names: names) }
        return try dumpDefaultRoutes(names: names, table: 0, type: 0)
    }

    /// RTM_GETROUTE dump: the default routes of the main table that have a gateway.
    /// The kernel is asked for the unicast routes of the main table only (a strictly checked
    /// dump, `NetlinkSocket.strictlyChecked`): it then leaves out the local table (a route per
    /// address, multicast, broadcast) instead of sending it to be dropped here. The same rules
    /// are applied below whatever the kernel sent, so a kernel that ignores or refuses the
    /// filter (the dump is then made again unfiltered) gives the same routes.
    func dumpDefaultRoutes(names: LinkNames) throws(NetlinkError) -> [Route] {
        let filtered: [Route]? = socket.strictlyChecked { () throws(NetlinkError) in
            try dumpDefaultRoutes(names: names, table: UInt8(RT_TABLE_MAIN.rawValue), type: UInt8(RTN_UNICAST))
        }
        if let filtered { return filtered }
        return try dumpDefaultRoutes(names: names, table: 0, type: 0)
    }

    /// The route dump, asking the kernel for routes of `table` and `type` only (0: any); the
    /// filter is heeded only by a strictly checked request.
    private func dumpDefaultRoutes(names: LinkNames, table wanted: UInt8, type: UInt8) throws(NetlinkError) -> [Route] {
        var routes: [Route] = []
        try socket.dump({ () throws(NetlinkError) in
            routes = []
            var header = rtmsg()
            header.rtm_family = UInt8(AF_UNSPEC)
            header.rtm_table = wanted
            header.rtm_type = type
            return try Message(type: Int(RTM_GETROUTE), flags: NLM_F_DUMP, header: header,
                               operation: "dump routes")
        }) { (message) throws(NetlinkError) in
            guard message.pointee.nlmsg_type == UInt16(RTM_NEWROUTE) else { return }
            let header = try familyHeader(message, as: rtmsg.self, operation: "dump routes")
            guard header.rtm_dst_len == 0, header.rtm_type == UInt8(RTN_UNICAST) else { return }
            let attributes = try Attributes(message: message, headerSize: MemoryLayout<rtmsg>.size,
                                            maxType: xg_rta_max(), operation: "dump routes")
            let table = attributes.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(header.rtm_table)
            guard table == UInt32(RT_TABLE_MAIN.rawValue) else { return }
            let family = Int32(header.rtm_family)
            guard let gateway = attributes.bytes(Int(RTA_GATEWAY.rawValue)),
                  let text = IPAddress.text(family: family, bytes: gateway) else { return }
            let device = attributes.u32(Int(RTA_OIF.rawValue)).flatMap { names[Int($0)] }
            routes.append(Route(destination: "default", gateway: text, device: device))
        }
        return routes
    }
}

extension Message {
    /// An RTM_GETLINK dump request (AF_UNSPEC) without the counters: RTEXT_FILTER_SKIP_STATS
    /// (1 << 3) in IFLA_EXT_MASK. No reader of links (state, show, monitor, bridge poll) uses
    /// IFLA_STATS* or the IPv6 statistics, and leaving them out makes the dump several times
    /// smaller to receive and parse.
    static func linkDump(operation: @autoclosure @escaping () -> String) throws(NetlinkError) -> Message {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        let m = try Message(type: Int(RTM_GETLINK), flags: NLM_F_DUMP, header: header, describe: operation)
        try m.put(Int(IFLA_EXT_MASK), u32: 1 << 3)
        return m
    }
}

/// One link of an RTM_GETLINK dump, copied out of the message (indexes not yet resolved).
struct LinkRecord {
    var index: Int
    var name: String
    var flags: UInt32
    var arpType: UInt16
    var mtu: Int?
    var masterIndex: Int?
    var linkIndex: Int?
    var linkInOtherNamespace = false
    var carrier: Bool?
    var carrierUpCount: Int?
    var carrierDownCount: Int?
    /// IFLA_LINK_NETNSID: the peer's namespace (nil: the peer, if any, is in this one).
    var linkNetnsID: Int?
    var operstate: String?
    var mac: String?
    /// IFLA_IFALIAS (`ip link set NAME alias TEXT`): xg-scale's ownership mark.
    var alias: String?
    var infoKind: String?
    var slaveKind: String?
    /// What the unit of `infoKind` parsed of the link's IFLA_INFO_DATA, as its own type (the
    /// unit's `LinkRecord` extension reads it back typed, e.g. `bridge`, `bond`).
    var kindData: (any Sendable)?
    /// What the unit of `slaveKind` (the master's kind) parsed of IFLA_INFO_SLAVE_DATA.
    var slaveData: (any Sendable)?

    /// What a reader needs of a link: everything, everything but the alias (the state: no
    /// `Interface` field holds it), the state without the runtime fields no plan compares
    /// (MAC, operstate, carrier and its counts), or the name and alias only (the ownership marks).
    enum Parts {
        case all, state, plan, alias
    }

    /// Parse an RTM_NEWLINK message (of it `parts`); nil for other message types.
    init?(message: UnsafeMutablePointer<nlmsghdr>, parts: Parts = .all) throws(NetlinkError) {
        guard message.pointee.nlmsg_type == UInt16(RTM_NEWLINK) else { return nil }
        let operation = "dump links"
        let header = try familyHeader(message, as: ifinfomsg.self, operation: operation)
        let a = try Attributes(message: message, headerSize: MemoryLayout<ifinfomsg>.size,
                               maxType: xg_ifla_max(), operation: operation)
        index = Int(header.ifi_index)
        name = a.string(Int(IFLA_IFNAME)) ?? "if\(header.ifi_index)"
        flags = header.ifi_flags
        arpType = header.ifi_type
        if parts == .alias {
            alias = a.string(Int(IFLA_IFALIAS))
            return
        }
        DeviceLink.parse(a, into: &self, alias: parts == .all, runtime: parts != .plan)
        guard let info = try a.nested(Int(IFLA_LINKINFO), maxType: xg_ifla_info_max(), operation: operation)
        else { return }
        try parseLinkInfo(info, operation: operation)
    }

    /// Whether `links` are in ascending index order (equal indexes kept as they came).
    static func inIndexOrder(_ links: [LinkRecord]) -> Bool {
        var i = 1
        while i < links.count {
            if links[i].index < links[i - 1].index { return false }
            i += 1
        }
        return true
    }

    /// The core's value, with indexes resolved to names through `names`.
    func interface(names: LinkNames) -> Interface {
        let kind = DeviceLink.kind(infoKind: infoKind, arpType: arpType)
        var result = Interface(
            name: name, kind: kind, up: flags & UInt32(IFF_UP.rawValue) != 0,
            master: masterIndex.flatMap { names[$0] }, mtu: mtu, addresses: nil,
            index: index, operstate: operstate, carrier: carrier,
            carrierUpCount: carrierUpCount, carrierDownCount: carrierDownCount, mac: mac)
        result.peerNetnsID = linkNetnsID
        completeKinds(&result, names: names)
        if kind == .other { result.kernelKind = infoKind ?? (arpType == UInt16(ARPHRD_LOOPBACK) ? "loopback" : nil) }
        return result
    }
}
