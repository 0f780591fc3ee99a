// What the drill has changed and not yet put back (cut links, kernel-default timers), so that an
// error or SIGINT/SIGTERM in the middle of a scenario still leaves the lab as it found it.
import Dispatch
import Foundation
import SystemIO

final class DrillUndo: @unchecked Sendable {
    static let shared = DrillUndo()
    private let lock = NSLock()
    private var links: [(ns: String, dev: String)] = []
    private var timers: [(ns: String, bridge: String, timers: STPTimers)] = []
    private var sources: [DispatchSourceSignal] = []
    private var probes: [ObjectIdentifier: Child] = [:]

    func started(_ p: Child) { lock.withLock { probes[ObjectIdentifier(p)] = p } }
    func ended(_ p: Child) { _ = lock.withLock { probes.removeValue(forKey: ObjectIdentifier(p)) } }

    /// End every probe still running (SIGTERM, then wait).
    func stopProbes() {
        let running = lock.withLock { () -> [Child] in defer { probes = [:] }; return Array(probes.values) }
        for p in running { p.signal(SIGTERM) }
        for p in running { p.wait() }
    }

    func cut(_ l: [(ns: String, dev: String)]) { lock.withLock { links = l } }
    func changedTimers(_ t: [(ns: String, bridge: String, timers: STPTimers)]) { lock.withLock { timers = t } }
    func timersBack() { lock.withLock { timers = [] } }

    /// Set the cut links up again (throws the first failure); nothing left pending after.
    func restoreLinks() throws {
        let l = lock.withLock { () -> [(ns: String, dev: String)] in defer { links = [] }; return links }
        var failure: Error?
        for c in l {
            do { try DrillKernel.setLink(c.ns, c.dev, up: true) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// Everything pending, best effort (error paths and signals).
    func undoAll() {
        try? restoreLinks()
        let t = lock.withLock { () -> [(ns: String, bridge: String, timers: STPTimers)] in defer { timers = [] }; return timers }
        for b in t { try? DrillKernel.setSTPTimers(b.ns, b.bridge, b.timers) }
    }

    /// On SIGINT or SIGTERM: undo, say so, exit 130/143.
    func onSignals(_ say: @escaping @Sendable (String) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [self] in
                stopProbes()
                undoAll()
                say("interrupted: the cut links and the lab's STP timers are put back")
                exit(128 + sig)
            }
            s.resume()
            sources.append(s)
        }
    }
}
