// Flap dampening: more than `threshold` carrier changes within `window` seconds turn a link's
// events into one "flapping" alert; when no change happened for `settle` seconds, one summary.
import Foundation

public struct FlapDampening: Sendable, Equatable {
    /// A link is flapping when it changes carrier MORE than this many times within `window`.
    public var threshold: Int
    public var window: TimeInterval
    /// Quiet time after which a flapping link is reported stable again.
    public var settle: TimeInterval

    public init(threshold: Int = 4, window: TimeInterval = 10, settle: TimeInterval = 10) {
        precondition(threshold >= 1 && window > 0 && settle > 0)
        self.threshold = threshold; self.window = window; self.settle = settle
    }
}

public struct FlapDampener: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Report the change as usual.
        case report
        /// The link just started flapping: `count` changes within the window.
        case startedFlapping(count: Int)
        /// The link is flapping; the change is counted, not reported.
        case suppressed
    }

    struct Track: Sendable {
        var changes: [(at: Date, count: Int)] = []
        var flapping = false
        var episodeCount = 0
        var last: Date = .distantPast
    }

    public let settings: FlapDampening
    var tracks: [String: Track] = [:]
    /// Names of the flapping links (kept with `tracks`: read on every observation).
    public private(set) var flapping: Set<String> = []

    public init(_ settings: FlapDampening = FlapDampening()) {
        self.settings = settings
    }

    /// Record `count` carrier changes of `interface` seen at `now`.
    public mutating func record(_ interface: String, count: Int, at now: Date) -> Verdict {
        guard count > 0 else { return .report }
        var t = tracks[interface] ?? Track()
        t.last = now
        if t.flapping {
            t.episodeCount += count
            tracks[interface] = t
            return .suppressed
        }
        t.changes.append((now, count))
        t.changes.removeAll { now.timeIntervalSince($0.at) > settings.window }
        let inWindow = t.changes.reduce(0) { $0 + $1.count }
        if inWindow > settings.threshold {
            t.flapping = true
            t.episodeCount = inWindow
            t.changes = []
            tracks[interface] = t
            flapping.insert(interface)
            return .startedFlapping(count: inWindow)
        }
        tracks[interface] = t
        return .report
    }

    /// Links whose flapping settled by `now`, with the number of changes in the episode.
    public mutating func settled(at now: Date) -> [(interface: String, count: Int)] {
        var done: [(String, Int)] = []
        for name in flapping {
            guard let t = tracks[name], now.timeIntervalSince(t.last) >= settings.settle else { continue }
            done.append((name, t.episodeCount))
            tracks[name] = Track()
            flapping.remove(name)
        }
        return done.sorted { $0.0 < $1.0 }.map { (interface: $0.0, count: $0.1) }
    }

    /// When the next flapping link may settle (nil when none is flapping): the time to call
    /// `settled(at:)` again, so an idle monitor needs no periodic wake-up.
    public var nextDeadline: Date? {
        flapping.compactMap { tracks[$0]?.last.addingTimeInterval(settings.settle) }.min()
    }

    public mutating func forget(_ interface: String) {
        tracks[interface] = nil
        flapping.remove(interface)
    }
}
