internal import CNetlink
import Foundation
import NodeNetwork

/// The kernel's link notifications (RTNLGRP_LINK), as a stream of `LinkNotification`s, with the
/// initial state read atomically with the subscription.
///
/// How nothing is missed or seen out of order: the socket joins RTNLGRP_LINK first, then asks for
/// the link dump on the same socket, so dump parts and notifications arrive in one queue, in the
/// order the kernel produced them. A notification read before the dump part that holds its link
/// is older than the dump and is dropped; one read after it is newer and is delivered after the
/// snapshot. The same happens after a receive-buffer overrun (ENOBUFS, which libnl 3.7 reports as
/// NLE_NOMEM): the stream re-dumps and delivers `.overrun(snapshot:)`.
///
/// ENOBUFS alone does not tell every loss: the kernel reports it only for the first drop that
/// marks the socket congested, and the mark stays until a read finds the queue empty, which
/// never happens while a dump runs (each read builds the next part). A notification dropped in
/// that time, after its link's dump part was built, would be lost in silence. So the stream also
/// watches the socket's drop counter (SO_MEMINFO, SK_MEMINFO_DROPS, counted for every drop):
/// drops since a dump started make it dump again; drops outside a dump start one.
///
/// Both AF_UNSPEC link messages (carrier, operstate, counters, master, bond and port data) and
/// AF_BRIDGE port messages (STP port state, which the kernel announces only that way) arrive on
/// RTNLGRP_LINK.
///
/// Not thread-safe: one thread reads (`next`). `interrupter` may be used from any thread to wake
/// a blocked `next`. Opens its sockets in the network namespace of the calling thread.
public final class LinkEventStream {
    public struct Options: Sendable {
        /// SO_RCVBUF for the subscription socket (the kernel doubles it and enforces a
        /// minimum); nil keeps the system default. Tests shrink it to provoke overruns.
        public var receiveBufferSize: Int?
        /// Read addresses and default routes into snapshots (like `LinkReader.currentState()`).
        public var addresses: Bool
        /// How long a dump (initial or after an overrun) may take before `init`/`next` throws.
        public var dumpTimeout: Double

        public init(receiveBufferSize: Int? = nil, addresses: Bool = true, dumpTimeout: Double = 10) {
            self.receiveBufferSize = receiveBufferSize; self.addresses = addresses
            self.dumpTimeout = dumpTimeout
        }
    }

    /// Wakes a `next(timeout:)` that waits, from any thread (a pipe the stream polls too).
    public final class Interrupter: Sendable {
        let readEnd: Int32
        let writeEnd: Int32

        init() throws(NetlinkError) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else {
                throw NetlinkError(operation: "subscribe: create wake-up pipe", code: Int32(NLE_FAILURE),
                                   message: String(cString: strerror(errno)))
            }
            readEnd = fds[0]; writeEnd = fds[1]
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }

        deinit { close(readEnd); close(writeEnd) }

        /// Make the waiting (or the next) `next(timeout:)` return nil at once.
        public func interrupt() {
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }

        func drain() {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(readEnd, &buffer, buffer.count) > 0 {}
        }
    }

    /// The state when the subscription started.
    public let initialSnapshot: NetworkState
    public let interrupter: Interrupter
    /// Receive-buffer overruns seen so far.
    public private(set) var overruns = 0

    private let options: Options
    private let socket: NetlinkSocket
    /// A second socket for the address and route dumps of snapshots (not subscribed).
    private let reader: LinkReader?
    private let receiver: Receiver
    private var queue: [LinkNotification] = []
    private var queueHead = 0

    /// Subscribe to RTNLGRP_LINK, then read the initial state.
    public init(options: Options = Options()) throws(NetlinkError) {
        let socket = try NetlinkSocket()
        let raw = socket.raw
        let receiver = Receiver(localPort: nl_socket_get_local_port(raw))
        let reader = options.addresses ? try LinkReader() : nil
        nl_socket_disable_seq_check(raw)
        if let size = options.receiveBufferSize {
            try libnl("subscribe: set receive buffer to \(size) bytes") {
                nl_socket_set_buffer_size(raw, Int32(clamping: size), 0)
            }
        }
        try libnl("subscribe: make socket non-blocking") { nl_socket_set_nonblocking(raw) }
        receiver.fd = nl_socket_get_fd(raw)
        receiver.accountedDrops = receiver.drops()
        let callback: nl_recvmsg_msg_cb_t = { message, argument in
            guard let message, let argument else { return Int32(NL_SKIP.rawValue) }
            let receiver = Unmanaged<Receiver>.fromOpaque(argument).takeUnretainedValue()
            receiver.handle(nlmsg_hdr(message))
            // Everything is handled here: libnl's own processing (sequence checks, ACKs) is skipped.
            return Int32(NL_SKIP.rawValue)
        }
        // The socket (and its callback) lives no longer than the stream, which owns `receiver`.
        try libnl("subscribe: set receive callback") {
            nl_socket_modify_cb(raw, NL_CB_MSG_IN, NL_CB_CUSTOM, callback,
                                Unmanaged.passUnretained(receiver).toOpaque())
        }
        try libnl("subscribe: join RTNLGRP_LINK") {
            nl_socket_add_membership(raw, Int32(RTNLGRP_LINK.rawValue))
        }
        // Subscribed: now the dump, on the same socket.
        var first: NetworkState?
        var overruns = 0
        try Self.startDump(socket: socket, receiver: receiver, reason: .initial)
        let deadline = Date().addingTimeInterval(options.dumpTimeout)
        while first == nil {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                throw NetlinkError(operation: "subscribe: initial link dump", code: Int32(NLE_AGAIN),
                                   message: "no complete answer within \(options.dumpTimeout) s")
            }
            _ = Self.wait(fd: nl_socket_get_fd(raw), wake: nil, seconds: remaining)
            try Self.drain(socket: socket, receiver: receiver, reader: reader, overruns: &overruns) { snapshot in
                first = snapshot
            }
        }
        self.options = options
        self.socket = socket
        self.receiver = receiver
        self.reader = reader
        self.overruns = overruns
        interrupter = try Interrupter()
        initialSnapshot = first!
        takeReady()
    }

    /// The next notification; nil when `timeout` (seconds; nil = no limit) passed without one or
    /// `interrupter.interrupt()` was called. Throws when the socket fails.
    public func next(timeout: Double?) throws(NetlinkError) -> LinkNotification? {
        if let item = dequeue() { return item }
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        var dumpDeadline: Date?
        while true {
            try Self.drain(socket: socket, receiver: receiver, reader: reader, overruns: &overruns) { _ in }
            takeReady()
            if let item = dequeue() { return item }
            // A dump in progress has its own bound: the kernel always finishes one.
            if receiver.dumpInProgress {
                let limit = dumpDeadline ?? Date().addingTimeInterval(options.dumpTimeout)
                dumpDeadline = limit
                if limit.timeIntervalSinceNow <= 0 {
                    throw NetlinkError(operation: "resync: link dump", code: Int32(NLE_AGAIN),
                                       message: "no complete answer within \(options.dumpTimeout) s")
                }
            }
            var seconds = deadline.map { $0.timeIntervalSinceNow }
            if let s = seconds, s <= 0 { return nil }
            if receiver.dumpInProgress, let limit = dumpDeadline {
                seconds = min(seconds ?? .infinity, max(0, limit.timeIntervalSinceNow))
            }
            let woken = Self.wait(fd: nl_socket_get_fd(socket.raw), wake: interrupter, seconds: seconds)
            if woken {
                interrupter.drain()
                return nil
            }
        }
    }

    private func takeReady() {
        if !receiver.ready.isEmpty {
            queue.append(contentsOf: receiver.ready)
            receiver.ready.removeAll(keepingCapacity: true)
        }
    }

    private func dequeue() -> LinkNotification? {
        guard queueHead < queue.count else { return nil }
        let item = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count { queue.removeAll(keepingCapacity: true); queueHead = 0 }
        return item
    }

    /// poll() the socket (and the wake-up pipe); true when woken by the pipe.
    private static func wait(fd: Int32, wake: Interrupter?, seconds: Double?) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        if let wake { fds.append(pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)) }
        let milliseconds: Int32
        if let seconds {
            milliseconds = seconds.isFinite ? Int32(clamping: Int((seconds * 1000).rounded(.up))) : -1
        } else {
            milliseconds = -1
        }
        let r = poll(&fds, nfds_t(fds.count), milliseconds)
        return r > 0 && fds.count > 1 && fds[1].revents & Int16(POLLIN) != 0
    }

    private static func startDump(socket: NetlinkSocket, receiver: Receiver, reason: Receiver.DumpReason) throws(NetlinkError) {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        let message = try Message(type: Int(RTM_GETLINK), flags: NLM_F_DUMP, header: header,
                                  operation: reason == .initial ? "subscribe: dump links" : "resync: dump links")
        // Drops before this point are covered by the dump (its parts are built after them).
        if let d = receiver.drops() { receiver.accountedDrops = d }
        try socket.send(message)
        receiver.dumpStarted(sequence: nlmsg_hdr(message.raw).pointee.nlmsg_seq, reason: reason)
    }

    /// Read every datagram waiting on the socket (non-blocking), finishing dumps as they
    /// complete; `initial` gets the snapshot of an initial dump.
    private static func drain(socket: NetlinkSocket, receiver: Receiver, reader: LinkReader?,
                              overruns: inout Int, initial: (NetworkState) -> Void) throws(NetlinkError) {
        while true {
            let result = nl_recvmsgs_default(socket.raw)
            if let error = receiver.error {
                receiver.error = nil
                throw error
            }
            if let done = receiver.completedDump {
                receiver.completedDump = nil
                if done.interrupted {
                    // The link table changed during the dump (NLM_F_DUMP_INTR): ask again.
                    try startDump(socket: socket, receiver: receiver, reason: done.reason)
                } else {
                    var snapshot = NetworkState(interfaces: done.interfaces)
                    if let reader {
                        let addresses = try reader.dumpAddresses()
                        for i in snapshot.interfaces.indices {
                            if let index = snapshot.interfaces[i].index, let list = addresses[index], !list.isEmpty {
                                snapshot.interfaces[i].addresses = list
                            }
                        }
                        snapshot.routes = try reader.dumpDefaultRoutes(names: receiver.names)
                    }
                    receiver.adopt(snapshot)
                    switch done.reason {
                    case .initial: initial(snapshot)
                    case .overrun: receiver.ready.append(.overrun(snapshot: snapshot))
                    }
                    receiver.replayHeld(done.held)
                    // Drops since the dump started that no ENOBUFS told (see the type's comment).
                    let silentDrops = receiver.takeNewDrops()
                    if silentDrops { overruns += 1 }
                    if done.overrunDuring || silentDrops {
                        // Notifications were lost while the dump ran: the snapshot may already
                        // be stale for links read before the loss. Read again.
                        try startDump(socket: socket, receiver: receiver, reason: .overrun)
                    }
                }
            }
            if result >= 0 { continue }
            let code = -result
            if code == NLE_AGAIN {
                // Drops the kernel did not report as ENOBUFS (the socket was still congested).
                guard receiver.takeNewDrops() else { return }
                overruns += 1
                if receiver.dumpInProgress {
                    receiver.overrunDuringDump()
                } else {
                    try startDump(socket: socket, receiver: receiver, reason: .overrun)
                }
                continue
            }
            if code == NLE_NOMEM {
                // recvmsg() failed with ENOBUFS: the kernel dropped notifications.
                overruns += 1
                _ = receiver.takeNewDrops()  // told: not to be counted again
                if receiver.dumpInProgress {
                    receiver.overrunDuringDump()
                } else {
                    try startDump(socket: socket, receiver: receiver, reason: .overrun)
                }
                continue
            }
            throw NetlinkError(operation: "receive link notifications", libnlCode: result)
        }
    }
}

