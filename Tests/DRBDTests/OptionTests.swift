import DRBD
import Preflight
import Foundation
import Testing
import TestSupport

/// A two-host resource with `body` on line 2; `marker` (line 3) makes the file's dialect plain.
func optionFile(_ body: String, marker: String = "") -> String {
    """
    resource r0 {
      \(body)
      \(marker)
      on a { device /dev/drbd0; disk /dev/sda1; address 10.0.0.1:7788; meta-disk internal; }
      on b { device /dev/drbd0; disk /dev/sda1; address 10.0.0.2:7788; meta-disk internal; }
    }

    """
}

/// The errors of loading `text`, as (line, column, message, fix).
func optionErrors(_ text: String) -> [ConfigError] { load(text).errors }

@Suite struct OptionTests {
    @Test func anUnknownOptionIsNamedWithItsPlace() throws {
        let e = optionErrors(optionFile("disk { totally-bogus-option 5; }"))
        #expect(e.count == 1, "\(e)")
        let f = try #require(e.first)
        #expect(f.location.file == "/etc/drbd.conf" && f.location.line == 2 && f.location.column == 10)
        #expect(f.message.contains("unknown option 'totally-bogus-option'") && f.message.contains("disk section"))
        #expect(f.fix.contains("remove it"))
        // At the resource level too.
        let r = optionErrors(optionFile("totally-bogus-option 5;"))
        #expect(r.count == 1 && r[0].location.line == 2 && r[0].message.contains("totally-bogus-option"), "\(r)")
    }

    @Test func aTypoGetsTheNearestKeyword() {
        let e = optionErrors(optionFile("disk { rsync-rate 10M; }  net { max-bufers 8000; }"))
        #expect(e.map(\.fix) == ["did you mean 'resync-rate'?", "did you mean 'max-buffers'?"], "\(e)")
        #expect(e.map(\.location.column) == [10, 35])
        let s = optionErrors(optionFile("startup { wfc-timout 10; }"))
        #expect(s.map(\.fix) == ["did you mean 'wfc-timeout'?"], "\(s)")
    }

    @Test func enumValuesAreChecked() {
        let p = optionErrors(optionFile("net { protocol Z; }"))
        #expect(p.count == 1 && p[0].location.line == 2 && p[0].location.column == 18, "\(p)")
        #expect(p[0].message.contains("A, B, C") && p[0].message.contains("'Z'"))
        let io = optionErrors(optionFile("disk { on-io-error explode; }"))
        #expect(io.count == 1 && io[0].message.contains("pass_on, call-local-io-error, detach"), "\(io)")
        #expect(io[0].fix.hasPrefix("write: on-io-error "))
        // An 8.3-style protocol outside a section.
        #expect(optionErrors(optionFile("protocol Z;")).count == 1)
        #expect(optionErrors(optionFile("protocol C; net { protocol A; } disk { on-io-error detach; }")).isEmpty)
    }

    @Test func drbd07OptionsAreRemovedWithTheVersion() {
        let d = optionErrors(optionFile("net { on-disconnect reconnect; }"))
        #expect(d.count == 1 && d[0].location.line == 2, "\(d)")
        #expect(d[0].fix.contains("DRBD 0.7") && d[0].fix.contains("removed in 8.0"))
        let g = optionErrors(optionFile("syncer { group 1; }"))
        #expect(g.count == 1 && g[0].fix.contains("DRBD 0.7") && g[0].fix.contains("resync-after"), "\(g)")
    }

    @Test func syncerRateInAn84FileNamesTheReplacement() {
        let e = optionErrors(optionFile("syncer { rate 10M; }", marker: "options { cpu-mask 0; }"))
        #expect(e.count == 1 && e[0].location.line == 2 && e[0].location.column == 12, "\(e)")
        #expect(e[0].message.contains("8.4"))
        #expect(e[0].fix.contains("8.4") && e[0].fix.contains("disk { resync-rate }"))
        let n = optionErrors(optionFile("disk { no-disk-flushes; }", marker: "options { cpu-mask 0; }"))
        #expect(n.count == 1 && n[0].fix.contains("disk-flushes no"), "\(n)")
        // The same syncer section in an 8.3 file is fine.
        #expect(optionErrors(optionFile("syncer { rate 10M; after r1; al-extents 257; }")).isEmpty)
    }

