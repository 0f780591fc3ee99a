internal import CNetlink
import Foundation
import NodeNetwork

/// Change requests, one kernel request each, acknowledged before returning; a refusal throws a
/// `NetlinkError` naming the operation with libnl's text and the kernel's reason. Inside
/// `pipeline(_:)` the same calls queue their requests instead, and the batch is sent together.
/// Works in the network namespace of the calling thread (run the process under `ip netns exec`).
public final class LinkWriter {
    public let socket: NetlinkSocket

    public init() throws(NetlinkError) { socket = try NetlinkSocket() }
    public init(socket: NetlinkSocket) { self.socket = socket }

    /// Indexes looked up by this writer (if_nametoindex costs three system calls). Forgotten on
    /// every delete: deleting one end of a veth deletes the other, and a name may come back.
    private var indexes: [String: Int] = [:]

    /// When set, every link this writer creates carries this alias (IFLA_IFALIAS) from the
    /// moment it exists: xg-scale's ownership mark (see `sendCreate`).
    public var createMark: String?
    /// The highest ifindex handed to a create so far.
    var reservedIndex = 0
    /// A state read's highest ifindex and the sentinel that says whether it still holds
    /// (`seedIndexes`), until the first create.
    var indexSeed: (highest: Int, sentinel: ChangeSentinel)?
    /// While `pipeline(_:)` builds a batch: the requests queued instead of sent.
    var queue: PipelineQueue?

    func remember(_ name: String, _ index: Int) { indexes[name] = index }

    /// The ifindex of `name` in this namespace.
    public func index(of name: String, for operation: @autoclosure () -> String) throws(NetlinkError) -> Int {
        if let known = indexes[name] { return known }
        let index = if_nametoindex(name)
        guard index != 0 else {
            throw NetlinkError(operation: "\(operation()): no interface \(name)", code: NLE_NODEV,
                               message: String(cString: nl_geterror(NLE_NODEV)))
        }
        indexes[name] = Int(index)
        return Int(index)
    }

    static func existingIndex(_ name: String) -> Int? { InterfaceLookup.index(of: name) }

    // MARK: links

    /// Create `interface` as the unit of its kind builds the request from the settings given
    /// at creation (`Plan.creation`: master, MTU, addresses and up are separate steps). Throws
    /// `LinkCreateError` for a kind xg-scale does not create or an interface that lacks what
    /// its create needs (nothing sent), `NetlinkError` when the kernel refuses.
    public func create(_ interface: Interface) throws {
        guard let unit = LinkKinds.unit(of: interface.kind) else {
            throw LinkCreateError("cannot create \(interface.name): a \(interface.kind.rawValue) is not made by software")
        }
        try create(unit, interface)
    }

    private func create<K: LinkKindUnit>(_ unit: K.Type, _ interface: Interface) throws {
        try create(K.createParts(interface))
    }

    /// The one create path: the unit's request parts sent through `sendCreate` (with the
    /// ownership mark in the same sendmsg when `createMark` is set; queued inside a pipeline).
    func create<K: LinkKindUnit>(_ parts: CreateParts<K>) throws(NetlinkError) {
        try sendCreate(names: parts.names) { (partnerIndex) throws(NetlinkError) in
            try parts.request(partnerIndex: partnerIndex)
        }
    }

    public func createBridge(_ name: String, settings: BridgeSettings? = nil) throws(NetlinkError) {
        try create(BridgeLink.createParts(name, settings: settings))
    }

    /// Change bridge-level settings of an existing bridge (all given fields in one request).
    public func setBridge(_ name: String, settings: BridgeSettings) throws(NetlinkError) {
        let operation = "set bridge \(name)"
        try submit(LinkRequest.change(BridgeLink.self, index: index(of: name, for: operation),
                                              settings: settings, operation: operation))
    }

    public func createBond(_ name: String, settings: BondSettings) throws(NetlinkError) {
        try create(BondLink.createParts(name, settings: settings))
    }

    /// Change options of an existing bond: one request per set of `sending`, in order, each
    /// with the options of `settings` it names (the mode only when it names `.mode`). The
    /// planner decided the sets (`BondSettings.requests(from:)`); nothing is read or decided here.
    public func setBond(_ name: String, settings: BondSettings, sending: [Set<BondOption>]) throws(NetlinkError) {
        let operation = "set bond \(name)"
        let index = try index(of: name, for: operation)
        for options in sending {
            let m = try LinkRequest.message(.new, index: index, operation: operation)
            try LinkRequest.putLinkInfo(BondLink.self, into: m) { (m) throws(NetlinkError) in
                try BondLink.put(settings.keeping(options), into: m, includeMode: options.contains(.mode),
                                 indexOf: LinkWriter.existingIndex)
            }
            try submit(m)
        }
    }

    /// Create a veth pair `name` <-> `peer` (both in this namespace). In the same request:
    /// the MTU of either end, `name`'s master and `name` up. (The kernel cannot bring the peer up
    /// while the pair is being created: ENOTCONN.)
    public func createVeth(_ name: String, peer: String, mtu: Int? = nil, peerMTU: Int? = nil,
                           master: String? = nil, up: Bool = false) throws(NetlinkError) {
        var parts = VethLink.createParts(name, peer: peer, peerMTU: peerMTU)
        parts.attributes.mtu = mtu
        if let master { parts.attributes.masterIndex = try index(of: master, for: parts.operation) }
        if up { parts.flags = UInt32(IFF_UP.rawValue) }
        try create(parts)
    }

