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
        try libnl("\(message.operation)") { nl_wait_for_ack(raw) }
    }
}

private final class ReceiveContext {
    let each: (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void
    var error: NetlinkError?
    init(_ each: @escaping (UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) -> Void) { self.each = each }
}
