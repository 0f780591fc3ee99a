// The persist journal in the pending revert, without root: previous bytes (any bytes, or "did not
// exist") survive the round trip through pending.json, and restoring them puts each file back.
import Foundation
import Testing
@testable import Apply
import NodeNetwork

@Suite struct PersistTimedRevertTests {
    @Test func theJournalRoundTripsAndRestoresBytesAndAbsence() throws {
        let dir = NSTemporaryDirectory() + "xgp-unit-\(UUID().uuidString)"
        let store = StateStore(directory: dir + "/state")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = Data([0x23, 0x20, 0xff, 0x00, 0x0a])  // not UTF-8: kept as bytes
        var p = PendingRevert(id: "x", deadline: 1, profile: "p.yaml",
                              snapshot: Snapshot(state: NetworkState(interfaces: [])), created: [], ownedBefore: [])
        p.persisted = [PersistedFile(path: dir + "/kept", previous: old), PersistedFile(path: dir + "/new", previous: nil)]
        try store.savePending(p)
        let back = try #require(try store.pending())
        #expect(back.persisted == p.persisted)
        try Data("rendered\n".utf8).write(to: URL(fileURLWithPath: dir + "/kept"))
        try Data("rendered\n".utf8).write(to: URL(fileURLWithPath: dir + "/new"))
        #expect(Persist.restore(back.persisted).isEmpty)
        #expect(FileManager.default.contents(atPath: dir + "/kept") == old)
        #expect(!FileManager.default.fileExists(atPath: dir + "/new"))
    }

    @Test func networkdFilesCarryTheXgScaleMark() {
        #expect(Persist.networkdName("10-xenbr0.netdev") == "10-xg-scale-xenbr0.netdev")
        #expect(Persist.networkdName("20-peth0.network") == "20-xg-scale-peth0.network")
    }
}
