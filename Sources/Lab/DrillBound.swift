// The failover bound a drill holds each outage to (pure). Timers are the ones in effect, read
// from the kernel of node 1 (for STP: the root bridge's, which every bridge adopts from its BPDUs).
//   STP, carrier lost at the node (active-uplink-cut, switch-power-off):
//       2 × forward-delay + detection, detection = one hello-time (carrier loss is seen at once;
//       the surviving port's root information arrives with the next hello).
//   STP, no carrier loss at the node (inter-switch-link-cut):
//       2 × forward-delay + detection, detection = max-age + hello-time (stored BPDU information
//       has to age out before a blocked port takes over).
//   bond with the MII monitor: miimon + updelay.
//   bond with the ARP monitor: arp_interval × (arp_missed_max + 1).
public struct STPTimers: Sendable, Equatable {
    public var forwardDelayMs: Int
    public var helloMs: Int
    public var maxAgeMs: Int
    public init(forwardDelayMs: Int, helloMs: Int, maxAgeMs: Int) {
        self.forwardDelayMs = forwardDelayMs; self.helloMs = helloMs; self.maxAgeMs = maxAgeMs
    }
    /// 802.1D's defaults, which the kernel uses when nothing is set: 15 s, 2 s, 20 s.
    public static let kernelDefault = STPTimers(forwardDelayMs: 15_000, helloMs: 2_000, maxAgeMs: 20_000)
}

public struct BondTimers: Sendable, Equatable {
    public var miimonMs: Int
    public var updelayMs: Int
    public var arpIntervalMs: Int
    public var arpMissedMax: Int
    public init(miimonMs: Int, updelayMs: Int, arpIntervalMs: Int, arpMissedMax: Int) {
        self.miimonMs = miimonMs; self.updelayMs = updelayMs; self.arpIntervalMs = arpIntervalMs
        self.arpMissedMax = arpMissedMax
    }
}

public enum DrillTimers: Sendable, Equatable {
    case stp(STPTimers)
    case bond(BondTimers)
}

public struct DrillBound: Sendable, Equatable {
    public var ms: Int
    /// Which formula and figures, e.g. "2 × forward-delay 4000 ms + detection 1000 ms (one hello-time)".
    public var basis: String

    public static func of(_ scenario: DrillScenario, timers: DrillTimers) -> DrillBound {
        switch timers {
        case .stp(let t):
            let detection = scenario.nodeSeesCarrierLoss ? t.helloMs : t.maxAgeMs + t.helloMs
            let why = scenario.nodeSeesCarrierLoss
                ? "one hello-time: carrier loss is seen at once"
                : "max-age \(t.maxAgeMs) ms + hello-time \(t.helloMs) ms: no carrier loss at the node, BPDU information ages out"
            return DrillBound(ms: 2 * t.forwardDelayMs + detection,
                              basis: "2 × forward-delay \(t.forwardDelayMs) ms + detection \(detection) ms (\(why))")
        case .bond(let b) where b.arpIntervalMs > 0 && b.miimonMs == 0:
            let ms = b.arpIntervalMs * (b.arpMissedMax + 1)
            return DrillBound(ms: ms, basis: "ARP monitor: arp_interval \(b.arpIntervalMs) ms × (arp_missed_max \(b.arpMissedMax) + 1)")
        case .bond(let b):
            return DrillBound(ms: b.miimonMs + b.updelayMs,
                              basis: "miimon \(b.miimonMs) ms + updelay \(b.updelayMs) ms")
        }
    }
}
