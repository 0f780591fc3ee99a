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
        /// Transmit and receive queues to allocate (creates only; nil: the kind's default).
        var queues: Int?
    }

    static func put(_ common: Common, into m: Message) throws(NetlinkError) {
        if let v = common.mtu { try m.put(Int(IFLA_MTU), u32: UInt32(v)) }
        if let v = common.masterIndex { try m.put(Int(IFLA_MASTER), u32: UInt32(v)) }
        if let v = common.queues {
            try m.put(Int(IFLA_NUM_TX_QUEUES), u32: UInt32(v))
            try m.put(Int(IFLA_NUM_RX_QUEUES), u32: UInt32(v))
        }
    }

    /// The attributes of every link (not its kind's, not its name) into `record`; the alias,
    /// and the runtime fields (MAC, operstate, carrier and its counts), only when asked.
    static func parse(_ a: Attributes, into record: inout LinkRecord, alias: Bool = true, runtime: Bool = true) {
        record.mtu = a.u32(Int(IFLA_MTU)).map(Int.init)
        record.masterIndex = a.u32(Int(IFLA_MASTER)).map(Int.init)
        record.linkIndex = a.u32(Int(IFLA_LINK)).map(Int.init)
        record.linkInOtherNamespace = a.has(Int(IFLA_LINK_NETNSID))
        record.linkNetnsID = a.u32(Int(IFLA_LINK_NETNSID)).map { Int(Int32(bitPattern: $0)) }
        if alias { record.alias = a.string(Int(IFLA_IFALIAS)) }
        guard runtime else { return }
        record.carrier = a.u8(Int(IFLA_CARRIER)).map { $0 != 0 }
        record.carrierUpCount = a.u32(Int(IFLA_CARRIER_UP_COUNT)).map(Int.init)
        record.carrierDownCount = a.u32(Int(IFLA_CARRIER_DOWN_COUNT)).map(Int.init)
        record.operstate = operstate(a.u8(Int(IFLA_OPERSTATE)))
        record.mac = a.payload(Int(IFLA_ADDRESS)).flatMap { macText($0) }
    }

    /// RFC 2863 operational state (IFLA_OPERSTATE, IF_OPER_*), spelled as `ip link` does, lower-case.
    static let operstates = ["unknown", "notpresent", "down", "lowerlayerdown", "testing",
                             "dormant", "up"]

    static func operstate(_ value: UInt8?) -> String? {
        guard let value, Int(value) < operstates.count else { return nil }
        return operstates[Int(value)]
    }

    static func mac(_ bytes: [UInt8]?) -> String? {
        guard let bytes else { return nil }
        return macText(bytes)
    }

    /// (Read in place from the message: no array made per link.)
    static func macText(_ bytes: some Collection<UInt8>) -> String? {
        guard !bytes.isEmpty else { return nil }
        return hex(bytes, separator: { $0 > 0 ? UInt8(ascii: ":") : nil })
    }

    /// `bytes` in lower-case hex, written straight into the string's storage (this runs for
    /// every link of every dump), `separator(i)` (if any) before byte `i`.
    static func hex(_ bytes: some Collection<UInt8>, separator: (Int) -> UInt8?) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 3) { out in
            var n = 0
            for (i, byte) in bytes.enumerated() {
                if let s = separator(i) { out[n] = s; n += 1 }
                out[n] = hexDigit(byte >> 4)
                out[n + 1] = hexDigit(byte & 0x0f)
                n += 2
            }
            return n
        }
    }

    static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
}
