// The dump receive path (recv(2) into the socket's buffer) and the attribute parser, fed crafted
// answers. Parsing needs nothing; receiving needs a real netlink socket to read from: the
// answers are sent to it by a second netlink socket of the test (unicast between two sockets,
// root), both inside a private network namespace made for one thread (unshare), which goes away
// with the thread. Nothing is sent to the kernel's rtnetlink, no interface is touched.
import Foundation
import Glibc
import Testing
@testable import Netlink
import CNetlink
import TestSupport

/// A built RTM_NEWLINK (as a dump would carry it) for link `name` with sequence number `sequence`.
private func linkMessage(_ name: String, index: Int, sequence: UInt32, flags: Int32 = NLM_F_MULTI) throws -> [UInt8] {
    var header = ifinfomsg()
    header.ifi_index = Int32(index)
    let m = try Message(type: Int(RTM_NEWLINK), flags: flags, header: header, operation: "test")
    try m.put(Int(IFLA_IFNAME), string: name)
    try m.put(Int(IFLA_MTU), u32: 1500)
    try m.nest(Int(IFLA_LINKINFO)) { () throws(NetlinkError) in try m.put(Int(IFLA_INFO_KIND), string: "veth") }
    m.header.pointee.nlmsg_seq = sequence
    return Array(UnsafeRawBufferPointer(start: m.bytes, count: m.length))
}

/// A bare netlink message: header of `type`, `flags`, `sequence`, then `payload`.
private func rawMessage(type: Int32, flags: Int32 = NLM_F_MULTI, sequence: UInt32, payload: [UInt8] = [],
                        claimedLength: Int? = nil) -> [UInt8] {
    var header = nlmsghdr()
    header.nlmsg_len = UInt32(claimedLength ?? (MemoryLayout<nlmsghdr>.size + payload.count))
    header.nlmsg_type = UInt16(type)
    header.nlmsg_flags = UInt16(flags)
    header.nlmsg_seq = sequence
    var bytes = withUnsafeBytes(of: header) { Array($0) } + payload
    while bytes.count % 4 != 0 { bytes.append(0) }
    return bytes
}

/// NLMSG_ERROR carrying `errno` (negated, as the kernel sends it) for `sequence`.
private func errorMessage(_ code: Int32, sequence: UInt32) -> [UInt8] {
    var error = nlmsgerr()
    error.error = -code
    return rawMessage(type: NLMSG_ERROR, flags: 0, sequence: sequence, payload: withUnsafeBytes(of: error) { Array($0) })
}

/// unshare(CLONE_NEWNET) for the calling thread (Glibc's module leaves out the GNU call).
private func unshareNetwork() -> Int32 {
    typealias Unshare = @convention(c) (Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else { return -1 }
    return unsafeBitCast(symbol, to: Unshare.self)(0x4000_0000)  // CLONE_NEWNET
}

/// Run `body` on a thread of its own in a fresh private network namespace (gone with the thread).
private func inPrivateNamespace(_ body: @escaping @Sendable () throws -> Void) throws {
    final class Outcome: @unchecked Sendable { var failure: (any Error)?; var unshareError: Int32 = 0 }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        defer { done.signal() }
        guard unshareNetwork() == 0 else { outcome.unshareError = errno; return }
        do { try body() } catch { outcome.failure = error }
    }
    thread.start()
    done.wait()
    #expect(outcome.unshareError == 0, "unshare(CLONE_NEWNET): \(String(cString: strerror(outcome.unshareError)))")
    if let failure = outcome.failure { throw failure }
}

/// Send each datagram of `datagrams` to `socket`'s port from a netlink socket of our own.
private func deliver(_ datagrams: [[UInt8]], to socket: NetlinkSocket) throws {
    let fd = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue), NETLINK_ROUTE)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_nl()
    address.nl_family = sa_family_t(AF_NETLINK)
    address.nl_pid = nl_socket_get_local_port(socket.raw)
    for datagram in datagrams {
        let sent = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        try #require(sent == datagram.count, "sendto: \(String(cString: strerror(errno)))")
    }
}

