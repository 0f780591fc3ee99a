import Foundation
import NodeNetwork

extension LinkEventStream {
    /// A running subscription for async code: its initial snapshot, its notifications as an
    /// AsyncThrowingStream, and `stop()`.
    public struct Subscription: Sendable {
        /// The state when the subscription started (read atomically with it).
        public let initialSnapshot: NetworkState
        /// Notifications in kernel order; finishes after `stop()`, throws when the socket fails.
        public let notifications: AsyncThrowingStream<LinkNotification, any Error>
        private let interrupter: Interrupter
        private let stopped: StopFlag

        fileprivate init(initialSnapshot: NetworkState,
                         notifications: AsyncThrowingStream<LinkNotification, any Error>,
                         interrupter: Interrupter, stopped: StopFlag) {
            self.initialSnapshot = initialSnapshot; self.notifications = notifications
            self.interrupter = interrupter; self.stopped = stopped
        }

        /// End the subscription: the reading thread closes the socket and `notifications` finishes.
        public func stop() {
            stopped.set()
            interrupter.interrupt()
        }
    }

    /// Subscribe on a dedicated thread (it reads with `next`, blocking in poll, and yields each
    /// notification). The thread is created in the calling process, so it lives in the network
    /// namespace of the process (run under `ip netns exec` for another namespace).
    public static func subscribe(options: Options = Options()) throws -> Subscription {
        let (notifications, continuation) = AsyncThrowingStream<LinkNotification, any Error>.makeStream()
        let started = StartBox()
        let stopped = StopFlag()
        let thread = Thread {
            let stream: LinkEventStream
            do {
                stream = try LinkEventStream(options: options)
            } catch {
                started.fail(error)
                continuation.finish(throwing: error)
                return
            }
            started.succeed(stream.initialSnapshot, stream.interrupter)
            do {
                while !stopped.isSet {
                    if let item = try stream.next(timeout: nil) { continuation.yield(item) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.name = "netlink link events"
        continuation.onTermination = { _ in
            stopped.set()
            started.interrupter?.interrupt()
        }
        thread.start()
        let (snapshot, interrupter) = try started.wait()
        return Subscription(initialSnapshot: snapshot, notifications: notifications,
                            interrupter: interrupter, stopped: stopped)
    }
}

private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Hands the subscription's start (snapshot or error) from its thread to the caller.
private final class StartBox: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<(NetworkState, LinkEventStream.Interrupter), any Error>?

    var interrupter: LinkEventStream.Interrupter? {
        lock.withLock { (try? result?.get())?.1 }
    }

    func succeed(_ snapshot: NetworkState, _ interrupter: LinkEventStream.Interrupter) {
        lock.withLock { result = .success((snapshot, interrupter)) }
        done.signal()
    }

    func fail(_ error: any Error) {
        lock.withLock { result = .failure(error) }
        done.signal()
    }

    func wait() throws -> (NetworkState, LinkEventStream.Interrupter) {
        done.wait()
        return try lock.withLock { try result!.get() }
    }
}