/// Turns each received message into notifications (called from libnl's callback; copies
/// everything out of the message at once).
final class Receiver {
    enum DumpReason { case initial, overrun }

    /// A notification read while a dump ran, kept because it is newer than its link's dump part.
    enum Held {
        case link(LinkRecord, LinkEvent?)
        case port(index: Int, port: BridgePortSettings, flags: UInt32)
        case removed(index: Int, name: String)
    }

    struct Dump {
        var sequence: UInt32
        var reason: DumpReason
        var records: [LinkRecord] = []
        var seen: Set<Int> = []
        var held: [Held] = []
        var interrupted = false
        var overrunDuring = false
    }

    struct CompletedDump {
        var reason: DumpReason
        var interfaces: [Interface]
        var held: [Held]
        var interrupted: Bool
        var overrunDuring: Bool
    }

    let localPort: UInt32
    /// The subscription socket (for its drop counter).
    var fd: Int32 = -1
    /// The socket's drop counter when the current (or last) dump started, or when drops were
    /// last noticed; nil when the kernel cannot tell (then ENOBUFS alone is trusted).
    var accountedDrops: UInt32?
    /// Names by ifindex (to resolve master, active slave, veth peer).
    var names: [Int: String] = [:]
    /// Last known state by ifindex.
    var known: [Int: Interface] = [:]
    /// Notifications ready for the consumer.
    var ready: [LinkNotification] = []
    var dump: Dump?
    var completedDump: CompletedDump?
    var error: NetlinkError?

