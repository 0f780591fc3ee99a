internal import CNetlink
import Foundation
import NodeNetwork

/// Turns each received message into notifications (called for each message of a datagram the socket read; copies
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
        /// When it is given up (and asked again) if the kernel has not finished it.
        var deadline: Date
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
    var names = LinkNames()
    /// Last known state by ifindex.
    var known: [Int: Interface] = [:]
    /// Notifications ready for the consumer.
    var ready: [LinkNotification] = []
    var dump: Dump?
    var completedDump: CompletedDump?
    /// A dump the kernel refused or broke off (EBUSY, EINTR, an error in NLMSG_DONE...): to be
    /// asked again after a backoff, never fatal.
    var failedDump: DumpReason?
    /// When the next dump is due (after an overrun or a failed dump), with backoff.
    var resync = ResyncSchedule()
    var error: NetlinkError?

    init(localPort: UInt32) { self.localPort = localPort }

    var dumpInProgress: Bool { dump != nil }

    func dumpStarted(sequence: UInt32, reason: DumpReason, timeout: Double) {
        dump = Dump(sequence: sequence, reason: reason, deadline: Date().addingTimeInterval(timeout))
    }

    /// Give up the dump in progress (its late parts, if the kernel still sends them, are
    /// recognised by their sequence number and ignored) and ask again after a backoff.
    func abandonDump() {
        guard let current = dump else { return }
        dump = nil
        resync.schedule(current.reason)
    }

    /// SO_RCVBUF now (what the kernel reports: twice the size asked for).
    func receiveBufferSize() -> Int? {
        var size: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard fd >= 0, getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &length) == 0 else { return nil }
        return Int(size)
    }

    /// Double the receive buffer after an overrun (at least 256 KiB, at most `limit`):
    /// SO_RCVBUFFORCE as root (beyond net.core.rmem_max), else SO_RCVBUF.
    func growReceiveBuffer(limit: Int) {
        guard let current = receiveBufferSize(), current < limit else { return }
        var wanted = Int32(clamping: min(limit, max(current * 2, 256 << 10)) / 2)
        let length = socklen_t(MemoryLayout<Int32>.size)
        let soRcvbufforce: Int32 = 33  // asm-generic/socket.h
        if setsockopt(fd, SOL_SOCKET, soRcvbufforce, &wanted, length) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wanted, length)
        }
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

    /// When the reading loop must wake up even without news: a dump's deadline or a due resync.
    func nextWake(options: LinkEventStream.Options) -> Date? {
        if let d = dump { return d.deadline }
        return resync.pending == nil ? nil : resync.due
    }

    /// The snapshot becomes the known state.
    func adopt(_ snapshot: NetworkState) {
        known = [:]
        for i in snapshot.interfaces { if let index = i.index { known[index] = i } }
    }

    func handle(_ message: UnsafeMutablePointer<nlmsghdr>) {
        let header = message.pointee
        do throws(NetlinkError) {
            if header.nlmsg_pid == localPort, header.nlmsg_seq != dump?.sequence {
                // A late part (or answer) of a dump given up: superseded by the next one.
                return
            }
            if var current = dump, header.nlmsg_seq == current.sequence, header.nlmsg_pid == localPort {
                if header.nlmsg_flags & UInt16(NLM_F_DUMP_INTR) != 0 { current.interrupted = true }
                let hasCode = Int(header.nlmsg_len) >= MemoryLayout<nlmsghdr>.size + MemoryLayout<Int32>.size
                let code = hasCode ? nlmsg_data(message).load(as: Int32.self) : 0
                switch Int32(header.nlmsg_type) {
                case NLMSG_DONE:
                    // A negative errno here: the dump ended early (e.g. EMSGSIZE); ask again.
                    if code < 0 { current.interrupted = true }
                    finish(current)
                    return
                case NLMSG_ERROR:
                    dump = current
                    dumpRefused(code: -code)
                    return
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

    /// An error answer to our dump request. ENOBUFS/ENOMEM: the kernel could not start it
    /// because the socket was full of notifications; it goes on as the socket is read, and
    /// notifications were lost (so it is followed by another). Anything else (EBUSY: an old
    /// dump still runs; EINTR, EAGAIN...): the dump did not run; ask again after a backoff.
    private func dumpRefused(code: Int32) {
        guard code != 0, var current = dump else { return }
        if code == ENOBUFS || code == ENOMEM {
            current.overrunDuring = true
            dump = current
            return
        }
        dump = nil
        failedDump = current.reason
    }

    private func finish(_ finished: Dump) {
        dump = nil
        let records = finished.records.sorted { $0.index < $1.index }
        names = LinkNames(records)
        completedDump = CompletedDump(
            reason: finished.reason, interfaces: records.map { $0.interface(names: names) },
            held: finished.held, interrupted: finished.interrupted, overrunDuring: finished.overrunDuring)
    }

    /// A message that is not part of our dump: a kernel notification.
    private func notification(_ message: UnsafeMutablePointer<nlmsghdr>) throws(NetlinkError) {
        let type = Int32(message.pointee.nlmsg_type)
        guard type == Int32(RTM_NEWLINK) || type == Int32(RTM_DELLINK) else { return }
        let header = try familyHeader(message, as: ifinfomsg.self, operation: "link notification")
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

/// When the next dump is due. A dump that must be repeated (lost notifications during it, the
/// kernel's NLM_F_DUMP_INTR, a refusal) backs off: 0, 25 ms, 50 ms ... up to 2 s, so that a
/// storm is read as notifications between dumps instead of as back-to-back dumps; a clean dump
/// resets it.
struct ResyncSchedule {
    private(set) var pending: Receiver.DumpReason?
    private(set) var due = Date.distantPast
    /// Dumps in a row that had to be repeated.
    private(set) var failures = 0

    static let maxDelay = 2.0

    mutating func schedule(_ reason: Receiver.DumpReason, now: Date = Date()) {
        if pending != .initial { pending = reason }
        let delay = failures == 0 ? 0 : min(0.025 * pow(2, Double(failures - 1)), Self.maxDelay)
        if failures < 64 { failures += 1 }
        due = now.addingTimeInterval(delay)
    }

    /// The pending dump when it is due (and clears it).
    mutating func take(now: Date = Date()) -> Receiver.DumpReason? {
        guard let reason = pending, now >= due else { return nil }
        pending = nil
        return reason
    }

    mutating func succeeded() { failures = 0 }
}
