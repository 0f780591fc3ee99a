internal import CNetlink
import NodeNetwork

/// Physical devices (and anything else without IFLA_INFO_KIND): an Ethernet link with no kind
/// is a NIC (or a driver without rtnl_link_ops, like Xen's netback vifs); the rest is "other".
/// Also the attributes every link has, whatever its kind (put and parsed here).
enum DeviceLink {
    static func kind(infoKind: String?, arpType: UInt16) -> InterfaceKind {
        if let unit = LinkKinds.unit(infoKind) { return unit.interfaceKind }
        return infoKind == nil && arpType == UInt16(ARPHRD_ETHER) ? .device : .other
    }

    /// Link attributes a request may carry besides the name (as indexes: resolved by the writer).
    struct Common {
        var mtu: Int?
        var masterIndex: Int?
    }

    static func put(_ common: Common, into m: Message) throws(NetlinkError) {
        if let v = common.mtu { try m.put(Int(IFLA_MTU), u32: UInt32(v)) }
        if let v = common.masterIndex { try m.put(Int(IFLA_MASTER), u32: UInt32(v)) }
    }

    /// The attributes of every link (not its kind's, not its name) into `record`.
    static func parse(_ a: Attributes, into record: inout LinkRecord) {
        record.mtu = a.u32(Int(IFLA_MTU)).map(Int.init)
        record.masterIndex = a.u32(Int(IFLA_MASTER)).map(Int.init)
        record.linkIndex = a.u32(Int(IFLA_LINK)).map(Int.init)
        record.linkInOtherNamespace = a.has(Int(IFLA_LINK_NETNSID))
        record.linkNetnsID = a.u32(Int(IFLA_LINK_NETNSID)).map { Int(Int32(bitPattern: $0)) }
        record.carrier = a.u8(Int(IFLA_CARRIER)).map { $0 != 0 }
        record.carrierUpCount = a.u32(Int(IFLA_CARRIER_UP_COUNT)).map(Int.init)
        record.carrierDownCount = a.u32(Int(IFLA_CARRIER_DOWN_COUNT)).map(Int.init)
        record.operstate = operstate(a.u8(Int(IFLA_OPERSTATE)))
        record.mac = mac(a.bytes(Int(IFLA_ADDRESS)))
        record.alias = a.string(Int(IFLA_IFALIAS))
    }

    /// RFC 2863 operational state (IFLA_OPERSTATE, IF_OPER_*), spelled as `ip link` does, lower-case.
    static let operstates = ["unknown", "notpresent", "down", "lowerlayerdown", "testing",
                             "dormant", "up"]

    static func operstate(_ value: UInt8?) -> String? {
        guard let value, Int(value) < operstates.count else { return nil }
        return operstates[Int(value)]
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func mac(_ bytes: [UInt8]?) -> String? {
        guard let bytes, !bytes.isEmpty else { return nil }
        // Hex digits written straight into UTF-8 (this runs for every link of every dump).
        let digits = hexDigits
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count * 3)
        for (i, byte) in bytes.enumerated() {
            if i > 0 { utf8.append(UInt8(ascii: ":")) }
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