    init(localPort: UInt32) { self.localPort = localPort }

    var dumpInProgress: Bool { dump != nil }

    func dumpStarted(sequence: UInt32, reason: DumpReason) {
        dump = Dump(sequence: sequence, reason: reason)
    }

    /// The kernel's count of messages dropped on the socket for lack of room (SO_MEMINFO).
    func drops() -> UInt32? {
        var info = [UInt32](repeating: 0, count: 16)
        var length = socklen_t(info.count * MemoryLayout<UInt32>.size)
        let soMeminfo: Int32 = 55      // SO_MEMINFO (asm-generic/socket.h, Linux 4.6)
        let skMeminfoDrops = 8         // SK_MEMINFO_DROPS (linux/sock_diag.h)
        guard fd >= 0, getsockopt(fd, SOL_SOCKET, soMeminfo, &info, &length) == 0,
              Int(length) >= (skMeminfoDrops + 1) * MemoryLayout<UInt32>.size else { return nil }
        return info[skMeminfoDrops]
    }

    /// True when the drop counter moved since it was last accounted for (and accounts for it).
    func takeNewDrops() -> Bool {
        guard let before = accountedDrops, let now = drops(), now != before else { return false }
        accountedDrops = now
        return true
    }

    func overrunDuringDump() { dump?.overrunDuring = true }

    /// The snapshot becomes the known state.
    func adopt(_ snapshot: NetworkState) {
        known = [:]
        for i in snapshot.interfaces { if let index = i.index { known[index] = i } }
    }

    func handle(_ message: UnsafeMutablePointer<nlmsghdr>) {
        let header = message.pointee
        do throws(NetlinkError) {
            if var current = dump, header.nlmsg_seq == current.sequence, header.nlmsg_pid == localPort {
                if header.nlmsg_flags & UInt16(NLM_F_DUMP_INTR) != 0 { current.interrupted = true }
                switch Int32(header.nlmsg_type) {
                case NLMSG_DONE:
                    finish(current)
                    return
                case NLMSG_ERROR:
                    let code = nlmsg_data(message).load(as: Int32.self)
                    guard code != 0 else { dump = current; return }
                    dump = nil
                    throw NetlinkError(operation: "dump links", libnlCode: -nl_syserr2nlerr(-code))
                default:
                    if let record = try LinkRecord(message: message) {
                        current.records.append(record)
                        current.seen.insert(record.index)
                    }
                    dump = current
                }
                return
            }
            try notification(message)
        } catch {
            if self.error == nil { self.error = error }
        }
    }

