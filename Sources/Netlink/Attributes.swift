internal import CNetlink

/// The family header (ifinfomsg, ifaddrmsg, rtmsg...) of a received `message`, its length
/// checked first: a message too short for it is NLE_MSG_TOOSHORT, not a read past its end.
func familyHeader<T>(_ message: UnsafeMutablePointer<nlmsghdr>, as type: T.Type, operation: @autoclosure () -> String)
    throws(NetlinkError) -> T
{
    guard Int(message.pointee.nlmsg_len) >= MemoryLayout<nlmsghdr>.size + MemoryLayout<T>.size else {
        throw NetlinkError(operation: "\(operation()): parse message", libnlCode: -NLE_MSG_TOOSHORT)
    }
    return UnsafeRawPointer(message + 1).loadUnaligned(as: T.self)
}

/// Attributes of a received message, parsed into a table indexed by attribute type (the last
/// of a type wins, as libnl's nla_parse). Parsed here, bounded: every attribute's length is
/// checked against what is left of its message or nest, so a truncated or hostile message is a
/// `NetlinkError` ("...: parse message"), never a read past its end. Points into the received
/// buffer: only valid while that buffer is, so it never leaves this module and values are
/// copied out at once.
struct Attributes {
    private let table: AttributeTable

    /// Parse the attributes that follow the family header of `header` bytes in `message`.
    init(message: UnsafeMutablePointer<nlmsghdr>, headerSize: Int, maxType: Int32,
         operation: @autoclosure () -> String) throws(NetlinkError) {
        let length = Int(message.pointee.nlmsg_len)
        let start = MemoryLayout<nlmsghdr>.size + ((headerSize + 3) & ~3)
        guard headerSize >= 0, length >= MemoryLayout<nlmsghdr>.size + headerSize else {
            throw NetlinkError(operation: "\(operation()): parse message", libnlCode: -NLE_MSG_TOOSHORT)
        }
        table = try Self.parse(UnsafeMutableRawPointer(message) + min(start, length), count: max(0, length - start),
                               maxType: maxType, operation: "\(operation()): parse message")
    }

    /// Parse a nested attribute.
    init(nested: UnsafeMutablePointer<nlattr>, maxType: Int32, operation: @autoclosure () -> String) throws(NetlinkError) {
        table = try Self.parse(UnsafeMutableRawPointer(nested) + 4, count: Int(nested.pointee.nla_len) - 4,
                               maxType: maxType, operation: "\(operation()): parse nested attribute")
    }

    /// The attributes in the `count` bytes at `start`, by type (types above `maxType` skipped).
    static func parse(_ start: UnsafeMutableRawPointer, count: Int, maxType: Int32,
                      operation: @autoclosure () -> String) throws(NetlinkError) -> AttributeTable {
        let table = AttributeTable.make(count: Int(max(0, maxType)) + 1)
        var offset = 0
        while offset < count {
            let left = count - offset
            let length = left >= 4 ? Int(start.load(fromByteOffset: offset, as: UInt16.self)) : 0
            guard left >= 4, length >= 4, length <= left else {
                throw NetlinkError(operation: operation(), code: NLE_MSG_TRUNC, message:
                    "attribute at byte \(offset) " + (left < 4 ? "cut off: \(left) bytes left"
                        : "claims \(length) bytes, \(left) left"))
            }
            let type = Int(start.load(fromByteOffset: offset + 2, as: UInt16.self) & 0x3fff)  // NLA_TYPE_MASK: without NLA_F_NESTED / NLA_F_NET_BYTEORDER
            if type < table.count { table[type] = (start + offset).assumingMemoryBound(to: nlattr.self) }
            offset += (length + 3) & ~3
        }
        return table
    }

    /// The attribute of `type` when present with at least `size` bytes of payload.
    func attribute(_ type: Int, size: Int = 0) -> UnsafeMutablePointer<nlattr>? {
        guard let a = table[type], Int(a.pointee.nla_len) - 4 >= size else { return nil }
        return a
    }

    func has(_ type: Int) -> Bool { attribute(type) != nil }
    func u8(_ type: Int) -> UInt8? { load(type, as: UInt8.self) }
    func u16(_ type: Int) -> UInt16? { load(type, as: UInt16.self) }
    func u32(_ type: Int) -> UInt32? { load(type, as: UInt32.self) }

    private func load<T: FixedWidthInteger>(_ type: Int, as: T.Type) -> T? {
        guard let a = attribute(type, size: MemoryLayout<T>.size) else { return nil }
        return UnsafeRawPointer(a).loadUnaligned(fromByteOffset: 4, as: T.self)
    }

    /// The payload of `a` (its length checked when parsed).
    private func payload(_ a: UnsafeMutablePointer<nlattr>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(a) + 4, count: max(0, Int(a.pointee.nla_len) - 4))
    }

    /// A string attribute, up to its first NUL (or its end).
    func string(_ type: Int) -> String? {
        guard let a = attribute(type, size: 1) else { return nil }
        let bytes = payload(a)
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
    }

    func bytes(_ type: Int) -> [UInt8]? { attribute(type).map { Array(payload($0)) } }

    /// The payload of the attribute of `type`, read in place (only while the message is: a
    /// value is copied out of it at once).
    func payload(_ type: Int) -> UnsafeRawBufferPointer? { attribute(type).map { payload($0) } }

    func nested(_ type: Int, maxType: Int32, operation: @autoclosure () -> String) throws(NetlinkError) -> Attributes? {
        guard let a = attribute(type) else { return nil }
        return try Attributes(nested: a, maxType: maxType, operation: operation())
    }

    /// The payloads of a nested list (attributes of any type, in order), e.g.
    /// IFLA_BOND_ARP_IP_TARGET; an attribute cut off ends the list.
    func list(_ type: Int) -> [[UInt8]] {
        guard let outer = attribute(type) else { return [] }
        var result: [[UInt8]] = []
        let start = UnsafeMutableRawPointer(outer) + 4
        let count = Int(outer.pointee.nla_len) - 4
        var offset = 0
        while count - offset >= 4 {
            let length = Int(start.load(fromByteOffset: offset, as: UInt16.self))
            guard length >= 4, length <= count - offset else { break }
            result.append(Array(UnsafeRawBufferPointer(start: start + offset + 4, count: length - 4)))
            offset += (length + 3) & ~3
        }
        return result
    }
}

/// The table of `Attributes`: one slot per attribute type, nil where absent, in one tail-allocated
/// object of a concrete class. (An `[UnsafeMutablePointer<nlattr>?]` here looked its storage
/// class's generic metadata up in the runtime on every allocation, ~600 instructions per parsed
/// message: Benchmarks/apply-notes.md, "exec-lean".)
final class AttributeTable: ManagedBuffer<Int, UnsafeMutablePointer<nlattr>?> {
    /// A table of `count` empty slots.
    static func make(count: Int) -> AttributeTable {
        let buffer = create(minimumCapacity: count) { _ in count }
        buffer.withUnsafeMutablePointerToElements { $0.initialize(repeating: nil, count: count) }
        return unsafeDowncast(buffer, to: AttributeTable.self)
    }

    var count: Int { header }

    /// The slot of `type`: nil when absent or out of range.
    subscript(type: Int) -> UnsafeMutablePointer<nlattr>? {
        get {
            guard type >= 0, type < header else { return nil }
            return withUnsafeMutablePointerToElements { $0[type] }
        }
        set { withUnsafeMutablePointerToElements { $0[type] = newValue } }
    }

    deinit { _ = withUnsafeMutablePointerToElements { $0.deinitialize(count: header) } }
}
