// `--metrics-file PATH`: the node_exporter textfile, kept current without following every
// notification of a storm. Writes are coalesced: at most one per interval, and never more than
// one interval behind the latest state. Each write replaces the file atomically and durably
// (SystemIO: an O_EXCL|O_NOFOLLOW temp file named PATH.tmp.RANDOM, which the collector never
// reads, fsync, rename) in a directory checked at start like OpenSSH's StrictModes.
import Foundation
import SystemIO

public struct MetricsFileWriter: Sendable {
    public let path: String
    /// The shortest time between two writes.
    public let interval: Duration

    public init(path: String, interval: Duration = .seconds(1)) {
        self.path = path; self.interval = interval
    }

    /// Refuse a metrics directory that anyone but root can write (a planted symlink there
    /// would let them make root overwrite any file).
    public func checkDirectory() throws {
        let dir = Trust.parent(of: path)
        do {
            try Trust.check(dir, what: "metrics directory")
        } catch var e as SystemError where e.errno == ENOENT {
            e.fix = "create it first (install -d -o root -m 0755 '\(dir)'), or choose another --metrics-file"
            throw e
        }
    }

    /// Replace the file with `text` (mode 0644: node_exporter need not run as root).
    public func write(_ text: String) throws {
        try Files.writeAtomically(text, to: path, mode: 0o644)
    }
}

/// When to write the metrics file, and what to say when it cannot be written: the first
/// failure at once, then at most one line per `reportEvery` (with the count meanwhile), and
/// one line when it works again. Pure: time is passed in.
struct MetricsSchedule {
    let interval: TimeInterval
    let reportEvery: TimeInterval
    private(set) var lastWrite = Date.distantPast
    /// A write is scheduled for this time (the state changed, or a failed write is retried).
    private(set) var due: Date?
    private var failures = 0
    private var lastReport = Date.distantPast

    init(interval: TimeInterval, reportEvery: TimeInterval = 60) {
        self.interval = interval; self.reportEvery = reportEvery
    }

    enum Step: Equatable {
        /// Write now.
        case write
        /// Wake up at this time to write (a timer must be set).
        case wake(Date)
        /// A write is already scheduled: it will render the latest state.
        case wait
    }

    /// The state changed at `now`. A write already due is done now, not when its timer's
    /// turn comes behind a backlog of observations.
    mutating func changed(at now: Date) -> Step {
        if let d = due {
            guard now >= d else { return .wait }
            due = nil
            return .write
        }
        let next = lastWrite.addingTimeInterval(interval)
        if now >= next { return .write }
        due = next
        return .wake(next)
    }

    /// The timer went off at `now`: whether the scheduled write is still to be done (it may
    /// have been done already by `changed`).
    mutating func fired(at now: Date) -> Bool {
        guard let d = due, now >= d else { return false }
        due = nil
        return true
    }

    /// A write at `now` succeeded: the line to print when it failed before.
    mutating func succeeded(at now: Date) -> String? {
        lastWrite = now
        defer { failures = 0 }
        return failures > 0 ? "metrics file written again after \(failures) failed attempt(s)" : nil
    }

    /// A write at `now` failed: the retry time, and the line to print (nil: rate-limited).
    mutating func failed(_ error: String, at now: Date) -> (retry: Date, report: String?) {
        lastWrite = now
        failures += 1
        let retry = now.addingTimeInterval(interval)
        due = retry
        if failures == 1 {
            lastReport = now
            return (retry, "\(error); retrying every \(Self.seconds(interval)), reported again at most every \(Self.seconds(reportEvery))")
        }
        guard now.timeIntervalSince(lastReport) >= reportEvery else { return (retry, nil) }
        lastReport = now
        return (retry, "\(error) (still failing: \(failures) attempts)")
    }

    static func seconds(_ t: TimeInterval) -> String {
        t == t.rounded() ? "\(Int(t)) s" : "\(t) s"
    }
}
