internal import CNetlink

/// A NETLINK_ROUTE socket (owns one `nl_sock`; closed and freed in deinit).
///
/// Every request leaves through `send(_:)`, which counts it by message type (get / new / set /
/// del) on the socket and process-wide (`RequestCounter`). Not thread-safe: one socket per task.
public final class NetlinkSocket {
    let raw: OpaquePointer
    /// Requests this socket sent.
    public private(set) var counts = RequestCounts()

    /// Open and connect a NETLINK_ROUTE socket in the calling thread's network namespace.
    public init() throws(NetlinkError) {
        raw = try libnl("allocate netlink socket") { nl_socket_alloc() }
        do {
            try libnl("connect NETLINK_ROUTE socket") { nl_connect(raw, NETLINK_ROUTE) }
            // Ask for the kernel's reason with each refusal (extended ACK), without the echoed
            // request (capped ACK). Old kernels without these options still work: ignore failure.
            var on: Int32 = 1
            let fd = nl_socket_get_fd(raw)
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
            // One recvmsg per read instead of two: libnl peeks at every message to size its buffer
            // unless given one. 32 KiB holds any message: the kernel caps a dump's batch at the
            // reader's buffer size, at most 32 KiB (netlink_recvmsg's max_recvmsg_len).
            try libnl("set receive buffer size") { nl_socket_set_msg_buf_size(raw, 32768) }
            nl_socket_disable_msg_peek(raw)
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
    }

    deinit { nl_socket_free(raw) }

    /// The one send path: count, then hand to libnl (which completes sequence number, pid and,
    /// for requests, NLM_F_ACK).
    func send(_ message: Message) throws(NetlinkError) {
        let type = message.messageType
        counts.count(messageType: type)
        RequestCounter.record(messageType: type)
        try libnl("\(message.operation): send") { nl_send_auto(raw, message.raw) }
    }

    /// Send a dump request and call `each` for every message of the answer. A dump the kernel
    /// marks inconsistent (NLE_DUMP_INTR: the table changed meanwhile) is repeated, up to 5 times.
    func dump(_ makeMessage: () throws(NetlinkError) -> Message,
              _ each: (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void) throws(NetlinkError) {
        var attempt = 0
        while true {
            attempt += 1
            let message = try makeMessage()
            do {
                try send(message)
                try receive(operation: message.operation, each)
                return
            } catch where error.code == NLE_DUMP_INTR && attempt < 5 {
                continue
            }
        }
    }

    /// Receive until the answer to the last request is complete (NLMSG_DONE or ACK), calling
    /// `each` for every valid message. An error thrown by `each` is kept and rethrown after the
    /// answer was read to its end, so the socket stays in step.
    func receive(operation: String,
                 _ each: (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void) throws(NetlinkError) {
        try withoutActuallyEscaping(each) { (each) throws(NetlinkError) in
            let context = ReceiveContext(each)
            let callback: nl_recvmsg_msg_cb_t = { message, argument in
                guard let message, let argument else { return Int32(NL_SKIP.rawValue) }
                let context = Unmanaged<ReceiveContext>.fromOpaque(argument).takeUnretainedValue()
                if context.error == nil {
                    do throws(NetlinkError) { try context.each(nlmsg_hdr(message)) } catch { context.error = error }
                }
                return Int32(NL_OK.rawValue)
            }
            let argument = Unmanaged.passUnretained(context).toOpaque()
            try libnl("\(operation): set receive callback") {
                nl_socket_modify_cb(raw, NL_CB_VALID, NL_CB_CUSTOM, callback, argument)
            }
            defer { nl_socket_modify_cb(raw, NL_CB_VALID, NL_CB_DEFAULT, nil, nil) }
            try libnl("\(operation): receive") { nl_recvmsgs_default(raw) }
            if let error = context.error { throw error }
        }
    }

    /// Send a request that changes something and wait for the kernel's acknowledgement; a
    /// refusal becomes a `NetlinkError` naming the operation.
    func request(_ message: Message) throws(NetlinkError) {
        try send(message)
        if let refusal = try answer(to: message) { throw refusal }
    }

    /// Send `messages` in one sendmsg(2): the kernel handles all of them inside that one system
    /// call, so no signal — not even SIGKILL — falls between them. Then read one answer each,
    /// matched to its message by sequence number. Returns each message's refusal (nil: done),
    /// in order; throws when the answers cannot be read (what the kernel did is then unknown).
    func requestTogether(_ messages: [Message]) throws(NetlinkError) -> [NetlinkError?] {
        let (results, failure, _) = sendTogether(messages)
        if let failure { throw failure }
        return results
    }

    /// How much one pipelined sendmsg may carry. The kernel queues every ACK in this socket's
    /// receive buffer before the sendmsg returns and drops (ENOBUFS) what does not fit, so the
    /// messages are capped by that buffer (an ACK skb takes well under 2 KiB of it); the bytes
    /// by the send buffer (larger messages are refused with EMSGSIZE).
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
    /// messages answered so far (fewer than `messages` when `failure` is set), and whether the
    /// sendmsg went through (when not, the kernel saw none of them).
    func sendTogether(_ messages: [Message]) -> (results: [NetlinkError?], failure: NetlinkError?, sent: Bool) {
        var bytes: [UInt8] = []
        for m in messages {
            counts.count(messageType: m.messageType)
            RequestCounter.record(messageType: m.messageType)
            nl_complete_msg(raw, m.raw)
            let header = nlmsg_hdr(m.raw)!
            let length = Int(header.pointee.nlmsg_len)
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: length))
            while bytes.count % Int(NLMSG_ALIGNTO) != 0 { bytes.append(0) }
        }
        let operation = messages.first?.operation ?? "request"
        do throws(NetlinkError) {
            try libnl("\(operation): send") { bytes.withUnsafeMutableBytes { nl_sendto(raw, $0.baseAddress, $0.count) } }
        } catch {
            return ([], error, false)
        }
        var results: [NetlinkError?] = []
        for m in messages {
            do throws(NetlinkError) { results.append(try answer(to: m)) } catch { return (results, error, true) }
        }
        return (results, nil, true)
    }

    /// Read the kernel's answer to `message` (sent, its sequence number set): nil for an ACK,
    /// the refusal (with the kernel's reason) otherwise. Throws when no answer can be read, or
    /// when the answer read is for another request (the socket is then out of step).
    func answer(to message: Message) throws(NetlinkError) -> NetlinkError? {
        let seq = nlmsg_hdr(message.raw).pointee.nlmsg_seq
        let context = AnswerContext()
        let ack: nl_recvmsg_msg_cb_t = { message, argument in
            guard let message, let argument else { return Int32(NL_STOP.rawValue) }
            let context = Unmanaged<AnswerContext>.fromOpaque(argument).takeUnretainedValue()
            context.seq = nlmsg_hdr(message).pointee.nlmsg_seq
            context.answered = true
            return Int32(NL_STOP.rawValue)
        }
        let refusal: nl_recvmsg_err_cb_t = { _, error, argument in
            guard let error, let argument else { return Int32(NL_STOP.rawValue) }
            let context = Unmanaged<AnswerContext>.fromOpaque(argument).takeUnretainedValue()
            context.seq = error.pointee.msg.nlmsg_seq
            context.error = error.pointee.error
            context.kernelMessage = extendedAckMessage(error)
            context.answered = true
            return Int32(NL_STOP.rawValue)
        }
        let original = nl_socket_get_cb(raw)
        guard let callbacks = nl_cb_clone(original) else {
            nl_cb_put(original)
            throw NetlinkError(operation: "\(message.operation): allocate callbacks", libnlCode: -NLE_NOMEM)
        }
        nl_cb_put(original)
        defer { nl_cb_put(callbacks) }
        return try withExtendedLifetime(context) { () throws(NetlinkError) -> NetlinkError? in
            let argument = Unmanaged.passUnretained(context).toOpaque()
            nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, ack, argument)
            nl_cb_err(callbacks, NL_CB_CUSTOM, refusal, argument)
            // Each answer is a datagram of its own; anything else read meanwhile is skipped.
            for _ in 0..<64 where !context.answered {
                let result = nl_recvmsgs(raw, callbacks)
                if result < 0 && !context.answered { throw NetlinkError(operation: message.operation, libnlCode: result) }
            }
            guard context.answered, context.seq == seq else {
                throw NetlinkError(operation: "\(message.operation): no answer with sequence number \(seq)", libnlCode: -NLE_SEQ_MISMATCH)
            }
            guard context.error != 0 else { return nil }
            var refused = NetlinkError(operation: message.operation, libnlCode: -nl_syserr2nlerr(context.error))
            refused.kernelMessage = context.kernelMessage
            return refused
        }
    }
}

private final class AnswerContext {
    var answered = false
    var seq: UInt32 = 0
    var error: Int32 = 0
    var kernelMessage: String?
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
            return String(cString: nla_get_string(a))
        }
        current = nla_next(a, &remaining)
    }
    return nil
}

private final class ReceiveContext {
    let each: (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void
    var error: NetlinkError?
    init(_ each: @escaping (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void) { self.each = each }
}