    @Test func a9FileIsHeldTo9sKeywords() {
        let v9 = "connection-mesh { hosts a b; }"
        let f = optionErrors(optionFile("disk { fencing resource-only; }", marker: v9))
        #expect(f.count == 1 && f[0].message.contains("DRBD 9") && f[0].fix.contains("net { fencing }"), "\(f)")
        #expect(optionErrors(optionFile("net { unplug-watermark 128; }", marker: v9)).count == 1)
        #expect(optionErrors(optionFile("net { fencing resource-only; } disk { resync-rate 10M; c-plan-ahead 20; } protocol C;", marker: v9)).isEmpty)
        // Without a 9-only construct, 8.4 keywords are read as drbdadm 8.4 reads them.
        #expect(optionErrors(optionFile("disk { fencing resource-only; }")).isEmpty)
    }

    @Test func rangesAndUnitsAreChecked() {
        let hi = optionErrors(optionFile("disk { al-extents 99999; }"))
        #expect(hi.count == 1 && hi[0].message.contains("above the maximum") && hi[0].fix == "write: al-extents 65534;", "\(hi)")
        let lo = optionErrors(optionFile("net { ping-int 0; }"))
        #expect(lo.count == 1 && lo[0].message.contains("below the minimum"), "\(lo)")
        // resync-rate is in KiB/s: 4G is above 4194304 KiB, 4000M is not.
        #expect(optionErrors(optionFile("disk { resync-rate 5G; }")).count == 1)
        #expect(optionErrors(optionFile("disk { resync-rate 4000M; c-fill-target 1M; }")).isEmpty)
        let unit = optionErrors(optionFile("disk { resync-rate 10Q; }"))
        #expect(unit.count == 1 && unit[0].message.contains("unknown unit 'Q'") && unit[0].fix.contains("K, M, G"), "\(unit)")
        let word = optionErrors(optionFile("net { max-buffers lots; }"))
        #expect(word.count == 1 && word[0].message.contains("takes a number"), "\(word)")
        let b = optionErrors(optionFile("disk { disk-flushes maybe; }"))
        #expect(b.count == 1 && b[0].message.contains("yes or no"), "\(b)")
    }

    @Test func handlersTakeAnyCommandAndQuorumTakesSymbols() {
        let text = optionFile("handlers { my-own-hook \"/bin/true\"; split-brain \"/usr/lib/drbd/notify-split-brain.sh root\"; }",
                              marker: "options { quorum majority; on-no-quorum io-error; }")
        #expect(optionErrors(text).isEmpty)
        #expect(optionErrors(optionFile("options { quorum most; }")).count == 1)
    }

    @Test func anUnknownSectionIsNamed() {
        let e = optionErrors(optionFile("nett { protocol C; }"))
        #expect(e.count == 1 && e[0].message.contains("unknown section 'nett'") && e[0].fix == "did you mean 'net'?", "\(e)")
    }

    @Test func commonSectionsAreCheckedToo() {
        let e = optionErrors("common { disk { on-io-error explode; } }\n" + optionFile(""))
        #expect(e.count == 1 && e[0].location.line == 1, "\(e)")
    }

    @Test func sectionsInVolumesHostsAndConnectionsAreChecked() {
        let v = optionErrors(optionFile("volume 0 { device minor 1; disk /dev/sdb; meta-disk internal; disk { al-extents 5; } }"))
        #expect(v.count == 1 && v[0].message.contains("below the minimum"), "\(v)")
        let c = optionErrors(optionFile("connection { host a; host b; net { protocol Q; } }"))
        #expect(c.count == 1 && c[0].message.contains("'Q'"), "\(c)")
    }