    public func deleteLink(_ name: String) throws(NetlinkError) {
        let operation = "delete \(name)"
        let index = try index(of: name, for: operation)
        indexes.removeAll()
        try submit(LinkRequest.message(.del, index: index, operation: operation))
    }

    /// Enslave `name` to `master` (a bridge or bond), or release it when `master` is nil.
    public func setMaster(_ name: String, master: String?) throws(NetlinkError) {
        let operation = { master.map { "set \(name) master \($0)" } ?? "release \(name) from its master" }
        var masterIndex = 0
        if let master { masterIndex = try index(of: master, for: operation()) }
        let m = try LinkRequest.message(.new, index: index(of: name, for: operation()), describe: operation)
        try m.put(Int(IFLA_MASTER), u32: UInt32(masterIndex))
        try submit(m)
    }

    public func setUp(_ name: String, _ up: Bool) throws(NetlinkError) {
        let operation = { "set \(name) \(up ? "up" : "down")" }
        let m = try LinkRequest.message(.new, index: index(of: name, for: operation()),
                                        flags: up ? UInt32(IFF_UP.rawValue) : 0,
                                        change: UInt32(IFF_UP.rawValue), describe: operation)
        try submit(m)
    }

    public func setMTU(_ name: String, _ mtu: Int) throws(NetlinkError) {
        let operation = { "set \(name) mtu \(mtu)" }
        let m = try LinkRequest.message(.new, index: index(of: name, for: operation()), describe: operation)
        try m.put(Int(IFLA_MTU), u32: UInt32(mtu))
        try submit(m)
    }

    /// Bridge port settings of `name` (AF_BRIDGE RTM_SETLINK, IFLA_PROTINFO), as `bridge link set`.
    public func setBridgePort(_ name: String, priority: Int? = nil, cost: Int? = nil) throws(NetlinkError) {
        let operation = { "set bridge port \(name)" }
        try submit(BridgeLink.portRequest(index: index(of: name, for: operation()),
                                                  BridgePortSettings(priority: priority, cost: cost),
                                                  operation: operation()))
    }

    // MARK: addresses and routes

    /// Add (or, with `delete`, remove) "address/prefix" on `name`.
    public func address(_ address: String, on name: String, delete: Bool = false) throws(NetlinkError) {
        let operation = "\(delete ? "delete" : "add") address \(address) on \(name)"
        let (family, bytes, prefix) = try Self.parse(address, prefixRequired: true, operation: operation)
        var header = ifaddrmsg()
        header.ifa_family = UInt8(family)
        header.ifa_prefixlen = UInt8(prefix ?? 0)
        header.ifa_index = UInt32(try index(of: name, for: operation))
        let m = try Message(type: Int(delete ? RTM_DELADDR : RTM_NEWADDR),
                            flags: delete ? 0 : NLM_F_CREATE | NLM_F_EXCL, header: header, operation: operation)
        try m.put(Int(IFA_LOCAL), bytes: bytes)
        try m.put(Int(IFA_ADDRESS), bytes: bytes)
        try submit(m)
    }

    /// Add (or remove) a default route through `route.gateway` (main table).
    public func defaultRoute(_ route: Route, delete: Bool = false) throws(NetlinkError) {
        let operation = "\(delete ? "delete" : "add") default route via \(route.gateway)"
        let (family, bytes, _) = try Self.parse(route.gateway, prefixRequired: false, operation: operation)
        var header = rtmsg()
        header.rtm_family = UInt8(family)
        header.rtm_table = UInt8(RT_TABLE_MAIN.rawValue)
        header.rtm_protocol = UInt8(RTPROT_BOOT)
        header.rtm_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.rtm_type = UInt8(RTN_UNICAST)
        let m = try Message(type: Int(delete ? RTM_DELROUTE : RTM_NEWROUTE),
                            flags: delete ? 0 : NLM_F_CREATE | NLM_F_EXCL, header: header, operation: operation)
        try m.put(Int(RTA_GATEWAY.rawValue), bytes: bytes)
        if let device = route.device {
            try m.put(Int(RTA_OIF.rawValue), u32: UInt32(try index(of: device, for: operation)))
        }
        try submit(m)
    }

    static func parse(_ text: String, prefixRequired: Bool, operation: String)
        throws(NetlinkError) -> (Int32, [UInt8], Int?)
    {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let host = String(parts[0])
        let family: Int32 = host.contains(":") ? AF_INET6 : AF_INET
        var bytes = [UInt8](repeating: 0, count: family == AF_INET ? 4 : 16)
        let ok = bytes.withUnsafeMutableBytes { inet_pton(family, host, $0.baseAddress) } == 1
        let prefix = parts.count == 2 ? Int(parts[1]) : nil
        let maxPrefix = family == AF_INET ? 32 : 128
        guard ok, parts.count <= 2, !(prefixRequired && prefix == nil),
              prefix.map({ (0...maxPrefix).contains($0) }) ?? true
        else {
            throw NetlinkError(operation: operation, code: NLE_INVAL,
                               message: "not an IP address\(prefixRequired ? " with prefix length" : ""): \(text)")
        }
        return (family, bytes, prefix)
    }
}
