// SIGINT, SIGTERM and SIGHUP during `lab up`: noted by a flag the build checks between steps
// (and while waiting for the tree), so an interrupted `up` removes what it made, as a failure
// does. (SIGKILL cannot be caught: then `lab down` does it from the record.)
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) private var interruptSignal: sig_atomic_t = 0

extension LabEngine {
    static func catchInterrupts() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { n in interruptSignal = n }
        }
    }

    /// Throw when a signal asked `lab up` to stop.
    static func checkInterrupted() throws {
        let n = interruptSignal
        if n != 0 {
            throw LabError("interrupted by signal \(n) (\(n == SIGINT ? "SIGINT" : n == SIGTERM ? "SIGTERM" : "SIGHUP"))")
        }
    }
}
