internal import CNetlink
#if canImport(Glibc)
import Glibc
#endif
import NodeNetwork

/// Bonding: bond options (IFLA_INFO_DATA, IFLA_BOND_*) and slave state (IFLA_INFO_SLAVE_DATA,
/// IFLA_BOND_SLAVE_*). libnl 3.7 parses neither and sets few: every option is put and parsed
/// here from `BondOptionSpec.all` (attribute number, width, names), so a new option is a row.
enum BondLink {
    /// IFLA_BOND_SLAVE_STATE: BOND_STATE_ACTIVE = 0, BOND_STATE_BACKUP = 1.
    static let slaveStates = ["active", "backup"]
    /// IFLA_BOND_SLAVE_MII_STATUS: BOND_LINK_UP, BOND_LINK_FAIL, BOND_LINK_DOWN, BOND_LINK_BACK.
    static let miiStatuses = ["up", "going-down", "down", "going-back"]

    static let modes = BondMode.allCases.map(\.rawValue)

    /// Number for a kernel name (for requests that set bond options).
    static func number(_ name: String, in names: [String]) -> Int? { names.firstIndex(of: name) }

    static func name<T: BinaryInteger>(_ value: T?, in names: [String]) -> String? {
        guard let value, value >= 0, Int(value) < names.count else { return nil }
        return names[Int(value)]
    }

    /// Bond options with the active slave and primary still as interface indexes (resolved to
    /// names once the whole dump is read).
    struct Raw {
        var settings: BondSettings
        var activeSlaveIndex: Int?
        var primaryIndex: Int?
    }

    /// What a bond's IFLA_INFO_DATA holds: its options and what the driver reports at run time.
    struct Parsed {
        var raw: Raw
        var runtime: BondRuntime?
    }

    static func settings(from data: Attributes) -> Raw {
        var settings = BondSettings(mode: name(data.u8(Int(IFLA_BOND_MODE)), in: modes) ?? "unknown")
        for spec in BondOptionSpec.all where spec.option != .mode && spec.wire != .ifindex {
            settings[spec.option] = value(spec, in: data)
        }
        // The kernel reports no ARP target list when there is none: an empty list is what it says.
        if settings.arpIPTarget == nil, data.has(Int(IFLA_BOND_MODE)) { settings.arpIPTarget = [] }
        return Raw(settings: settings,
                   activeSlaveIndex: data.u32(Int(IFLA_BOND_ACTIVE_SLAVE)).map(Int.init),
                   primaryIndex: data.u32(Int(IFLA_BOND_PRIMARY)).map(Int.init))
    }

    /// One option's value from its attribute, per the table's width and values.
    static func value(_ spec: BondOptionSpec, in data: Attributes) -> BondValue? {
        let a = spec.attribute
        let number: Int?
        switch spec.wire {
        case .u8: number = data.u8(a).map(Int.init)
        case .u16: number = data.u16(a).map(Int.init)
        case .u32: number = data.u32(a).map(Int.init)
        case .nested:
            guard data.has(a) else { return nil }
            return .list(data.list(a).compactMap(address))
        case .bytes:
            // All zero: none set (the kernel uses the bond's own MAC, and refuses to be sent zero).
            guard let b = data.bytes(a), b.count == 6, b.contains(where: { $0 != 0 }) else { return nil }
            return .name(b.map { hex($0) }.joined(separator: ":"))
        case .ifindex: return nil
        }
        guard let number else { return nil }
        switch spec.values {
        case .names(let names): return name(number, in: names).map(BondValue.name)
        case .flag: return .flag(number != 0)
        default: return .int(number)
        }
    }

    static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }

    /// IPv4 (4 bytes) or IPv6 (16 bytes) in canonical text.
    static func address(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(cString: buffer) : nil
    }

    static func slave(from data: Attributes) -> BondSlaveSettings {
        BondSlaveSettings(
            state: name(data.u8(Int(IFLA_BOND_SLAVE_STATE)), in: slaveStates),
            miiStatus: name(data.u8(Int(IFLA_BOND_SLAVE_MII_STATUS)), in: miiStatuses),
            linkFailureCount: data.u32(Int(IFLA_BOND_SLAVE_LINK_FAILURE_COUNT)).map(Int.init))
    }
}

extension BondLink {
    /// IFLA_BOND_* for `settings` (the mode when `includeMode`, then every option given, in the
    /// table's order); names are turned into the kernel's numbers, interface names (primary,
    /// active slave) into indexes through `indexOf`.
    static func put(_ settings: BondSettings, into m: Message, includeMode: Bool = true,
                    indexOf: (String) -> Int?) throws(NetlinkError) {
        if includeMode { try put(BondOptionSpec[.mode], .name(settings.mode), into: m, indexOf: indexOf) }
        for spec in BondOptionSpec.all where spec.option != .mode {
            guard let v = settings[spec.option] else { continue }
            try put(spec, v, into: m, indexOf: indexOf)
        }
        if let v = settings.activeSlave, let index = indexOf(v) {
            try m.put(Int(IFLA_BOND_ACTIVE_SLAVE), u32: UInt32(index))
        }
    }

