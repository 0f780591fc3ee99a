import DRBD
import Foundation
import Testing

/// A small deterministic generator (SplitMix64): the same seed gives the same run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct FuzzTests {
    static let pieces = ["{", "}", ";", "\"", "#", "[", "]", ":", " ", "\n", "resource", "on", "include \"*\";",
                         "volume", "device", "minor", "address", "ipv6", "[::1]:1", "0.0.0.0:0", "99999999999999999999",
                         "meta-disk", "x[1", "floating", "connection", "path", "host", "stacked-on-top-of", "\\", "\u{0}", "é"]

    /// Random mutations of every corpus file: parse and check must return (no crash) in bounded time.
    @Test func mutatedCorpusNeverCrashesOrHangs() throws {
        var rng = SplitMix(state: 0xD4BD_5EED)
        let texts = try corpusFiles.map { try String(contentsOfFile: fixturesRoot() + "/" + $0, encoding: .utf8) }
        let start = Date()
        var runs = 0
        while runs < 3000 && Date().timeIntervalSince(start) < 20 {
            var bytes = Array(texts[Int(rng.next() % UInt64(texts.count))].utf8)
            for _ in 0..<(1 + rng.next() % 6) {
                let pos = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: if !bytes.isEmpty { bytes.remove(at: pos) }
                case 1: bytes.insert(contentsOf: Array(Self.pieces[Int(rng.next() % UInt64(Self.pieces.count))].utf8), at: pos)
                case 2: if !bytes.isEmpty { bytes[pos] = UInt8(truncatingIfNeeded: rng.next()) }
                default: // duplicate a slice (nesting, repeated resources)
                    let len = min(bytes.count - pos, Int(rng.next() % 200))
                    bytes.insert(contentsOf: bytes[pos..<pos + len], at: pos)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let files = ["/etc/drbd.conf": text, "/etc/a.res": text]
            let loaded = ConfigLoader.load("/etc/drbd.conf", from: MemoryFileSource(files))
            let f = Checker.check(loaded, options: CheckOptions(host: "dom0", minorCount: 32))
            if loaded.configuration == nil { #expect(f.count == 1 && f[0].check == .parseError) }
            for e in loaded.errors { #expect(e.location.line >= 0 && !e.fix.isEmpty) }
            runs += 1
        }
        #expect(runs >= 500, "only \(runs) runs in 20 s: the parser is too slow")
    }
}
