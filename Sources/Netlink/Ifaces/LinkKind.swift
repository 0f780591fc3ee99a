internal import CNetlink
import NodeNetwork

/// One interface kind in Netlink, whole: what the kernel calls it (IFLA_INFO_KIND), how its
/// IFLA_INFO_DATA is put into a request and parsed from a dump, how the data of its ports
/// (IFLA_INFO_SLAVE_DATA, slave kind = the master's kind) is parsed, and which fields of the
/// core's `Interface` it fills. `LinkRequest`, `LinkRecord` and `DeviceLink.kind` dispatch through
/// `LinkKinds.all` instead of switching on kinds; the attributes every link has are `DeviceLink`'s.
protocol LinkKindUnit {
    /// The kernel's name of the kind (IFLA_INFO_KIND; IFLA_INFO_SLAVE_KIND of its ports).
    static var infoKind: String { get }
    /// The core's name of the kind.
    static var interfaceKind: InterfaceKind { get }

    /// What a request carries in the kind's IFLA_INFO_DATA.
    associatedtype Settings
    /// Put `settings` into `m`, inside IFLA_INFO_DATA (opened by `LinkRequest`). Interface names
    /// become indexes through `indexOf`.
    static func put(_ settings: Settings, into m: Message, indexOf: (String) -> Int?) throws(NetlinkError)

    /// Size of the IFLA_INFO_DATA table (nil: the kind's data is not read).
    static var dataMaxType: Int32? { get }
    static func parse(data: Attributes, into record: inout LinkRecord) throws(NetlinkError)
    /// Size of the IFLA_INFO_SLAVE_DATA table of its ports (nil: not read).
    static var slaveDataMaxType: Int32? { get }
    static func parse(slaveData: Attributes, into record: inout LinkRecord) throws(NetlinkError)

    /// Fill the kind's fields of `interface` (the link is of this kind, or is a port of a link of
    /// this kind) once the whole dump's names are known.
    static func complete(_ interface: inout Interface, from record: LinkRecord, names: LinkNames)

    /// The create of `interface` (of this kind, as the planner made it: the settings given at
    /// creation) as request parts, for `LinkWriter.create`. Throws when the interface lacks what
    /// a create needs (nothing is sent then).
    static func createParts(_ interface: Interface) throws(LinkCreateError) -> CreateParts<Self>
}

/// A create as a kind's unit builds it: the names the kernel makes (the link, then a partner
/// made and deleted with it, as a veth's peer), the operation's text, the kind's settings for
/// IFLA_INFO_DATA given the index asked for the partner (0: the kernel picks), the header flags
/// (IFF_UP: up at once) and link attributes (as indexes). `LinkWriter.create(_:)` sends it,
/// with the ownership mark in the same request.
struct CreateParts<K: LinkKindUnit> {
    var names: [String]
    /// The operation's text, made only when asked (an error is told).
    private var describe: () -> String
    var operation: String { describe() }
    var settings: (_ partnerIndex: Int) -> K.Settings?
    var flags: UInt32 = 0
    var attributes = DeviceLink.Common()

    init(names: [String], operation: @autoclosure @escaping () -> String,
         settings: @escaping (_ partnerIndex: Int) -> K.Settings?) {
        self.names = names
        describe = operation
        self.settings = settings
    }

    /// The RTM_NEWLINK of the create, the partner asked for at `partnerIndex`.
    func request(partnerIndex: Int) throws(NetlinkError) -> Message {
        try LinkRequest.create(K.self, name: names[0], settings: settings(partnerIndex), describe: describe,
                               flags: flags, attributes: attributes)
    }
}

/// A create that could not be built from the interface given: nothing was sent.
public struct LinkCreateError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension LinkKindUnit {
    static var dataMaxType: Int32? { nil }
    static func parse(data: Attributes, into record: inout LinkRecord) throws(NetlinkError) {}
    static var slaveDataMaxType: Int32? { nil }
    static func parse(slaveData: Attributes, into record: inout LinkRecord) throws(NetlinkError) {}
}

/// Every kind xg-scale knows: a new kind is a unit in Ifaces/ and one entry here.
enum LinkKinds {
    // Made once (looked up several times per link of every dump); never changed.
    nonisolated(unsafe) static let all: [any LinkKindUnit.Type] = [BridgeLink.self, BondLink.self, VethLink.self]

    static func unit(_ infoKind: String?) -> (any LinkKindUnit.Type)? {
        guard let infoKind else { return nil }
        return all.first { $0.infoKind == infoKind }
    }

