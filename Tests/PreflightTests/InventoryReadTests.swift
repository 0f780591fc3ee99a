// preflight reads its --inventory through the reader of every user file (SystemIO.UserFiles):
// a FIFO is refused at once instead of blocking the coordinator, a file over the size cap is
// refused, and as root a file others can write is refused (StrictModes), each with the path.
import Foundation
import Glibc
@testable import Preflight
import Testing
import TestSupport

@Suite struct PreflightPureInventoryRead {
    func scratch(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xg-inv-read-\(name)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let dir = try scratch("fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/inventory.yaml"
        try #require(mkfifo(fifo, 0o600) == 0)
        let e = try #require(throws: PreflightError.self) { _ = try Inputs.access(fifo) }
        #expect(e.description.contains(fifo) && e.description.contains("fix:"), "\(e)")
    }

    @Test func aFileOverTheCapIsRefused() throws {
        let dir = try scratch("big")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = dir + "/inventory.yaml"
        let line = "# " + String(repeating: "x", count: 1022) + "\n"
        try String(repeating: line, count: 16 * 1024 + 1).write(toFile: big, atomically: false, encoding: .utf8)
        let e = try #require(throws: PreflightError.self) { _ = try Inputs.access(big) }
        #expect(e.description.contains(big), "\(e)")
    }

    @Test func asRootAnInventoryOthersCanWriteIsRefused() throws {
        guard try prerequisites(root: true) else { return }
        let dir = try scratch("trust")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inv = dir + "/inventory.yaml"
        try "cluster: c\nnodes:\n  n1: {vars: {ssh-target: root@n1}}\n".write(toFile: inv, atomically: false, encoding: .utf8)
        chmod(dir, 0o700)
        chmod(inv, 0o600)
        #expect(try Inputs.access(inv)["n1"]?.sshTarget == "root@n1")
        chmod(inv, 0o666)
        let e = try #require(throws: PreflightError.self) { _ = try Inputs.access(inv) }
        #expect(e.description.contains(inv) && e.description.contains("chmod go-w"), "\(e)")
    }
}
