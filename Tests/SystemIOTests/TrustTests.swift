import Foundation
import SystemIO
import Testing
import TestSupport

/// StrictModes-style trust and careful file I/O, on the real filesystem. Ownership by another
/// user needs root (chown to nobody); the rest runs as any user.
@Suite struct TrustTests {
    func scratch() throws -> String {
        // Under /tmp (root-owned, sticky): an accepted ancestor.
        let d = "/tmp/xg-sysio-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(mkdir(d, 0o700) == 0)
        return d
    }

    @Test func ownDirectoryWithSafeModeIsTrusted() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try Trust.check(d, what: "state directory")
        try Trust.ensureDirectory(d + "/a/b", what: "state directory")
        var st = stat()
        #expect(stat(d + "/a/b", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o700)
    }

    @Test func groupOrWorldWritableDirectoryIsRefusedWithFix() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        chmod(d, 0o777)
        let e = #expect(throws: SystemError.self) { try Trust.check(d, what: "state directory") }
        #expect(e?.description.contains("writable by others") == true)
        #expect(e?.description.contains("chmod go-w") == true)
        chmod(d, 0o770)
        let g = #expect(throws: SystemError.self) { try Trust.check(d, what: "state directory") }
        #expect(g?.description.contains("writable by its group") == true)
    }

    @Test func writableAncestorIsRefused() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(mkdir(d + "/inner", 0o700) == 0)
        chmod(d, 0o777)  // not sticky: anyone may rename `inner` away and plant their own
        let e = #expect(throws: SystemError.self) { try Trust.check(d + "/inner", what: "state directory") }
        #expect(e?.path == d)
        #expect(e?.description.contains("a directory above") == true)
    }

    @Test func symlinkAsTheDirectoryIsRefused() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(mkdir(d + "/real", 0o700) == 0)
        #expect(symlink(d + "/real", d + "/link") == 0)
        let e = #expect(throws: SystemError.self) { try Trust.check(d + "/link", what: "state directory") }
        #expect(e?.description.contains("symbolic link") == true)
    }

    @Test func directoryOwnedByAnotherUserIsRefused() throws {
        guard try prerequisites(root: true) else { return }
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(chown(d, 65534, 65534) == 0)  // nobody
        let e = #expect(throws: SystemError.self) { try Trust.ensureDirectory(d, what: "metrics directory") }
        #expect(e?.description.contains("owned by uid 65534") == true)
    }

    @Test func atomicWriteReplacesAPlantedSymlinkInsteadOfWritingThroughIt() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let victim = d + "/victim"
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        #expect(symlink(victim, d + "/owned.json") == 0)
        try Files.writeAtomically("{}\n", to: d + "/owned.json")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        var st = stat()
        #expect(lstat(d + "/owned.json", &st) == 0)
        #expect(st.st_mode & S_IFMT == S_IFREG)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: d + "/owned.json", encoding: .utf8) == "{}\n")
        // No temp file left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).sorted() == ["owned.json", "victim"])
    }

    @Test func readRefusesFIFOAtOnceAndSymlinksAndOversize() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(mkfifo(d + "/fifo", 0o600) == 0)
        let start = Date()
        let e = #expect(throws: SystemError.self) { _ = try Files.read(d + "/fifo", what: "configuration", maxBytes: 1 << 20) }
        #expect(e?.description.contains("not a regular file") == true)
        #expect(Date().timeIntervalSince(start) < 5)  // refused, not blocked on a writer
        try "abc".write(toFile: d + "/f", atomically: false, encoding: .utf8)
        #expect(symlink(d + "/f", d + "/l") == 0)
        #expect(throws: SystemError.self) { _ = try Files.read(d + "/l", what: "configuration", maxBytes: 100) }
        #expect(throws: SystemError.self) { _ = try Files.read(d + "/f", what: "configuration", maxBytes: 2) }
        #expect(try Files.read(d + "/f", what: "configuration", maxBytes: 3) == Array("abc".utf8))
        #expect(try Files.read(d + "/missing", what: "configuration", maxBytes: 3) == nil)
    }

    @Test func trustedReadRefusesAWorldWritableFile() throws {
        let d = try scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "x".write(toFile: d + "/p.json", atomically: false, encoding: .utf8)
        chmod(d + "/p.json", 0o666)
        let e = #expect(throws: SystemError.self) {
            _ = try Files.read(d + "/p.json", what: "pending revert", maxBytes: 100, trusted: true)
        }
        #expect(e?.description.contains("writable by others") == true)
    }
}