    /// The unit of the core's kind (nil: a kind xg-scale never creates, a device or other).
    static func unit(of kind: InterfaceKind) -> (any LinkKindUnit.Type)? {
        all.first { $0.interfaceKind == kind }
    }
}

extension LinkRequest {
    /// IFLA_LINKINFO of kind `K`: IFLA_INFO_KIND, then IFLA_INFO_DATA filled by the unit (left
    /// out without `settings`).
    static func putLinkInfo<K: LinkKindUnit>(_ kind: K.Type, _ settings: K.Settings?, into m: Message,
                                             indexOf: (String) -> Int? = LinkWriter.existingIndex)
        throws(NetlinkError)
    {
        try m.nest(Int(IFLA_LINKINFO)) { () throws(NetlinkError) in
            try m.put(Int(IFLA_INFO_KIND), string: K.infoKind)
            guard let settings else { return }
            try m.nest(Int(IFLA_INFO_DATA)) { () throws(NetlinkError) in try K.put(settings, into: m, indexOf: indexOf) }
        }
    }

    /// IFLA_LINKINFO of kind `K` with IFLA_INFO_DATA filled by `data` (a unit's own variant of
    /// its `put`, such as a bond change without the mode).
    static func putLinkInfo<K: LinkKindUnit>(_ kind: K.Type, into m: Message,
                                             data: (Message) throws(NetlinkError) -> Void) throws(NetlinkError) {
        try m.nest(Int(IFLA_LINKINFO)) { () throws(NetlinkError) in
            try m.put(Int(IFLA_INFO_KIND), string: K.infoKind)
            try m.nest(Int(IFLA_INFO_DATA)) { () throws(NetlinkError) in try data(m) }
        }
    }

    /// RTM_NEWLINK creating `name` of kind `K` with `settings`; `attributes` adds link attributes
    /// (`DeviceLink.put`) before IFLA_LINKINFO, as the kernel reads them.
    static func create<K: LinkKindUnit>(_ kind: K.Type, name: String, settings: K.Settings?,
                                        operation: @autoclosure @escaping () -> String,
                                        flags: UInt32 = 0, attributes: DeviceLink.Common = .init())
        throws(NetlinkError) -> Message
    {
        try create(kind, name: name, settings: settings, describe: operation, flags: flags, attributes: attributes)
    }

    /// `create` with the operation's text as the closure that makes it.
    static func create<K: LinkKindUnit>(_ kind: K.Type, name: String, settings: K.Settings?,
                                        describe: @escaping () -> String,
                                        flags: UInt32 = 0, attributes: DeviceLink.Common = .init())
        throws(NetlinkError) -> Message
    {
        let m = try message(.new, create: true, flags: flags, change: flags, describe: describe)
        try m.put(Int(IFLA_IFNAME), string: name)
        try DeviceLink.put(attributes, into: m)
        try putLinkInfo(kind, settings, into: m)
        return m
    }

    /// RTM_NEWLINK changing the kind's data of the existing link `index`.
    static func change<K: LinkKindUnit>(_ kind: K.Type, index: Int, settings: K.Settings,
                                        operation: @autoclosure @escaping () -> String)
        throws(NetlinkError) -> Message
    {
        let m = try message(.new, index: index, describe: operation)
        try putLinkInfo(kind, settings, into: m)
        return m
    }
}

extension LinkRecord {
    /// IFLA_LINKINFO: the kind names, then the data of the link's kind and of its master's kind,
    /// each parsed by its unit.
    mutating func parseLinkInfo(_ info: Attributes, operation: String) throws(NetlinkError) {
        infoKind = info.string(Int(IFLA_INFO_KIND))
        slaveKind = info.string(Int(IFLA_INFO_SLAVE_KIND))
        if let unit = LinkKinds.unit(infoKind), let max = unit.dataMaxType,
           let data = try info.nested(Int(IFLA_INFO_DATA), maxType: max, operation: operation) {
            try unit.parse(data: data, into: &self)
        }
        if let unit = LinkKinds.unit(slaveKind), let max = unit.slaveDataMaxType,
           let data = try info.nested(Int(IFLA_INFO_SLAVE_DATA), maxType: max, operation: operation) {
            try unit.parse(slaveData: data, into: &self)
        }
    }

    /// The kind fields of `interface`, from the units of the link's kind and its master's kind.
    func completeKinds(_ interface: inout Interface, names: LinkNames) {
        LinkKinds.unit(infoKind)?.complete(&interface, from: self, names: names)
        if slaveKind != infoKind { LinkKinds.unit(slaveKind)?.complete(&interface, from: self, names: names) }
    }
}