    private func finish(_ finished: Dump) {
        dump = nil
        let records = finished.records.sorted { $0.index < $1.index }
        names = Dictionary(records.map { ($0.index, $0.name) }, uniquingKeysWith: { a, _ in a })
        completedDump = CompletedDump(
            reason: finished.reason, interfaces: records.map { $0.interface(names: names) },
            held: finished.held, interrupted: finished.interrupted, overrunDuring: finished.overrunDuring)
    }

    /// A message that is not part of our dump: a kernel notification.
    private func notification(_ message: UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) {
        let type = Int32(message.pointee.nlmsg_type)
        guard type == Int32(RTM_NEWLINK) || type == Int32(RTM_DELLINK) else { return }
        let header = nlmsg_data(message).load(as: ifinfomsg.self)
        let index = Int(header.ifi_index)
        let family = Int32(header.ifi_family)
        let held: Held
        if family == AF_BRIDGE {
            // A port leaving a bridge gets an AF_BRIDGE RTM_DELLINK: not a removal (its
            // AF_UNSPEC RTM_NEWLINK, master cleared, tells the news).
            guard type == Int32(RTM_NEWLINK) else { return }
            let a = try Attributes(message: message, headerSize: MemoryLayout<ifinfomsg>.size,
                                   maxType: xg_ifla_max(), operation: "bridge port notification")
            guard let info = try a.nested(Int(IFLA_PROTINFO), maxType: xg_ifla_brport_max(),
                                          operation: "bridge port notification") else { return }
            held = .port(index: index, port: BridgeLink.port(from: info), flags: header.ifi_flags)
        } else if type == Int32(RTM_DELLINK) {
            let a = try Attributes(message: message, headerSize: MemoryLayout<ifinfomsg>.size,
                                   maxType: xg_ifla_max(), operation: "link removal notification")
            let name = a.string(Int(IFLA_IFNAME)) ?? names[index] ?? "if\(index)"
            held = .removed(index: index, name: name)
        } else {
            guard let record = try LinkRecord(message: message) else { return }
            let a = try Attributes(message: message, headerSize: MemoryLayout<ifinfomsg>.size,
                                   maxType: xg_ifla_max(), operation: "link notification")
            held = .link(record, a.u32(Int(IFLA_EVENT)).flatMap(LinkEvent.init(kernelValue:)))
        }
        if var current = dump {
            // Older than the dump's copy of this link unless that copy was already read.
            if current.seen.contains(index) {
                current.held.append(held)
                dump = current
            }
            return
        }
        apply(held)
    }

    func replayHeld(_ held: [Held]) {
        for item in held { apply(item) }
    }

    private func apply(_ held: Held) {
        switch held {
        case .link(let record, let event):
            let previous = known[record.index]
            names[record.index] = record.name
            var interface = record.interface(names: names)
            interface.addresses = previous?.addresses
            known[record.index] = interface
            let renamed = previous.flatMap { $0.name != record.name ? $0.name : nil }
            ready.append(.link(InterfaceUpdate(interface: interface, source: .link, event: event,
                                               renamedFrom: renamed)))
        case .port(let index, let port, let flags):
            guard var interface = known[index] else { return }
            // The bridge reacts to a carrier loss (port disabled) before the link's own
            // AF_UNSPEC message announces it; the flags of its message already tell the carrier
            // (IFF_LOWER_UP, set only while the device runs). Counters come with that message.
            if flags & UInt32(IFF_UP.rawValue) != 0 {
                interface.carrier = flags & UInt32(IFF_LOWER_UP.rawValue) != 0
            }
            var merged = interface.port ?? BridgePortSettings()
            if let v = port.priority { merged.priority = v }
            if let v = port.cost { merged.cost = v }
            if let v = port.state { merged.state = v }
            interface.port = merged
            known[index] = interface
            ready.append(.link(InterfaceUpdate(interface: interface, source: .bridgePort)))
        case .removed(let index, let name):
            known[index] = nil
            names[index] = nil
            ready.append(.removed(name: name, index: index))
        }
    }
}
