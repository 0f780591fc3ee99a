// SIGINT/SIGTERM during an apply: remembered, not fatal, so the engine stops between two steps
// and undoes what it did.
import Foundation
import Synchronization

public enum Interrupts {
    static let received = Atomic<Int32>(0)

    /// Catch SIGINT and SIGTERM from now on (the handler only records the signal).
    public static func install() {
        for signal in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { s in Interrupts.received.store(s, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
        // A parent may hand down a mask that blocks them (test runners' worker threads do):
        // an apply must stay interruptible.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The signal received, if any.
    public static var signal: Int32? {
        let s = received.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }
}
