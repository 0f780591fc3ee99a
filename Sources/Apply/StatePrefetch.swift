// The kernel's state read ahead: `apply` starts it before reading its profile, on a second
// thread, and the engine's first `currentState()` takes it if the kernel announced no change
// since the read began (`ChangeSentinel`); otherwise the state is read again, as without it.
import Netlink
import NodeNetwork
import SystemIO

final class StatePrefetch: @unchecked Sendable {
    private let sentinel: ChangeSentinel
    private let reader: LinkReader
    private var thread: Threads.Joinable?
    // Written by the thread, read after `join` only.
    private var state: NetworkState?

    /// Nil when the sentinel cannot be opened or no thread can be started.
    init?(reader: LinkReader) {
        guard let sentinel = try? ChangeSentinel() else { return nil }
        self.sentinel = sentinel
        self.reader = reader
        thread = Threads.spawn { [self] in state = try? self.reader.currentState() }
        if thread == nil { return nil }
    }

    deinit { thread?.join() }

    /// The state read ahead, if it was read and the kernel announced no change since, with the
    /// sentinel that watched it (it goes on telling whether that read still holds).
    func take() -> (NetworkState, ChangeSentinel)? {
        thread?.join()
        thread = nil
        guard let state, sentinel.quiet else { return nil }
        return (state, sentinel)
    }
}

extension KernelBackend {
    /// Read the current state ahead on a second thread (see `StatePrefetch`). The socket is the
    /// thread's until the next call on this backend.
    public func prefetchState() {
        guard prefetch == nil else { return }
        prefetch = StatePrefetch(reader: reader)
    }
}
