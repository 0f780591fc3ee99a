internal import CNetlink
import Glibc

/// A NETLINK_ROUTE socket (owns one `nl_sock`; closed and freed in deinit).
///
/// Every request leaves through `send(_:)`, which counts it by message type (get / new / set /
/// del) on the socket and process-wide (`RequestCounter`). Not thread-safe: one socket per task.
public final class NetlinkSocket {
    let raw: OpaquePointer
    /// Requests this socket sent.
    public private(set) var counts = RequestCounts()
    /// Where every answer, dump and notification is read (recv(2); libnl never receives on this
    /// socket). 32 KiB holds any message: the kernel caps a dump's batch at the reader's buffer
    /// size, at most 32 KiB (netlink_recvmsg's max_recvmsg_len).
    private let buffer: UnsafeMutableRawPointer
    private static let bufferSize = 32768
    /// Where a pipelined send is put together (kept: its capacity is reused).
    private var bytes: [UInt8] = []

    /// Open and connect a NETLINK_ROUTE socket in the calling thread's network namespace.
    public init() throws(NetlinkError) {
        let raw = try libnl("allocate netlink socket") { nl_socket_alloc() }
        do {
            try libnl("connect NETLINK_ROUTE socket") { nl_connect(raw, NETLINK_ROUTE) }
            // Ask for the kernel's reason with each refusal (extended ACK), without the echoed
            // request (capped ACK). Old kernels without these options still work: ignore failure.
            var on: Int32 = 1
            let fd = nl_socket_get_fd(raw)
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
            // Room for the ACKs of a pipelined send (see `pipelineLimits`): as root past
            // net.core.rmem_max (SO_RCVBUFFORCE), else as much as rmem_max allows.
            var size: Int32 = 1 << 20
            if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
        } catch {
            nl_socket_free(raw)
            throw error
        }
        self.raw = raw
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
    }

