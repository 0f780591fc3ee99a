// The in-memory include glob (Glob, for MemoryFileSource) against the real glob(3) the engine
// uses on disk (DiskFileSource): the same files match the same patterns.
import DRBD
import Foundation
import Preflight
import Testing

@Suite struct GlobAgreesWithGlob3 {
    @Test func sameMatchesAsGlob3OnRealFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("xg-glob-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let names = ["r0.res", "r1.res", "r12.res", ".hidden.res", "a.conf", "x-y.res", "[b].res", "sub/r2.res", "sub/.h.res"]
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        for n in names { try "".write(toFile: root + "/" + n, atomically: false, encoding: .utf8) }
        let paths = names.map { root + "/" + $0 }
        let patterns = ["*.res", "r?.res", "r[0-9].res", "r[!0-9]*.res", "r[^1]*.res", "*", ".*.res", "*/*.res",
                        "sub/*", "sub/.*", "\\[b\\].res", "[[]b].res", "x[a-z-]y.res", "*.con?", "r1*"]
        for p in patterns {
            // Directories (sub, ., ..) match on disk too; a memory source holds only files.
            let disk = Set(DiskFileSource().glob(root + "/" + p)).intersection(paths)
            let memory = Set(paths.filter { Glob.matches(pattern: root + "/" + p, path: $0) })
            #expect(memory == disk, "\(p): glob(3) \(disk.sorted()) vs Glob \(memory.sorted())")
        }
    }
}