@Suite(.serialized) struct DumpReceiveTests {
    /// A dump answered in several datagrams (two links each, one message of an older request
    /// between them) is read to NLMSG_DONE; every link of its sequence number reaches `each`.
    @Test func multiPartDumpIsReadToItsEnd() throws {
        guard try prerequisites(root: true) else { return }
        try inPrivateNamespace {
            let socket = try NetlinkSocket()
            let seq: UInt32 = 4242
            try deliver([
                try linkMessage("a0", index: 10, sequence: seq) + linkMessage("a1", index: 11, sequence: seq),
                try linkMessage("old", index: 99, sequence: seq - 1) + linkMessage("a2", index: 12, sequence: seq),
                try linkMessage("a3", index: 13, sequence: seq) + rawMessage(type: NLMSG_DONE, sequence: seq, payload: [0, 0, 0, 0]),
            ], to: socket)
            var names: [String] = []
            try socket.receive(operation: "dump links", sequence: seq) { (message) throws(NetlinkError) in
                if let link = try LinkRecord(message: message) { names.append(link.name) }
            }
            #expect(names == ["a0", "a1", "a2", "a3"])
        }
    }

    /// A dump the kernel marks interrupted (NLM_F_DUMP_INTR) is read to its end, then reported
    /// as NLE_DUMP_INTR (`dump` repeats it); the socket stays in step for the next answer.
    @Test func interruptedDumpIsReportedAfterItsEnd() throws {
        guard try prerequisites(root: true) else { return }
        try inPrivateNamespace {
            let socket = try NetlinkSocket()
            var interrupted = try linkMessage("b0", index: 20, sequence: 7)
            interrupted.withUnsafeMutableBytes {
                $0.baseAddress!.assumingMemoryBound(to: nlmsghdr.self).pointee.nlmsg_flags |= UInt16(NLM_F_DUMP_INTR)
            }
            try deliver([interrupted + linkMessage("b1", index: 21, sequence: 7),
                         rawMessage(type: NLMSG_DONE, sequence: 7, payload: [0, 0, 0, 0]),
                         try linkMessage("c0", index: 30, sequence: 8) + rawMessage(type: NLMSG_DONE, sequence: 8, payload: [0, 0, 0, 0])],
                        to: socket)
            var seen = 0
            #expect {
                try socket.receive(operation: "dump links", sequence: 7) { (_) throws(NetlinkError) in seen += 1 }
            } throws: { ($0 as? NetlinkError)?.code == NLE_DUMP_INTR && ($0 as? NetlinkError)?.operation == "dump links: receive" }
            #expect(seen == 2)
            var next: [String] = []
            try socket.receive(operation: "dump links", sequence: 8) { (message) throws(NetlinkError) in
                if let link = try LinkRecord(message: message) { next.append(link.name) }
            }
            #expect(next == ["c0"])
        }
    }

    /// An error answer (EPERM) ends the dump with a NetlinkError naming the operation.
    @Test func errorAnswerEndsTheDump() throws {
        guard try prerequisites(root: true) else { return }
        try inPrivateNamespace {
            let socket = try NetlinkSocket()
            try deliver([errorMessage(EPERM, sequence: 5)], to: socket)
            #expect {
                try socket.receive(operation: "dump links", sequence: 5) { (_) throws(NetlinkError) in }
            } throws: { ($0 as? NetlinkError)?.isPermission == true && ($0 as? NetlinkError)?.operation == "dump links: receive" }
        }
    }

    /// The kernel's reason (extended ACK) is read up to the end of its attribute even when
    /// its text has no terminating NUL.
    @Test func kernelReasonWithoutNulStaysInsideItsAttribute() throws {
        guard try prerequisites(root: true) else { return }
        try inPrivateNamespace {
            let socket = try NetlinkSocket()
            var error = nlmsgerr()
            error.error = -EINVAL
            let text = Array("refused".utf8)  // 7 bytes, no NUL: the attribute is 11 bytes, padded to 12
            var payload = withUnsafeBytes(of: error) { Array($0) }
            payload += [UInt8(4 + text.count), 0, UInt8(NLMSGERR_ATTR_MSG.rawValue), 0] + text + [0x41]
            try deliver([rawMessage(type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, sequence: 6, payload: payload)],
                        to: socket)
            #expect {
                try socket.receive(operation: "dump links", sequence: 6) { (_) throws(NetlinkError) in }
            } throws: { ($0 as? NetlinkError)?.kernelMessage == "refused" && ($0 as? NetlinkError)?.code == NLE_INVAL }
        }
    }

    /// The monitor's read: one datagram per call, every message of it (whatever its sequence
    /// number), then NLE_AGAIN when nothing waits; a cut datagram is NLE_MSG_TRUNC.
    @Test func notificationsAreReadOneDatagramAtATime() throws {
        guard try prerequisites(root: true) else { return }
        try inPrivateNamespace {
            let socket = try NetlinkSocket()
            try #require(nl_socket_set_nonblocking(socket.raw) == 0)
            try deliver([try linkMessage("n0", index: 50, sequence: 0) + linkMessage("n1", index: 51, sequence: 3),
                         try linkMessage("n2", index: 52, sequence: 0),
                         Array(try linkMessage("n3", index: 53, sequence: 0).prefix(12))], to: socket)
            var names: [String] = []
            let read = { socket.receiveWaiting(operation: "receive link notifications") { message in
                if let link = try? LinkRecord(message: message) { names.append(link.name) }
            } }
            #expect(read() == 2 && names == ["n0", "n1"])
            #expect(read() == 1 && names == ["n0", "n1", "n2"])
            #expect(read() == -NLE_MSG_TRUNC)
            #expect(read() == -NLE_AGAIN)
        }
    }

    /// A datagram whose message claims more bytes than came, or is cut inside its header, is a
    /// clear error, not a read past the datagram.
    @Test func truncatedDatagramIsAnError() throws {
        guard try prerequisites(root: true) else { return }
        try inPrivateNamespace {
            let socket = try NetlinkSocket()
            let whole = try linkMessage("d0", index: 40, sequence: 9)
            try deliver([rawMessage(type: Int32(RTM_NEWLINK), sequence: 9, payload: [1, 2, 3, 4], claimedLength: 4000),
                         Array(whole.prefix(10))], to: socket)
            for _ in 0..<2 {
                #expect {
                    try socket.receive(operation: "dump links", sequence: 9) { (_) throws(NetlinkError) in }
                } throws: { error in
                    guard let e = error as? NetlinkError else { return false }
                    return e.code == NLE_MSG_TRUNC && e.operation == "dump links: receive" && e.message.contains("message at byte 0")
                }
            }
        }
    }
}

