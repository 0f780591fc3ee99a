// The watchdog's decisions with an injected clock, and the lock: no root, no kernel.
import Foundation
import Testing
import Apply
import NodeNetwork

final class FakeClock: RevertClock {
    var time: Double
    var onSleep: ((Double) -> Void)?
    init(_ t: Double) { time = t }
    func now() -> Double { time }
    func sleep(seconds: Double) { time += seconds; onSleep?(time) }
}

private func tempStore() throws -> StateStore {
    let dir = NSTemporaryDirectory() + "xga-unit-\(getpid())-\(UUID().uuidString)"
    return StateStore(directory: dir)
}

private func pending(_ id: String, deadline: Double) -> PendingRevert {
    PendingRevert(id: id, deadline: deadline, profile: "p.yaml",
                  snapshot: Snapshot(state: NetworkState(interfaces: [Interface(name: "peth0", kind: .device, up: false)])),
                  created: ["br0"], ownedBefore: ["old0"])
}

@Suite struct TimedRevertTests {
    @Test func restoresOnceTheDeadlinePassesAndPutsOwnershipBack() throws {
        let store = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        try store.savePending(pending("a", deadline: 1000))
        try store.saveOwned(["br0", "old0"])
        let clock = FakeClock(990)
        var restoredAt: Double?
        let (result, _) = try TimedRevert.watch(store: store, id: "a", clock: clock) { p in
            restoredAt = clock.time
            #expect(p.created == ["br0"])
            return RestoreReport(steps: [], errors: [], complete: true, remaining: [])
        }
        #expect(result == .restored)
        #expect(try #require(restoredAt) >= 1000)
        #expect(try #require(restoredAt) < 1000 + TimedRevert.pollInterval + 0.001)
        #expect(try store.pending() == nil)
        #expect(try store.owned() == ["old0"])
    }

    @Test func confirmBeforeTheDeadlineCancels() throws {
        let store = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        try store.savePending(pending("a", deadline: 1000))
        let clock = FakeClock(990)
        clock.onSleep = { t in if t >= 995 { store.removePending() } }  // `confirm` at t=995
        var restored = false
        let (result, _) = try TimedRevert.watch(store: store, id: "a", clock: clock) { _ in
            restored = true
            return RestoreReport()
        }
        #expect(result == .cancelled)
        #expect(!restored)
    }

    @Test func aNewerPendingRevertIsNotTheWatchdogsBusiness() throws {
        let store = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        try store.savePending(pending("b", deadline: 0))
        let (result, _) = try TimedRevert.watch(store: store, id: "a", clock: FakeClock(10)) { _ in
            Issue.record("restored another apply's snapshot")
            return RestoreReport()
        }
        #expect(result == .cancelled)
    }

    @Test func secondLockFailsNamingTheHolder() throws {
        let store = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let held = try store.lock()
        do {
            _ = try store.lock()
            Issue.record("a second lock was granted")
        } catch let e as StateError {
            #expect(e.description.contains("process \(getpid())"))
            #expect(e.description.contains(store.lockPath))
        }
        held.release()
        let again = try store.lock()
        again.release()
    }
}
