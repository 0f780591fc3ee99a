internal import CNetlink

/// A netlink message being built (owns one `nl_msg`; freed in deinit).
final class Message {
    let raw: OpaquePointer
    /// What the message is for, used in error texts ("dump links", "create bridge xenbr0").
    let operation: String

    /// A message of `type` (RTM_*) with `flags` (NLM_F_*), followed by the fixed family header
    /// `header` (ifinfomsg, ifaddrmsg, rtmsg...).
    init<Header>(type: Int, flags: Int32, header: Header, operation: String) throws(NetlinkError) {
        self.operation = operation
        raw = try libnl("\(operation): allocate message") { nlmsg_alloc_simple(Int32(type), flags) }
        var copy = header
        let size = MemoryLayout<Header>.size
        do {
            try libnl("\(operation): append header") {
                withUnsafeMutableBytes(of: &copy) { nlmsg_append(raw, $0.baseAddress, size, Int32(NLMSG_ALIGNTO)) }
            }
        } catch {
            nlmsg_free(raw)
            throw error
        }
    }

    deinit { nlmsg_free(raw) }

    var messageType: UInt16 { nlmsg_hdr(raw).pointee.nlmsg_type }

    func put(_ attribute: Int, u8 value: UInt8) throws(NetlinkError) {
        try libnl("\(operation): put attribute \(attribute)") { nla_put_u8(raw, Int32(attribute), value) }
    }
    func put(_ attribute: Int, u16 value: UInt16) throws(NetlinkError) {
        try libnl("\(operation): put attribute \(attribute)") { nla_put_u16(raw, Int32(attribute), value) }
    }
    func put(_ attribute: Int, u32 value: UInt32) throws(NetlinkError) {
        try libnl("\(operation): put attribute \(attribute)") { nla_put_u32(raw, Int32(attribute), value) }
    }
    func put(_ attribute: Int, string value: String) throws(NetlinkError) {
        try libnl("\(operation): put attribute \(attribute)") { nla_put_string(raw, Int32(attribute), value) }
    }
    func put(_ attribute: Int, bytes value: [UInt8]) throws(NetlinkError) {
        try libnl("\(operation): put attribute \(attribute)") {
            value.withUnsafeBytes { nla_put(raw, Int32(attribute), Int32($0.count), $0.baseAddress) }
        }
    }

    /// Put a nested attribute whose content `body` adds.
    func nest(_ attribute: Int, _ body: () throws(NetlinkError) -> Void) throws(NetlinkError) {
        let start = try libnl("\(operation): open nested attribute \(attribute)") {
            // NLA_F_NESTED: the kernel requires it for some nests (IFLA_PROTINFO of AF_BRIDGE).
            nla_nest_start(raw, Int32(attribute) | Int32(NLA_F_NESTED))
        }
        try body()
        try libnl("\(operation): close nested attribute \(attribute)") { nla_nest_end(raw, start) }
    }
}

/// Attributes of a received message, parsed by `nlmsg_parse` / `nla_parse_nested` into a table
/// indexed by attribute type. Points into the received buffer: only valid inside the receive
/// callback, so it never leaves this module and values are copied out at once.
struct Attributes {
    private var table: [UnsafeMutablePointer<nlattr>?]

    /// Parse the attributes that follow the family header of `header` bytes in `message`.
    init(message: UnsafeMutablePointer<nlmsghdr>, headerSize: Int, maxType: Int32,
         operation: String) throws(NetlinkError) {
        var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: Int(maxType) + 1)
        try libnl("\(operation): parse message") {
            table.withUnsafeMutableBufferPointer {
                nlmsg_parse(message, Int32(headerSize), $0.baseAddress, maxType, nil)
            }
        }
        self.table = table
    }

    /// Parse a nested attribute.
    init(nested: UnsafeMutablePointer<nlattr>, maxType: Int32, operation: String) throws(NetlinkError) {
        var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: Int(maxType) + 1)
        try libnl("\(operation): parse nested attribute") {
            table.withUnsafeMutableBufferPointer { nla_parse_nested($0.baseAddress, maxType, nested, nil) }
        }
        self.table = table
    }

    /// The attribute of `type` when present with at least `size` bytes of payload.
    func attribute(_ type: Int, size: Int = 0) -> UnsafeMutablePointer<nlattr>? {
        guard type >= 0, type < table.count, let a = table[type], Int(nla_len(a)) >= size else { return nil }
        return a
    }

    func has(_ type: Int) -> Bool { attribute(type) != nil }
    func u8(_ type: Int) -> UInt8? { attribute(type, size: 1).map { nla_get_u8($0) } }
    func u16(_ type: Int) -> UInt16? { attribute(type, size: 2).map { nla_get_u16($0) } }
    func u32(_ type: Int) -> UInt32? { attribute(type, size: 4).map { nla_get_u32($0) } }

    func string(_ type: Int) -> String? {
        guard let a = attribute(type, size: 1) else { return nil }
        let bytes = self.bytes(a)
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    func bytes(_ type: Int) -> [UInt8]? { attribute(type).map { bytes($0) } }

    private func bytes(_ a: UnsafeMutablePointer<nlattr>) -> [UInt8] {
        let count = Int(nla_len(a))
        guard count > 0, let data = nla_data(a) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: count))
    }

    func nested(_ type: Int, maxType: Int32, operation: String) throws(NetlinkError) -> Attributes? {
        guard let a = attribute(type) else { return nil }
        return try Attributes(nested: a, maxType: maxType, operation: operation)
    }

    /// The payloads of a nested list (attributes of any type, in order), e.g. IFLA_BOND_ARP_IP_TARGET.
    func list(_ type: Int) -> [[UInt8]] {
        guard let outer = attribute(type) else { return [] }
        var result: [[UInt8]] = []
        var remaining = nla_len(outer)
        var current = nla_data(outer).map { $0.assumingMemoryBound(to: nlattr.self) }
        while let a = current, nla_ok(a, remaining) != 0 {
            result.append(bytes(a))
            current = nla_next(a, &remaining)
        }
        return result
    }
}