@Suite struct AttributeParseTests {
    /// Copy `message`'s bytes, let `edit` change them, parse the result as a link.
    private func parse(_ bytes: [UInt8], _ edit: (UnsafeMutableRawPointer) -> Void) throws -> LinkRecord? {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { buffer.deallocate() }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        edit(buffer)
        return try LinkRecord(message: buffer.assumingMemoryBound(to: nlmsghdr.self))
    }

    private let firstAttribute = MemoryLayout<nlmsghdr>.size + MemoryLayout<ifinfomsg>.size

    @Test func wellFormedLinkParses() throws {
        let record = try #require(try parse(try linkMessage("e0", index: 3, sequence: 1)) { _ in })
        #expect(record.name == "e0" && record.index == 3 && record.mtu == 1500 && record.infoKind == "veth")
    }

    /// An attribute claiming more bytes than its message has left.
    @Test func oversizedAttributeIsAnError() throws {
        let bytes = try linkMessage("e1", index: 4, sequence: 1)
        #expect {
            _ = try parse(bytes) { $0.storeBytes(of: UInt16(2000), toByteOffset: firstAttribute, as: UInt16.self) }
        } throws: { error in
            guard let e = error as? NetlinkError else { return false }
            return e.code == NLE_MSG_TRUNC && e.operation == "dump links: parse message"
                && e.description.contains("claims 2000 bytes")
        }
    }

    /// An attribute length below its own header (a loop that would never advance).
    @Test func attributeShorterThanItsHeaderIsAnError() throws {
        let bytes = try linkMessage("e2", index: 5, sequence: 1)
        #expect {
            _ = try parse(bytes) { $0.storeBytes(of: UInt16(2), toByteOffset: firstAttribute, as: UInt16.self) }
        } throws: { ($0 as? NetlinkError)?.code == NLE_MSG_TRUNC }
    }

    /// A message that ends 2 bytes into an attribute header (its length cut).
    @Test func attributeCutOffIsAnError() throws {
        let bytes = try linkMessage("e3", index: 6, sequence: 1)
        #expect {
            _ = try parse(bytes) { p in
                let h = p.assumingMemoryBound(to: nlmsghdr.self)
                h.pointee.nlmsg_len = UInt32(bytes.count + 2)
            }
        } throws: { ($0 as? NetlinkError)?.description.contains("cut off: 2 bytes left") == true }
    }

    /// A nested attribute (IFLA_LINKINFO) whose inner attribute overruns the nest.
    @Test func oversizedNestedAttributeIsAnError() throws {
        let bytes = try linkMessage("e4", index: 7, sequence: 1)
        // Find IFLA_LINKINFO: walk the top-level attributes.
        var offset = firstAttribute
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let type = (Int(bytes[offset + 2]) | Int(bytes[offset + 3]) << 8) & 0x3fff
            if type == Int(IFLA_LINKINFO) { break }
            offset += (length + 3) & ~3
        }
        let inner = offset + 4
        #expect {
            _ = try parse(bytes) { $0.storeBytes(of: UInt16(64), toByteOffset: inner, as: UInt16.self) }
        } throws: { error in
            guard let e = error as? NetlinkError else { return false }
            return e.code == NLE_MSG_TRUNC && e.operation == "dump links: parse nested attribute"
        }
    }
}

