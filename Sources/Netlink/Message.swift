internal import CNetlink
import Glibc

/// A netlink request being built, in its own small buffer (no libnl message: no zeroed 4 KiB
/// page per request). Sequence number, port id and NLM_F_REQUEST / NLM_F_ACK are completed by
/// the socket when it sends (`NetlinkSocket.complete`).
final class Message {
    /// The message's bytes (header, family header, attributes); `length` of them are used.
    private(set) var bytes: UnsafeMutableRawPointer
    private var capacity: Int
    /// What the message is for, used in error texts ("dump links", "create bridge xenbr0"):
    /// made only when an error is told.
    private let describe: () -> String
    var operation: String { describe() }

    /// A message of `type` (RTM_*) with `flags` (NLM_F_*), followed by the fixed family header
    /// `header` (ifinfomsg, ifaddrmsg, rtmsg...).
    convenience init<Header>(type: Int, flags: Int32, header: Header, operation: @autoclosure @escaping () -> String)
        throws(NetlinkError)
    {
        try self.init(type: type, flags: flags, header: header, describe: operation)
    }

    /// The same, the operation's text given as the closure that makes it (passed on as it is:
    /// no closure wrapped around another per message).
    init<Header>(type: Int, flags: Int32, header: Header, describe: @escaping () -> String) throws(NetlinkError) {
        self.describe = describe
        capacity = 256
        bytes = .allocate(byteCount: capacity, alignment: 8)
        var h = nlmsghdr()
        h.nlmsg_len = UInt32(MemoryLayout<nlmsghdr>.size)
        h.nlmsg_type = UInt16(type)
        h.nlmsg_flags = UInt16(truncatingIfNeeded: flags)
        bytes.storeBytes(of: h, as: nlmsghdr.self)
        append(header)
    }

    deinit { bytes.deallocate() }

    /// Bytes used (nlmsg_len).
    var length: Int { Int(header.pointee.nlmsg_len) }
    var header: UnsafeMutablePointer<nlmsghdr> { bytes.assumingMemoryBound(to: nlmsghdr.self) }
    var messageType: UInt16 { header.pointee.nlmsg_type }

    /// The family header (right after the netlink header) as `T`.
    func family<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        (bytes + MemoryLayout<nlmsghdr>.size).assumingMemoryBound(to: T.self)
    }

    /// Room for `count` more bytes (zeroed up to the next 4-byte boundary), returning where they start.
    private func grow(_ count: Int) -> UnsafeMutableRawPointer {
        let start = length
        let end = start + ((count + 3) & ~3)
        if end > capacity {
            var newCapacity = capacity * 2
            while newCapacity < end { newCapacity *= 2 }
            let larger = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
            larger.copyMemory(from: bytes, byteCount: start)
            bytes.deallocate()
            bytes = larger
            capacity = newCapacity
        }
        (bytes + start).initializeMemory(as: UInt8.self, repeating: 0, count: end - start)
        header.pointee.nlmsg_len = UInt32(end)
        return bytes + start
    }

    /// Append a fixed structure (a family header; a veth peer's ifinfomsg), padded to 4 bytes.
    func append<T>(_ value: T) {
        var copy = value
        let size = MemoryLayout<T>.size
        let at = grow(size)
        withUnsafeBytes(of: &copy) { at.copyMemory(from: $0.baseAddress!, byteCount: size) }
    }

    /// Append attribute `type` with `count` payload bytes written by `write`.
    private func put(_ type: Int, count: Int, _ write: (UnsafeMutableRawPointer) -> Void) throws(NetlinkError) {
        guard count + 4 <= Int(UInt16.max) else {
            throw NetlinkError(operation: "\(operation): put attribute \(type)", libnlCode: -NLE_ATTRSIZE)
        }
        let at = grow(4 + count)
        at.storeBytes(of: UInt16(4 + count), as: UInt16.self)
        (at + 2).storeBytes(of: UInt16(truncatingIfNeeded: type), as: UInt16.self)
        write(at + 4)
    }

    func put(_ attribute: Int, u8 value: UInt8) throws(NetlinkError) {
        try put(attribute, count: 1) { $0.storeBytes(of: value, as: UInt8.self) }
    }
    func put(_ attribute: Int, u16 value: UInt16) throws(NetlinkError) {
        try put(attribute, count: 2) { $0.storeBytes(of: value, as: UInt16.self) }
    }
    func put(_ attribute: Int, u32 value: UInt32) throws(NetlinkError) {
        try put(attribute, count: 4) { $0.storeBytes(of: value, as: UInt32.self) }
    }
    /// A NUL-terminated string (as nla_put_string).
    func put(_ attribute: Int, string value: String) throws(NetlinkError) {
        var value = value
        let count = value.utf8.count
        try put(attribute, count: count + 1) { at in
            value.withUTF8 { utf8 in
                if let base = utf8.baseAddress { at.copyMemory(from: base, byteCount: count) }
            }
            (at + count).storeBytes(of: 0, as: UInt8.self)
        }
    }
    func put(_ attribute: Int, bytes value: [UInt8]) throws(NetlinkError) {
        try put(attribute, count: value.count) { at in
            value.withUnsafeBytes { raw in
                if let base = raw.baseAddress { at.copyMemory(from: base, byteCount: raw.count) }
            }
        }
    }

    /// Put a nested attribute whose content `body` adds.
    func nest(_ attribute: Int, _ body: () throws(NetlinkError) -> Void) throws(NetlinkError) {
        // NLA_F_NESTED: the kernel requires it for some nests (IFLA_PROTINFO of AF_BRIDGE).
        let start = length
        try put(attribute | Int(NLA_F_NESTED), count: 0) { _ in }
        try body()
        let size = length - start
        guard size <= Int(UInt16.max) else {
            throw NetlinkError(operation: "\(operation): close nested attribute \(attribute)", libnlCode: -NLE_ATTRSIZE)
        }
        (bytes + start).storeBytes(of: UInt16(size), as: UInt16.self)
    }
}
