import DRBD
import Foundation
import Testing
import TestSupport

func tempDir() throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("xgdrbd-\(getpid())-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Copy a fixture folder to a scratch place (so tests may add files).
func copyFixture(_ dir: String) throws -> String {
    let t = try tempDir()
    try runChecked(["cp", "-r", fixturesRoot() + "/" + dir + "/.", t])
    return t
}

@Suite struct CLITests {
    @Test func cleanConfigExitsZero() throws {
        let r = try run([xgScaleBinary(), "drbd", "check", "--config", fixturesRoot() + "/xen-pair/drbd.conf", "--host", "dom0", "--no-local"])
        #expect(r.status == 0, "\(r.stderr)\(r.stdout)")
        #expect(r.stdout.isEmpty)
    }

    @Test func findingsExitTwoWithHumanAndJSONOutput() throws {
        let d = try copyFixture("xen-pair")
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "resource vm-xnew {\n  device /dev/drbd1 minor 1;\n  disk /dev/vg0/vm-new;\n  meta-disk internal;\n  on dom0 { address 10.10.0.1:7789; }\n  on dom0m { address 10.10.0.2:7795; }\n}\n"
            .write(toFile: d + "/drbd.d/vm-xnew.res", atomically: true, encoding: .utf8)
        let r = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--host", "dom0", "--no-local"])
        #expect(r.status == 2)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix(d + "/drbd.d/vm-xnew.res:5: error: port-conflict: resource vm-xnew on host dom0: ") && $0.hasSuffix(")") && $0.contains("(fix: ") })
        #expect(lines.contains { $0.hasPrefix(d + "/drbd.d/vm-xnew.res:2: error: minor-conflict: resource vm-xnew on host dom0m: ") })
        let j = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--host", "dom0", "--no-local", "--json"])
        #expect(j.status == 2)
        let obj = try #require(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(Array(obj.keys) == ["findings"])
        let fs = try #require(obj["findings"] as? [[String: Any]])
        #expect(fs.count == 3)
        for f in fs {
            for k in ["severity", "check", "resource", "host", "file", "line", "message"] { #expect(f[k] != nil, "\(k)") }
        }
        #expect(fs.contains { $0["check"] as? String == "port-conflict" && $0["line"] as? Int == 5 && $0["resource"] as? String == "vm-xnew" })
    }

    @Test func couldNotRunExitsOne() throws {
        let r = try run([xgScaleBinary(), "drbd", "check", "--config", "/nonexistent/drbd.conf"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("/nonexistent/drbd.conf: error: ") && r.stderr.contains("(fix: "))
    }

    @Test func aSyntaxErrorIsAParseErrorFinding() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "resource r {\n  on a { address 10.0.0.1:7788 }\n}\n".write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        let r = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--host", "a", "--no-local"])
        #expect(r.status == 2)
        #expect(r.stdout.hasPrefix(d + "/drbd.conf:2: error: parse-error: column 32: expected ';'"), "\(r.stdout)")
    }

    /// Allocate in every dialect; the printed section, saved beside the others, passes
    /// `drbd check` and `drbdadm dump`, and its model is what the JSON says.
    @Test(arguments: [
        ("xen-pair", "drbd.conf", "dom0,dom0m", ["--disk", "/dev/vg0/{name}", "--meta", "/dev/vg0/drbd-meta"], "8.4"),
        ("v83", "drbd.conf", "alpha,bravo", ["--disk", "/dev/vg/{name}", "--meta", "/dev/sdb1"], "8.3"),
        ("v9", "mesh.conf", "n1,n2,n3", ["--disk", "/dev/vg/{name}"], "9"),
        ("v84", "volumes.conf", "alpha,bravo", ["--disk", "/dev/vg/{name}", "--meta", "/dev/vg/meta"], "8.4"),
    ])
    func allocatePassesCheckAndDrbdadm(dir: String, main: String, hosts: String, extra: [String], dialect: String) throws {
        guard try prerequisites(root: false, programs: ["drbdadm"]) else { return }
        let d = try copyFixture(dir)
        defer { try? FileManager.default.removeItem(atPath: d) }
        let conf = d + "/" + main
        let r = try run([xgScaleBinary(), "drbd", "allocate", "vm-new", "--hosts", hosts, "--config", conf, "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["dialect"] as? String == dialect)
        let text = try #require(obj["text"] as? String)
        let port = try #require(obj["port"] as? Int), minor = try #require(obj["minor"] as? Int)
        // Append the section to the main file and check again.
        let before = try String(contentsOfFile: conf, encoding: .utf8)
        try (before + "\n" + text).write(toFile: conf, atomically: true, encoding: .utf8)
        let c = try run([xgScaleBinary(), "drbd", "check", "--config", conf, "--host", hosts.split(separator: ",")[0].description, "--no-local"])
        #expect(c.status == 0, "\(c.stdout)\n\(text)")
        let loaded = ConfigLoader.load(conf, from: DiskFileSourceForTests())
        let res = try #require(loaded.configuration?.resources.first { $0.name == "vm-new" })
        #expect(res.hosts.allSatisfy { $0.address?.port == port && $0.volumes.first?.minor == minor })
        let oracle = dialect == "9" ? "drbdadm" : CrossCheckTests.drbdadm84
        let dump = try run([oracle, "-c", conf, "dump"])
        #expect(dump.status == 0, "\(dump.stderr)\n\(text)")
        #expect(dump.stdout.contains("resource vm-new {"))
        // The next allocation gets another port and minor.
        let r2 = try run([xgScaleBinary(), "drbd", "allocate", "vm-next", "--hosts", hosts, "--config", conf, "--json"] + extra)
        let o2 = try #require(JSONSerialization.jsonObject(with: Data(r2.stdout.utf8)) as? [String: Any])
        #expect(o2["port"] as? Int != port && o2["minor"] as? Int != minor)
        if obj["meta-index"] is Int { #expect(o2["meta-index"] as? Int != obj["meta-index"] as? Int) }
    }

    @Test func allocateErrorsNameTheFix() throws {
        let conf = fixturesRoot() + "/xen-pair/drbd.conf"
        let r = try run([xgScaleBinary(), "drbd", "allocate", "x", "--hosts", "dom0,newhost", "--config", conf])
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(r.stderr.contains("no address known for host newhost") && r.stderr.contains("--address newhost=IP"))
        let ok = try run([xgScaleBinary(), "drbd", "allocate", "x", "--hosts", "dom0,newhost", "--address", "newhost=10.10.0.3", "--disk", "/dev/vg0/x", "--config", conf])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("address   ipv4 10.10.0.3:7788;"))
        let dup = try run([xgScaleBinary(), "drbd", "allocate", "vm-web", "--hosts", "dom0,dom0m", "--config", conf])
        #expect(dup.status == 1 && dup.stderr.contains("already exists"))
    }
}
