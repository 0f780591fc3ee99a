// A node's phase 2: every connect of its plan at once, then, for connections whose large
// segments stalled, a ladder of smaller packet sizes at once to find the largest that passes.
#if canImport(Glibc)
import Glibc
#endif

enum PairProbe {
    /// IP packet sizes tried when large segments stall (largest first).
    static let ladder = [8000, 4000, 3000, 2000, 1500, 1400, 1280, 1000, 576]

    static func run(_ plan: ConnectPlan) -> [ConnectOutcome] {
        let t = Duration.milliseconds(plan.timeoutMs)
        let start = ContinuousClock.now
        let first = Prober.run(plan.connects.map { Attempt(spec: $0, packetSize: nil, push: $0.push) },
                               connectBy: start + t, pushFor: t / 2, hardStop: start + t * 3 / 2)
        var outcomes = zip(plan.connects, first).map { outcome($0, $1, plan.timeoutMs) }
        // Stalled pushes: try smaller packets, all at once.
        let stalled = outcomes.indices.filter { outcomes[$0].result == .mtuBlackhole }
        guard !stalled.isEmpty else { return outcomes }
        var attempts: [Attempt] = [], owner: [Int] = []
        for i in stalled {
            let big = first[i].mss + 52
            for size in ladder where size < big {
                attempts.append(Attempt(spec: plan.connects[i], packetSize: size, push: true)); owner.append(i)
            }
        }
        let now = ContinuousClock.now
        let second = Prober.run(attempts, connectBy: now + t / 2, pushFor: t / 2, hardStop: now + t / 2)
        var best: [Int: Int] = [:]
        for (k, r) in second.enumerated() where r.echoed {
            best[owner[k]] = max(best[owner[k]] ?? 0, attempts[k].packetSize ?? 0)
        }
        for i in stalled {
            let big = first[i].mss + 52
            if let b = best[i] {
                outcomes[i].mtu = b
                outcomes[i].detail = "connected, but \(big)-byte packets stall both ways while \(b)-byte packets pass: a link on the path has a smaller MTU than the nodes (largest that got through: \(b) bytes)"
            } else {
                outcomes[i].detail = "connected, but no data came back within the timeout at any packet size from \(big) down to \(ladder.last!) bytes"
            }
        }
        return outcomes
    }

    static func outcome(_ spec: ConnectSpec, _ r: AttemptResult, _ timeoutMs: Int) -> ConnectOutcome {
        switch r.state {
        case .timedOut:
            return ConnectOutcome(id: spec.id, result: .filtered,
                                  detail: "no answer within \(timeoutMs) ms: a firewall drops the port", mtu: nil)
        case .failed(let code, let immediate):
            var detail = Diagnosis.explain(code, immediate: immediate)
            if code == EADDRNOTAVAIL && immediate {
                detail = "source address \(spec.source.ip) is on none of the node's interfaces (EADDRNOTAVAIL)"
            }
            return ConnectOutcome(id: spec.id, result: Diagnosis.forConnectError(code, immediate: immediate), detail: detail, mtu: nil)
        case .connected:
            if !spec.push { return ConnectOutcome(id: spec.id, result: .ok, detail: "connected to DRBD's own listener", mtu: nil) }
            if r.echoed {
                return ConnectOutcome(id: spec.id, result: .ok,
                                      detail: "connected; 3 full-size segments (\(r.mss) bytes of data each) went each way", mtu: nil)
            }
            return ConnectOutcome(id: spec.id, result: .mtuBlackhole, detail: "connected, but large segments stall", mtu: nil)
        }
    }
}
