// The real ObservationSource: the kernel's link notifications (RTNLGRP_LINK, through
// Netlink.LinkEventStream) and the bridge topology poll (Netlink.LinkReader.bridgeTopology()).
// Sockets are opened in the network namespace of the process: run under `ip netns exec`.
import Foundation
import MonitorCore
import Netlink
import NodeNetwork

public final class NetlinkObservationSource: ObservationSource, @unchecked Sendable {
    public struct Options: Sendable {
        /// SO_RCVBUF of the subscription socket; nil keeps the system default (tests shrink it).
        public var receiveBufferSize: Int?

        public init(receiveBufferSize: Int? = nil) { self.receiveBufferSize = receiveBufferSize }
    }

    let options: Options
    private let lock = NSLock()
    private var subscription: LinkEventStream.Subscription?
    private var reader: LinkReader?

    public init(options: Options = Options()) { self.options = options }

    deinit { subscription?.stop() }

    /// Subscribe (the initial dump is read atomically with the subscription) and map each
    /// notification to an observation.
    public func changes() async throws -> AsyncThrowingStream<Observation, any Error> {
        let sub = try LinkEventStream.subscribe(
            options: LinkEventStream.Options(receiveBufferSize: options.receiveBufferSize, addresses: false))
        lock.withLock {
            subscription?.stop()
            subscription = sub
        }
        let iterator = NotificationIterator(sub.notifications.makeAsyncIterator())
        return AsyncThrowingStream(unfolding: { try await iterator.next() })
    }

    /// The state read with the subscription when there is one (so that nothing falls between
    /// the dump and the first change), else a fresh dump (`--oneshot`).
    public func snapshot() async throws -> NetworkState {
        if let s = lock.withLock({ subscription?.initialSnapshot }) { return s }
        return try LinkReader().currentState()
    }

    public func pollBridges() async throws -> [Observation] {
        let topology = try lock.withLock { () throws -> [BridgeTopology] in
            if reader == nil { reader = try LinkReader() }
            return try reader!.bridgeTopology()
        }
        return topology.map { .bridge(name: $0.name, settings: $0.settings) }
    }

    public func pollBonds() async throws -> [Observation] {
        let links = try lock.withLock { () throws -> [Interface] in
            if reader == nil { reader = try LinkReader() }
            return try reader!.bondLinks()
        }
        return links.map {
            .bondRuntime(interface: $0.name, master: $0.master, bond: $0.bondState, lacp: $0.slave?.lacp)
        }
    }

    /// End the subscription (its reading thread closes the socket).
    public func stop() {
        lock.withLock { subscription?.stop() }
    }

    /// How the Netlink layer's notifications become the classifier's observations.
    public static func observations(for n: LinkNotification) -> [Observation] {
        switch n {
        case .link(let u):
            let link = Observation.link(u.interface, event: u.event == .bondingFailover ? .bondingFailover : nil)
            if let old = u.renamedFrom, old != u.interface.name { return [.linkRemoved(old), link] }
            return [link]
        case .removed(let name, _):
            return [.linkRemoved(name)]
        case .overrun(let snapshot):
            return [.resync(snapshot)]
        }
    }
}

/// Pulls notifications one at a time for `AsyncThrowingStream(unfolding:)` (a rename gives two
/// observations: the second waits in `pending`). Only the one consumer task calls `next`.
private final class NotificationIterator: @unchecked Sendable {
    var base: AsyncThrowingStream<LinkNotification, any Error>.AsyncIterator
    var pending: [Observation] = []

    init(_ base: AsyncThrowingStream<LinkNotification, any Error>.AsyncIterator) { self.base = base }

    func next() async throws -> Observation? {
        while pending.isEmpty {
            guard let n = try await base.next() else { return nil }
            pending = NetlinkObservationSource.observations(for: n)
        }
        return pending.removeFirst()
    }
}