    /// `body` run with NETLINK_GET_STRICT_CHK on (the kernel checks a dump request's header
    /// and attributes strictly, and heeds its filters, e.g. a route dump's rtm_table), then off
    /// again, so no other request of this socket is checked differently. Nil when the option
    /// cannot be set (kernels before 4.20) or `body` threw (e.g. a family refused the filter).
    func strictlyChecked<T>(_ body: () throws(NetlinkError) -> T) -> T? {
        let fd = nl_socket_get_fd(raw)
        var on: Int32 = 1, off: Int32 = 0
        let size = socklen_t(MemoryLayout<Int32>.size)
        guard setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, size) == 0 else { return nil }
        defer { _ = setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &off, size) }
        return try? body()
    }

    deinit {
        nl_socket_free(raw)
        buffer.deallocate()
    }

    /// Give `message` this socket's port id and the next sequence number (when it has none
    /// yet), and NLM_F_REQUEST | NLM_F_ACK, as libnl's nl_complete_msg did.
    func complete(_ message: Message) {
        let header = message.header
        if header.pointee.nlmsg_pid == 0 { header.pointee.nlmsg_pid = nl_socket_get_local_port(raw) }
        if header.pointee.nlmsg_seq == 0 { header.pointee.nlmsg_seq = nl_socket_use_seq(raw) }
        header.pointee.nlmsg_flags |= UInt16(NLM_F_REQUEST | NLM_F_ACK)
    }

    /// The one send path of single requests: count, complete, send.
    func send(_ message: Message) throws(NetlinkError) {
        let type = message.messageType
        counts.count(messageType: type)
        RequestCounter.record(messageType: type)
        complete(message)
        try libnl("\(message.operation): send") { nl_sendto(raw, message.bytes, message.length) }
    }

    /// Send a dump request and call `each` for every message of the answer. A dump the kernel
    /// marks inconsistent (NLM_F_DUMP_INTR: the table changed meanwhile) is repeated, up to 5
    /// times; then it is an error (NLE_DUMP_INTR).
    func dump(_ makeMessage: () throws(NetlinkError) -> Message,
              _ each: (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void) throws(NetlinkError) {
        var attempt = 0
        while true {
            attempt += 1
            let message = try makeMessage()
            do {
                try send(message)
                try receive(operation: message.operation, sequence: message.header.pointee.nlmsg_seq, each)
                return
            } catch where error.code == NLE_DUMP_INTR && attempt < 5 {
                continue
            }
        }
    }

    /// Receive until the answer to the request of `sequence` is complete (NLMSG_DONE, an ACK or
    /// an error), calling `each` for every other message of that sequence number. Read with
    /// recv(2) into this socket's buffer, like the answers to change requests: one receive
    /// path, no libnl message or callback. Messages of other sequence numbers (answers left from
    /// a pipelined send whose reading failed) are skipped. An error thrown by `each`, and a dump
    /// marked interrupted (NLE_DUMP_INTR), are kept and thrown once the answer was read to its
    /// end, so the socket stays in step. A datagram that does not hold whole messages is an
    /// error at once (NLE_MSG_TRUNC).
    func receive(operation: @autoclosure () -> String, sequence: UInt32,
                 _ each: (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void) throws(NetlinkError) {
        var kept: NetlinkError?
        var interrupted = false
        while true {
            let received = try receiveDatagram(operation: operation())
            var offset = 0
            while offset < received {
                let header = try message(at: offset, in: received, operation: operation())
                let length = Int(header.pointee.nlmsg_len)
                offset += (length + 3) & ~3
                guard header.pointee.nlmsg_seq == sequence else { continue }
                if header.pointee.nlmsg_flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
                switch Int32(header.pointee.nlmsg_type) {
                case NLMSG_NOOP: continue
                case NLMSG_DONE: break
                case NLMSG_OVERRUN: kept = kept ?? NetlinkError(operation: "\(operation()): receive", libnlCode: -NLE_MSG_OVERFLOW)
                case NLMSG_ERROR:
                    guard length >= MemoryLayout<nlmsghdr>.size + MemoryLayout<nlmsgerr>.size else {
                        throw NetlinkError(operation: "\(operation()): receive", code: NLE_MSG_TRUNC,
                                           message: "error message of \(length) bytes is too short")
                    }
                    let error = UnsafeMutableRawPointer(header + 1).assumingMemoryBound(to: nlmsgerr.self)
                    if error.pointee.error != 0, kept == nil {
                        var refused = NetlinkError(operation: "\(operation()): receive",
                                                   libnlCode: -nl_syserr2nlerr(-error.pointee.error))
                        refused.kernelMessage = extendedAckMessage(error)
                        kept = refused
                    }
                default:
                    if kept == nil { do { try each(header) } catch { kept = error } }
                    continue
                }
                // The answer is complete (DONE, ACK, error, overrun).
                if let kept { throw kept }
                if interrupted { throw NetlinkError(operation: "\(operation()): receive", libnlCode: -NLE_DUMP_INTR) }
                return
            }
        }
    }

    /// The monitor's read: one datagram waiting on this (non-blocking) socket, every message of
    /// it handed to `each` (nothing checked or skipped: notifications have sequence number 0).
    /// Returns the number of messages, or a negative libnl code: -NLE_AGAIN when nothing waits,
    /// -NLE_NOMEM when the kernel dropped messages (ENOBUFS), -NLE_MSG_TRUNC for a datagram
    /// that does not hold whole messages. The same recv(2) path as dumps and answers.
    func receiveWaiting(operation: @autoclosure () -> String, _ each: (UnsafeMutablePointer<nlmsghdr>) -> Void) -> Int32 {
        let received: Int
        do throws(NetlinkError) { received = try receiveDatagram(operation: operation()) } catch { return -error.code }
        var offset = 0, count: Int32 = 0
        while offset < received {
            guard let header = try? message(at: offset, in: received, operation: operation()) else { return -NLE_MSG_TRUNC }
            each(header)
            count += 1
            offset += (Int(header.pointee.nlmsg_len) + 3) & ~3
        }
        return count
    }

    /// One datagram into `buffer`; its size.
    private func receiveDatagram(operation: @autoclosure () -> String) throws(NetlinkError) -> Int {
        let fd = nl_socket_get_fd(raw)
        while true {
            let received = recv(fd, buffer, Self.bufferSize, Int32(MSG_TRUNC))
            if received < 0 {
                if errno == EINTR { continue }
                throw NetlinkError(operation: "\(operation()): receive", libnlCode: -nl_syserr2nlerr(errno))
            }
            guard received <= Self.bufferSize else {
                throw NetlinkError(operation: "\(operation()): receive (answer larger than the buffer)", libnlCode: -NLE_MSG_TRUNC)
            }
            return received
        }
    }

    /// The message at `offset` of a datagram of `received` bytes in `buffer`, its length checked.
    private func message(at offset: Int, in received: Int, operation: @autoclosure () -> String)
        throws(NetlinkError) -> UnsafeMutablePointer<nlmsghdr>
    {
        let headerSize = MemoryLayout<nlmsghdr>.size
        let left = received - offset
        let length = left >= headerSize ? Int(buffer.load(fromByteOffset: offset, as: UInt32.self)) : 0
        guard left >= headerSize, length >= headerSize, length <= left else {
            throw NetlinkError(operation: "\(operation()): receive", code: NLE_MSG_TRUNC,
                               message: "message at byte \(offset) of a \(received)-byte answer "
                                   + (left < headerSize ? "is cut off" : "claims \(length) bytes"))
        }
        return (buffer + offset).assumingMemoryBound(to: nlmsghdr.self)
    }

    /// Send a request that changes something and wait for the kernel's acknowledgement; a
    /// refusal becomes a `NetlinkError` naming the operation.
    func request(_ message: Message) throws(NetlinkError) {
        if let refusal = try requestTogether([message])[0] { throw refusal }
    }

    /// Send `messages` in one sendmsg(2): the kernel handles all of them inside that one system
    /// call, so no signal — not even SIGKILL — falls between them. Then read the answers,
    /// matched to their messages by sequence number. Returns each message's refusal (nil: done),
    /// in order; throws when the answers cannot be read (what the kernel did is then unknown).
    func requestTogether(_ messages: [Message]) throws(NetlinkError) -> [NetlinkError?] {
        let (results, failure, _) = sendTogether(messages)
        if let failure { throw failure }
        return results
    }

    /// How much one pipelined sendmsg may carry. The kernel queues every answer in this
    /// socket's receive buffer before the sendmsg returns and drops (ENOBUFS) what does not fit,
    /// so the messages are capped by that buffer: at most one per 2 KiB of it, so that even a
    /// sendmsg of which every message is refused (one error each, an skb of well under 2 KiB)
    /// has all its answers queued; the bytes by the send buffer (larger messages are refused
    /// with EMSGSIZE).
    var pipelineLimits: (messages: Int, bytes: Int) {
        let fd = nl_socket_get_fd(raw)
        func option(_ name: Int32) -> Int {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 ? Int(value) : 0
        }
        return (max(1, option(SO_RCVBUF) / 2048), max(4096, option(SO_SNDBUF) / 2))
    }

    /// `requestTogether` that keeps what it learned when reading stops: the refusals of the
    /// messages (empty when `failure` is set: then none is known), and whether the sendmsg went
    /// through (when not, the kernel saw none of them).
    ///
    /// Only the last message asks for an ACK (NLM_F_ACK): the kernel answers a refused request
    /// with an error carrying its sequence number whether asked or not, and handles the messages
    /// of one sendmsg in order, so when the last one's answer (ACK or error) is read every
    /// earlier refusal has been queued before it, and a message without an error was done. One
    /// answer queued per sendmsg instead of one per message (kernel: allocation and queueing;
    /// here: one recvmsg). When reading fails (ENOBUFS: an answer was dropped), no message's
    /// fate is known: `results` is empty and the caller treats the whole send as unknown.
    func sendTogether(_ messages: [Message]) -> (results: [NetlinkError?], failure: NetlinkError?, sent: Bool) {
        guard let last = messages.last else { return ([], nil, true) }
        bytes.removeAll(keepingCapacity: true)
        for m in messages {
            counts.count(messageType: m.messageType)
            RequestCounter.record(messageType: m.messageType)
            complete(m)
            if m !== last { m.header.pointee.nlmsg_flags &= ~UInt16(NLM_F_ACK) }
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: m.bytes, count: m.length))
        }
        do throws(NetlinkError) {
            try libnl("\(messages[0].operation): send") { bytes.withUnsafeMutableBytes { nl_sendto(raw, $0.baseAddress, $0.count) } }
        } catch {
            return ([], error, false)
        }
        let first = messages[0].header.pointee.nlmsg_seq
        do throws(NetlinkError) {
            let errors = try answers(first: first, count: messages.count, operation: last.operation)
            return (messages.indices.map { i in
                errors[i].map { e in
                    var refused = NetlinkError(operation: messages[i].operation, libnlCode: -nl_syserr2nlerr(e.errno))
                    refused.kernelMessage = e.kernelMessage
                    return refused
                }
            }, nil, true)
        } catch {
            return ([], error, true)
        }
    }

    /// Read answers until the one to the message of sequence number `first + count - 1` (the
    /// one that asked for an ACK) arrives; returns the error (errno, kernel's reason) of each of
    /// the `count` messages from `first`, nil where none came. Answers to other sequence
    /// numbers (left from a send whose reading failed) are skipped. Read with recv(2) into this
    /// socket's buffer: no libnl message or callback set per answer.
    private func answers(first: UInt32, count: Int, operation: @autoclosure () -> String)
        throws(NetlinkError) -> [(errno: Int32, kernelMessage: String?)?]
    {
        var errors = [(errno: Int32, kernelMessage: String?)?](repeating: nil, count: count)
        let headerSize = MemoryLayout<nlmsghdr>.size
        while true {
            let received = try receiveDatagram(operation: operation())
            var offset = 0
            var done = false
            while offset + headerSize <= received {
                let header = (buffer + offset).assumingMemoryBound(to: nlmsghdr.self)
                let length = Int(header.pointee.nlmsg_len)
                guard length >= headerSize, offset + length <= received else { break }
                let index = Int(header.pointee.nlmsg_seq &- first)
                if header.pointee.nlmsg_type == UInt16(NLMSG_ERROR), index < count,
                   length >= headerSize + MemoryLayout<nlmsgerr>.size {
                    let error = (buffer + offset + headerSize).assumingMemoryBound(to: nlmsgerr.self)
                    let code = error.pointee.error
                    if code != 0 { errors[index] = (-code, extendedAckMessage(error)) }
                    if index == count - 1 { done = true }
                }
                offset += (length + 3) & ~3
            }
            if done { return errors }
        }
    }
}