@Suite struct LinkNamesTests {
    /// Indexes resolve whatever order the links came in; set, replace and remove keep it right.
    @Test func namesResolveByIndex() {
        var names: LinkNames = [9: "br0", 2: "eth0", 40: "vm1", 2: "dup"]
        #expect(names[2] == "eth0" && names[9] == "br0" && names[40] == "vm1" && names[3] == nil)
        names[5] = "bond0"; names[9] = "xenbr0"; names[40] = nil; names[41] = nil
        #expect(names[5] == "bond0" && names[9] == "xenbr0" && names[40] == nil && names[2] == "eth0")
    }
}

@Suite struct ShortMessageTests {
    /// An RTM_NEWLINK of its netlink header alone: too short for its ifinfomsg, an error naming
    /// the operation (nothing read past the 16 bytes).
    @Test func linkMessageWithoutItsFamilyHeaderIsAnError() throws {
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        defer { bytes.deallocate() }
        var header = nlmsghdr()
        header.nlmsg_len = 16
        header.nlmsg_type = UInt16(RTM_NEWLINK)
        bytes.storeBytes(of: header, as: nlmsghdr.self)
        #expect {
            _ = try LinkRecord(message: bytes.assumingMemoryBound(to: nlmsghdr.self))
        } throws: { ($0 as? NetlinkError)?.code == NLE_MSG_TOOSHORT && ($0 as? NetlinkError)?.operation == "dump links: parse message" }
    }
}