    @Test func everyCorpusFileHasNoOptionFinding() throws {
        for f in corpusFiles {
            let r = ConfigLoader.load(fixturesRoot() + "/" + f, from: DiskFileSource())
            #expect(r.errors.isEmpty, "\(f): \(r.errors)")
        }
    }

    @Test func the83CorpusFileIsCheckedAs83AndStaysClean() throws {
        let path = fixturesRoot() + "/v83/drbd.conf"
        let r = ConfigLoader.load(path, from: DiskFileSource())
        #expect(r.configuration?.dialect == .v83 && r.errors.isEmpty, "\(r.errors)")
        // The checks do apply to it: a typo in its syncer section is refused.
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "syncer { rate 10M; }", with: "syncer { rat 10M; }")
        let bad = load(text).errors
        #expect(bad.count == 1 && bad[0].message.contains("'rat'") && bad[0].message.contains("8.3") && bad[0].fix == "did you mean 'rate'?" , "\(bad)")
    }

    @Test func drbdCheckExitsTwoWithFileLineAndFix() throws {
        let path = NSTemporaryDirectory() + "xg-opt-cli-\(getpid()).conf"
        try optionFile("net { protocol Z; }").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try run([xgScaleBinary(), "drbd", "check", "--config", path, "--no-local"])
        #expect(r.status == 2 && r.stdout.hasPrefix(path + ":2: error: parse-error: column 18: protocol") && r.stdout.contains("(fix: write: protocol A;)"), "\(r.stdout)")
        let j = try run([xgScaleBinary(), "drbd", "check", "--config", path, "--no-local", "--json"])
        let obj = try #require(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let fs = try #require(obj["findings"] as? [[String: Any]])
        #expect(j.status == 2 && fs.count == 1)
        #expect(fs.first?["line"] as? Int == 2 && fs.first?["column"] as? Int == 18 && fs.first?["check"] as? String == "parse-error")
    }

    /// drbdadm refuses the same options on the same line (it checks ranges only at drbdsetup time).
    @Test func drbdadmRefusesTheSameLines() throws {
        guard try prerequisites(root: false, programs: ["drbdadm"]) else { return }
        let dir = NSTemporaryDirectory() + "xg-opt-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for body in ["net { protocol Z; }", "disk { on-io-error explode; }", "disk { totally-bogus-option 5; }",
                     "net { on-disconnect reconnect; }", "disk { resync-rate 10Q; }"] {
            let path = dir + "/drbd.conf"
            try optionFile(body).write(toFile: path, atomically: true, encoding: .utf8)
            let d = try run(["drbdadm", "-c", path, "dump"], environment: ["DRBD_DONT_WARN_ON_VERSION_MISMATCH": "1"])
            #expect(d.status != 0 && d.stderr.contains(path + ":2:"), "\(body): \(d.stderr)")
            let x = try run([xgScaleBinary(), "drbd", "check", "--config", path, "--no-local"])
            #expect(x.status == 2 && x.stdout.contains(path + ":2: error: parse-error: "), "\(body): \(x.stdout)")
        }
    }

    /// The checked-in table is what the generator makes from the installed drbd-utils.
    @Test func theTableMatchesTheInstalledDrbdUtils() throws {
        guard try prerequisites(root: false, programs: ["drbdsetup", "python3"],
                                files: ["/usr/lib/drbd/drbdsetup-84", "/usr/lib/drbd/drbdsetup-83"]) else { return }
        let root = packageRoot().path
        let g = try run(["python3", root + "/scripts/gen-drbd-options.py"])
        #expect(g.status == 0, "\(g.stderr)")
        let table = try String(contentsOfFile: root + "/Sources/DRBD/OptionTable.swift", encoding: .utf8)
        #expect(g.stdout == table, "Sources/DRBD/OptionTable.swift differs from the installed drbd-utils: run python3 scripts/gen-drbd-options.py Sources/DRBD/OptionTable.swift")
        #expect(g.stdout.contains("\"disk\", \"resync-rate\"") && g.stdout.contains("\"syncer\", \"rate\""))
    }
}