/// NLMSGERR_ATTR_MSG of an error message that carries extended-ACK attributes.
private func extendedAckMessage(_ error: UnsafeMutablePointer<nlmsgerr>) -> String? {
    let headerSize = MemoryLayout<nlmsghdr>.size
    let raw = UnsafeMutableRawPointer(error)
    let header = (raw - headerSize).assumingMemoryBound(to: nlmsghdr.self).pointee
    guard header.nlmsg_flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return nil }
    var offset = MemoryLayout<nlmsgerr>.size
    if header.nlmsg_flags & UInt16(NLM_F_CAPPED) == 0 {
        offset += Int(error.pointee.msg.nlmsg_len) - headerSize
    }
    var remaining = Int32(Int(header.nlmsg_len) - headerSize - offset)
    guard remaining > 0 else { return nil }
    var current: UnsafeMutablePointer<nlattr>? = (raw + offset).assumingMemoryBound(to: nlattr.self)
    while let a = current, nla_ok(a, remaining) != 0 {
        if nla_type(a) == Int32(NLMSGERR_ATTR_MSG.rawValue), nla_len(a) > 0 {
            // Up to the first NUL inside the attribute: never past it (a text without one).
            let text = UnsafeRawBufferPointer(start: UnsafeRawPointer(a) + 4, count: Int(nla_len(a)))
            return String(decoding: text.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        current = nla_next(a, &remaining)
    }
    return nil
}
