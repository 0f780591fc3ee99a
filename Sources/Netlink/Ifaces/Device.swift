internal import CNetlink
import NodeNetwork

/// Physical devices (and anything else without IFLA_INFO_KIND): an Ethernet link with no kind
/// is a NIC (or a driver without rtnl_link_ops, like Xen's netback vifs); the rest is "other".
enum DeviceLink {
    static func kind(infoKind: String?, arpType: UInt16) -> InterfaceKind {
        switch infoKind {
        case "bridge": return .bridge
        case "bond": return .bond
        case "veth": return .veth
        case nil: return arpType == UInt16(ARPHRD_ETHER) ? .device : .other
        default: return .other
        }
    }

    /// RFC 2863 operational state (IFLA_OPERSTATE, IF_OPER_*), spelled as `ip link` does, lower-case.
    static let operstates = ["unknown", "notpresent", "down", "lowerlayerdown", "testing",
                             "dormant", "up"]

    static func operstate(_ value: UInt8?) -> String? {
        guard let value, Int(value) < operstates.count else { return nil }
        return operstates[Int(value)]
    }

    static func mac(_ bytes: [UInt8]?) -> String? {
        guard let bytes, !bytes.isEmpty else { return nil }
        // Hex digits written straight into UTF-8 (this runs for every link of every dump).
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
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