    static func refuse(_ m: Message, _ spec: BondOptionSpec, _ v: BondValue, _ why: String, code: Int32 = NLE_INVAL) -> NetlinkError {
        NetlinkError(operation: "\(m.operation): \(spec.key) \(spec.ipText(v))", code: code, message: why)
    }

    static func put(_ spec: BondOptionSpec, _ v: BondValue, into m: Message, indexOf: (String) -> Int?) throws(NetlinkError) {
        let a = spec.attribute
        switch (spec.wire, v) {
        case (.nested, .list(let items)):
            try m.nest(a) { () throws(NetlinkError) in
                for (i, item) in items.enumerated() {
                    guard let bytes = addressBytes(item) else { throw refuse(m, spec, v, "not an IP address: \(item)") }
                    try m.put(i, bytes: bytes)
                }
            }
        case (.bytes, .name(let mac)):
            let parts = mac.split(separator: ":").compactMap { UInt8($0, radix: 16) }
            guard parts.count == 6 else { throw refuse(m, spec, v, "not a MAC address") }
            try m.put(a, bytes: parts)
        case (.ifindex, .name(let ifname)):
            guard let index = indexOf(ifname) else {
                throw refuse(m, spec, v, String(cString: nl_geterror(NLE_NODEV)), code: NLE_NODEV)
            }
            try m.put(a, u32: UInt32(index))
        default:
            try putNumber(spec, v, into: m)
        }
    }

    static func putNumber(_ spec: BondOptionSpec, _ v: BondValue, into m: Message) throws(NetlinkError) {
        let n: Int
        switch (spec.values, v) {
        case (.names(let names), .name(let s)):
            guard let i = names.firstIndex(of: s) else {
                throw refuse(m, spec, v, "unknown value (one of: \(names.joined(separator: ", ")))")
            }
            n = i
        case (.flag, .flag(let b)): n = b ? 1 : 0
        case (.count(let range, _), .int(let i)):
            guard range.contains(i) else { throw refuse(m, spec, v, "out of range \(range)") }
            n = i
        default: throw refuse(m, spec, v, "value of the wrong kind")
        }
        switch spec.wire {
        case .u8: try m.put(spec.attribute, u8: UInt8(truncatingIfNeeded: n))
        case .u16: try m.put(spec.attribute, u16: UInt16(truncatingIfNeeded: n))
        default: try m.put(spec.attribute, u32: UInt32(truncatingIfNeeded: n))
        }
    }

    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Bond as a `LinkKindUnit`: a request's data is every option given (the mode included).
extension BondLink: LinkKindUnit {
    static let infoKind = "bond"
    static let interfaceKind = InterfaceKind.bond
    static var dataMaxType: Int32? { xg_ifla_bond_max() }
    static var slaveDataMaxType: Int32? { xg_ifla_bond_slave_max() }

    static func put(_ settings: BondSettings, into m: Message, indexOf: (String) -> Int?) throws(NetlinkError) {
        try put(settings, into: m, includeMode: true, indexOf: indexOf)
    }

    /// A bond created with every option given (no settings: balance-rr, the kernel's default).
    static func createParts(_ i: Interface) -> CreateParts<Self> {
        createParts(i.name, settings: i.bond ?? BondSettings(mode: "balance-rr"))
    }

    static func createParts(_ name: String, settings: BondSettings) -> CreateParts<Self> {
        CreateParts(names: [name], operation: "create bond \(name)") { _ in settings }
    }

    static func parse(data: Attributes, into record: inout LinkRecord) throws(NetlinkError) {
        record.kindData = Parsed(raw: settings(from: data),
                                 runtime: try BondStateLink.runtime(from: data, operation: "dump links"))
    }

    static func parse(slaveData: Attributes, into record: inout LinkRecord) throws(NetlinkError) {
        var s = slave(from: slaveData)
        BondStateLink.complete(&s, from: slaveData)
        record.slaveData = s
    }

    /// Options with the active slave and primary named (the dump's indexes resolved); slave state.
    static func complete(_ interface: inout Interface, from record: LinkRecord, names: LinkNames) {
        if record.infoKind == infoKind, let parsed = record.kindData as? Parsed {
            var settings = parsed.raw.settings
            settings.activeSlave = parsed.raw.activeSlaveIndex.flatMap { names[$0] }
            settings.primary = parsed.raw.primaryIndex.flatMap { names[$0] }
            interface.bond = settings
            interface.bondState = parsed.runtime
        }
        if record.slaveKind == infoKind { interface.slave = record.slave }
    }
}

extension LinkRecord {
    /// A bond's options (indexes not yet resolved), as `BondLink` parsed them.
    var bond: BondLink.Raw? { (kindData as? BondLink.Parsed)?.raw }
    /// A bond's runtime state (802.3ad aggregator, ARP monitor).
    var bondState: BondRuntime? { (kindData as? BondLink.Parsed)?.runtime }
    /// A bond slave's state, as `BondLink` parsed it.
    var slave: BondSlaveSettings? { slaveData as? BondSlaveSettings }
}
