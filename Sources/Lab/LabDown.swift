// `lab down`: stop the lab's processes (each proven ours first), delete every namespace it
// recorded that exists, remove its directory. Idempotent, and complete after a `lab up` killed
// at any moment: the record is written before anything it names is created.
import Foundation
import SystemIO

/// What `lab down` did.
public struct LabDownReport: Sendable {
    public var existed: Bool
    public var stopped: [String] = []
    public var refused: [String] = []
    public var namespacesDeleted: [String] = []
}

extension LabEngine {
    public static func down(store: LabStore) throws -> LabDownReport {
        guard geteuid() == 0 else { throw LabError("lab down needs root: it deletes network namespaces (run it with sudo)") }
        var report = LabDownReport(existed: store.exists)
        guard report.existed else { return report }
        let state = try store.load()
        for p in state?.processes ?? [] {
            let token = metricsFile(forNode: p.node, store)
            switch stop(pid: p.pid, startTime: p.startTime, token: token) {
            case .signalled: report.stopped.append("\(p.role) of \(p.node) (pid \(p.pid))")
            case .refused(let why): report.refused.append("\(p.role) of \(p.node): \(why)")
            }
        }
        // Processes started with the lab's directory in their arguments but not yet recorded
        // (a `lab up` killed between starting a monitor and writing its pid, or its apply).
        for (pid, token) in strays(of: store) {
            if case .signalled = stop(pid: pid, startTime: nil, token: token) { report.stopped.append("pid \(pid) (\(token))") }
        }
        let existing = Set(try existingNamespaces())
        for ns in (state?.namespaces ?? []).reversed() where existing.contains(ns) {
            try Command.check([Command.ip, "netns", "delete", ns])
            report.namespacesDeleted.append(ns)
        }
        try store.remove()
        return report
    }

    /// The monitor's metrics file: in its arguments, it is what proves a monitor is this lab's.
    static func metricsFile(forNode node: String, _ store: LabStore) -> String { store.path("\(node).prom") }

    /// SIGTERM to the process proven to be ours (start time when known, `token` in its arguments),
    /// then SIGKILL if it has not ended within 3 s.
    static func stop(pid: Int32, startTime: UInt64?, token: String) -> Processes.SignalOutcome {
        guard let now = Processes.identity(of: pid) else { return .refused("process \(pid) is no longer running") }
        if let startTime, now.startTime != startTime {
            return .refused("pid \(pid) is now another process (started at another time)")
        }
        let outcome = Processes.signal(now, token: token, signal: SIGTERM)
        guard case .signalled = outcome else { return outcome }
        for _ in 0..<60 {
            if Processes.identity(of: pid)?.startTime != now.startTime { return outcome }
            usleep(50_000)
        }
        _ = Processes.signal(now, token: token, signal: SIGKILL)
        return outcome
    }

    /// Every process whose arguments hold a path inside the lab's directory: (pid, that argument).
    static func strays(of store: LabStore) -> [(Int32, String)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let prefix = store.directory + "/"
        return entries.compactMap { Int32($0) }.filter { $0 != getpid() }.compactMap { pid in
            guard let args = try? Processes.arguments(of: pid),
                  let token = args.dropFirst().first(where: { $0.hasPrefix(prefix) }) else { return nil }
            return (pid, token)
        }
    }
}
