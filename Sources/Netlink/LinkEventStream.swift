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
/// snapshot. The same happens after a receive-buffer overrun (ENOBUFS, reported as libnl's
/// NLE_NOMEM): the stream re-dumps and delivers `.overrun(snapshot:)`.
///
/// ENOBUFS alone does not tell every loss: the kernel reports it only for the first drop that
/// marks the socket congested, and the mark stays until a read finds the queue empty, which
/// never happens while a dump runs (each read builds the next part). A notification dropped in
/// that time, after its link's dump part was built, would be lost in silence. So the stream also
/// watches the socket's drop counter (SO_MEMINFO, SK_MEMINFO_DROPS, counted for every drop):
/// drops since a dump started make it dump again; drops outside a dump start one.
///
/// A storm never ends the stream: a dump the kernel refuses, breaks off or cannot finish in
/// `dumpTimeout` is asked again after a backoff (`ResyncSchedule`), notifications keep flowing
/// meanwhile, and each overrun doubles the receive buffer (up to `maxReceiveBufferSize`).
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
        /// How long a dump (initial or after an overrun) may take before it is given up and
        /// asked again; `init` throws when no initial dump completed within 6 times this.
        public var dumpTimeout: Double
        /// Each overrun doubles the receive buffer up to this (bytes, as the kernel counts
        /// them: twice SO_RCVBUF). Set it to `receiveBufferSize` to keep a small buffer small.
        public var maxReceiveBufferSize: Int

        public init(receiveBufferSize: Int? = nil, addresses: Bool = true, dumpTimeout: Double = 10,
                    maxReceiveBufferSize: Int = 16 << 20) {
            self.receiveBufferSize = receiveBufferSize; self.addresses = addresses
            self.dumpTimeout = dumpTimeout; self.maxReceiveBufferSize = maxReceiveBufferSize
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
        if let size = options.receiveBufferSize {
            try libnl("subscribe: set receive buffer to \(size) bytes") {
                nl_socket_set_buffer_size(raw, Int32(clamping: size), 0)
            }
        }
        try libnl("subscribe: make socket non-blocking") { nl_socket_set_nonblocking(raw) }
        receiver.fd = nl_socket_get_fd(raw)
        receiver.accountedDrops = receiver.drops()
        try libnl("subscribe: join RTNLGRP_LINK") {
            nl_socket_add_membership(raw, Int32(RTNLGRP_LINK.rawValue))
        }
        // Subscribed: now the dump, on the same socket.
        let first = try Self.initialDump(socket: socket, receiver: receiver, reader: reader, options: options)
        self.options = options
        self.socket = socket
        self.receiver = receiver
        self.reader = reader
        self.overruns = first.overruns
        interrupter = try Interrupter()
        initialSnapshot = first.snapshot
        takeReady()
    }

    /// Dump until the first complete snapshot (retrying with backoff, as after an overrun).
    private static func initialDump(socket: NetlinkSocket, receiver: Receiver, reader: LinkReader?,
                                    options: Options) throws(NetlinkError) -> (snapshot: NetworkState, overruns: Int) {
        var first: NetworkState?
        var overruns = 0
        receiver.resync.schedule(.initial)
        let deadline = Date().addingTimeInterval(options.dumpTimeout * 6)
        while first == nil {
            if deadline.timeIntervalSinceNow <= 0 {
                throw NetlinkError(operation: "subscribe: initial link dump", code: Int32(NLE_AGAIN),
                                   message: "no complete answer within \(options.dumpTimeout * 6) s")
            }
            try service(socket: socket, receiver: receiver, options: options)
            let wake = min(deadline, receiver.nextWake(options: options) ?? deadline)
            _ = wait(fd: nl_socket_get_fd(socket.raw), wake: nil, seconds: max(0, wake.timeIntervalSinceNow))
            try drain(socket: socket, receiver: receiver, reader: reader, options: options,
                      overruns: &overruns) { snapshot in first = snapshot }
        }
        return (first!, overruns)
    }

    /// The next notification; nil when `timeout` (seconds; nil = no limit) passed without one or
    /// `interrupter.interrupt()` was called. Throws only when the socket itself fails: overruns
    /// and failed dumps are retried.
    public func next(timeout: Double?) throws(NetlinkError) -> LinkNotification? {
        if let item = dequeue() { return item }
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            try Self.service(socket: socket, receiver: receiver, options: options)
            try Self.drain(socket: socket, receiver: receiver, reader: reader, options: options,
                           overruns: &overruns) { _ in }
            takeReady()
            if let item = dequeue() { return item }
            var seconds = deadline.map { $0.timeIntervalSinceNow }
            if let s = seconds, s <= 0 { return nil }
            if let wake = receiver.nextWake(options: options) {
                seconds = min(seconds ?? .infinity, max(0, wake.timeIntervalSinceNow))
            }
            let woken = Self.wait(fd: nl_socket_get_fd(socket.raw), wake: interrupter, seconds: seconds)
            if woken {
                interrupter.drain()
                return nil
            }
        }
    }

    /// Give up a dump past its deadline; start the dump that is due.
    private static func service(socket: NetlinkSocket, receiver: Receiver, options: Options) throws(NetlinkError) {
        if let d = receiver.dump, d.deadline.timeIntervalSinceNow <= 0 { receiver.abandonDump() }
        if receiver.dump == nil, let reason = receiver.resync.take() {
            try startDump(socket: socket, receiver: receiver, reason: reason, options: options)
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

    private static func startDump(socket: NetlinkSocket, receiver: Receiver, reason: Receiver.DumpReason,
                                  options: Options) throws(NetlinkError) {
        let message = try Message.linkDump(operation: reason == .initial ? "subscribe: dump links" : "resync: dump links")
        // Drops before this point are covered by the dump (its parts are built after them).
        if let d = receiver.drops() { receiver.accountedDrops = d }
        do {
            try socket.send(message)
        } catch {
            // Sending to the kernel failed (no memory?): try again later, like a refused dump.
            receiver.resync.schedule(reason)
            return
        }
        receiver.dumpStarted(sequence: message.header.pointee.nlmsg_seq, reason: reason,
                             timeout: options.dumpTimeout)
    }

    /// Read every datagram waiting on the socket (non-blocking), finishing dumps as they
    /// complete; `initial` gets the snapshot of an initial dump.
    private static func drain(socket: NetlinkSocket, receiver: Receiver, reader: LinkReader?, options: Options,
                              overruns: inout Int, initial: (NetworkState) -> Void) throws(NetlinkError) {
        while true {
            // One datagram, every message of it to the receiver (`NetlinkSocket.receiveWaiting`).
            let result = socket.receiveWaiting(operation: "receive link notifications") { receiver.handle($0) }
            if let error = receiver.error {
                receiver.error = nil
                throw error
            }
            if let reason = receiver.failedDump {
                receiver.failedDump = nil
                receiver.resync.schedule(reason)
            }
            if let done = receiver.completedDump {
                receiver.completedDump = nil
                try finish(done, receiver: receiver, reader: reader, overruns: &overruns, initial: initial)
            }
            if result >= 0 { continue }
            let code = -result
            if code == NLE_AGAIN {
                // Drops the kernel did not report as ENOBUFS (the socket was still congested).
                guard receiver.takeNewDrops() else { return }
            } else if code == NLE_NOMEM {
                // recvmsg() failed with ENOBUFS: the kernel dropped notifications.
                _ = receiver.takeNewDrops()  // told: not to be counted again
            } else {
                throw NetlinkError(operation: "receive link notifications", libnlCode: result)
            }
            overruns += 1
            receiver.growReceiveBuffer(limit: options.maxReceiveBufferSize)
            if receiver.dumpInProgress {
                receiver.overrunDuringDump()
            } else {
                receiver.resync.schedule(.overrun)
            }
        }
    }

    /// A dump answered to its end: its snapshot (with addresses and routes when asked for)
    /// becomes the known state, and another is scheduled when it may already be stale.
    private static func finish(_ done: Receiver.CompletedDump, receiver: Receiver, reader: LinkReader?,
                               overruns: inout Int, initial: (NetworkState) -> Void) throws(NetlinkError) {
        if done.interrupted {
            // The link table changed during the dump (NLM_F_DUMP_INTR), or it ended early.
            receiver.resync.schedule(done.reason)
            return
        }
        var snapshot = NetworkState(interfaces: done.interfaces)
        if let reader {
            do {
                let addresses = try reader.dumpAddresses()
                for i in snapshot.interfaces.indices {
                    if let index = snapshot.interfaces[i].index, let list = addresses[index], !list.isEmpty {
                        snapshot.interfaces[i].addresses = list
                    }
                }
                snapshot.routes = try reader.dumpDefaultRoutes(names: receiver.names)
            } catch {
                // The address or route dump failed (interrupted again and again in a storm):
                // the whole snapshot is read again later (it covers what `held` would replay).
                receiver.resync.schedule(done.reason)
                return
            }
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
            // Notifications were lost while the dump ran: the snapshot may already be stale
            // for links read before the loss. Read again (after the backoff).
            receiver.resync.schedule(.overrun)
        } else {
            receiver.resync.succeeded()
        }
    }
}
