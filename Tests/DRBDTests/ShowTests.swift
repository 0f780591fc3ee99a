// `drbd show --json` against drbdadm's own model (`dump-xml`), for every file of the corpus: the
// same resources (name, file, line), hosts, addresses, ports, minors, devices, disks, meta-disks.
import DRBD
import Foundation
import Testing
import TestSupport

/// What both models say, as comparable lines.
struct ShownFacts: Equatable, CustomStringConvertible {
    var resources: [String] = []
    var hosts: [String] = []
    var volumes: [String] = []
    var description: String { (resources + hosts + volumes).joined(separator: "\n") }
}

enum DumpXML {
    static func attr(_ line: Substring, _ name: String) -> String? {
        guard let r = line.range(of: " \(name)=\"") else { return nil }
        let rest = line[r.upperBound...]
        return rest.firstIndex(of: "\"").map { unescape(String(rest[..<$0])) }
    }
    /// The text of a one-line element, "" for an empty one.
    static func text(_ line: Substring) -> String {
        guard let open = line.firstIndex(of: ">"), let close = line.range(of: "</", options: .backwards),
              open < close.lowerBound else { return "" }
        return unescape(String(line[line.index(after: open)..<close.lowerBound]))
    }
    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func nonNull(_ s: String?) -> String { s == nil || s == "(null)" ? "-" : s! }
    /// inet_ntop's form of an IPv6 address, its zone kept.
    static func canonical(_ ip: String, _ v6: Bool) -> String {
        guard v6 else { return ip }
        let parts = ip.split(separator: "%", maxSplits: 1)
        let zone = parts.count == 2 ? "%" + parts[1] : ""
        return (IPAddress.canonical(String(parts[0]), ipv6: true) ?? ip) + zone
    }

    /// drbdadm prints one element a line; host sections outside `<connection>` carry the model.
    static func facts(_ xml: String) -> ShownFacts {
        var f = ShownFacts()
        var res = "", host: String?, inConnection = false, vnr = "", vol: [String: String] = [:]
        var pendingVolumes: [String] = []
        for raw in xml.split(separator: "\n") {
            let line = raw.drop(while: { $0 == " " })
            if line.hasPrefix("<resource ") {
                res = attr(line, "name") ?? "?"
                f.resources.append("\(res) \(attr(line, "conf-file-line") ?? "?")")
            } else if line.hasPrefix("<connection") { inConnection = true
            } else if line.hasPrefix("</connection") { inConnection = false
            } else if inConnection { continue
            } else if line.hasPrefix("<host ") {
                host = attr(line, "name"); pendingVolumes = []
            } else if line.hasPrefix("<volume ") { vnr = attr(line, "vnr") ?? "?"; vol = [:]
            } else if line.hasPrefix("<device") {
                vol["minor"] = attr(line, "minor") ?? "-"; vol["device"] = text(line)
            } else if line.hasPrefix("<disk") { vol["disk"] = text(line)
            } else if line.hasPrefix("<meta-disk") {
                vol["meta"] = text(line); vol["index"] = attr(line, "index") ?? "-"
            } else if line.hasPrefix("</volume") {
                pendingVolumes.append("\(vnr) minor=\(vol["minor"] ?? "-") device=\(vol["device"] ?? "-") disk=\(vol["disk"] ?? "-") meta=\(vol["meta"] ?? "-") index=\(vol["index"] ?? "-")")
            } else if line.hasPrefix("<address ") {
                // drbdadm prints addresses as written (FD00:10:0::2) and "(null)" when absent.
                let written = text(line)
                let ip = written == "(null)" ? "-" : canonical(written, attr(line, "family") == "ipv6")
                let name = host ?? "floating \(ip)"
                f.hosts.append("\(res) \(host ?? "null") \(nonNull(attr(line, "family"))) \(ip) \(nonNull(attr(line, "port")))")
                f.volumes += pendingVolumes.map { "\(res) \(name) \($0)" }
                pendingVolumes = []
            }
        }
        return f
    }

    /// The same facts from `drbd show --json`.
    static func facts(json: [String: Any]) -> ShownFacts {
        var f = ShownFacts()
        for r in json["resources"] as? [[String: Any]] ?? [] {
            let name = r["name"] as? String ?? "?"
            f.resources.append("\(name) \(r["file"] as? String ?? "?"):\(r["line"] as? Int ?? -1)")
            for h in r["hosts"] as? [[String: Any]] ?? [] {
                f.hosts.append("\(name) \(h["name"] as? String ?? "null") \(h["family"] as? String ?? "-") \(h["address"] as? String ?? "-") \((h["port"] as? Int).map(String.init) ?? "-")")
            }
            for v in r["volumes"] as? [[String: Any]] ?? [] {
                let s = { (k: String) in v[k] as? String ?? "" }
                f.volumes.append("\(name) \(s("host")) \(v["volume"] as? Int ?? -1) minor=\((v["minor"] as? Int).map(String.init) ?? "-") device=\(s("device")) disk=\(s("disk")) meta=\(s("meta-disk")) index=\((v["meta-index"] as? Int).map(String.init) ?? "-")")
            }
        }
        return f
    }
}

@Suite struct ShowTests {
    static func show(_ path: String, json: Bool = true) throws -> ProcessResult {
        try run([xgScaleBinary(), "drbd", "show", "--config", path] + (json ? ["--json"] : []))
    }

    /// drbd-utils 9 for 9 files, drbdadm-84 for 8.3 and 8.4 files (drbdadm 9 leaves stacked
    /// resources out of its dump).
    @Test(arguments: corpusFiles)
    func jsonEqualsDrbdadmDumpXML(file: String) throws {
        guard try prerequisites(root: false, programs: ["drbdadm", CrossCheckTests.drbdadm84]) else { return }
        let path = fixturesRoot() + "/" + file
        let r = try Self.show(path)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ours = DumpXML.facts(json: obj)
        let dialect = try #require(ConfigLoader.load(path, from: DiskFileSourceForTests()).configuration).dialect
        let tool = dialect == .v9 ? "drbdadm" : CrossCheckTests.drbdadm84
        let d = try run([tool, "-c", path, "dump-xml"], environment: ["DRBD_DONT_WARN_ON_VERSION_MISMATCH": "1"])
        #expect(d.status == 0, "\(d.stderr)")
        let theirs = DumpXML.facts(d.stdout)
        #expect(!theirs.resources.isEmpty && !theirs.volumes.isEmpty)
        #expect(ours.resources == theirs.resources)
        #expect(ours.hosts.sorted() == theirs.hosts.sorted(), "ours:\n\(ours)\ntheirs:\n\(theirs)")
        #expect(ours.volumes.sorted() == theirs.volumes.sorted(), "ours:\n\(ours)\ntheirs:\n\(theirs)")
    }

    @Test func everyKeyOfTheContractIsPresentWithNullsWhereAbsent() throws {
        let r = try Self.show(fixturesRoot() + "/xen-pair/drbd.conf")
        let obj = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Array(obj.keys) == ["resources"])
        let res = try #require(obj["resources"] as? [[String: Any]])
        let db = try #require(res.first { $0["name"] as? String == "vm-db" })
        #expect(Set(db.keys) == ["name", "file", "line", "hosts", "volumes", "connections", "options"])
        let h = try #require((db["hosts"] as? [[String: Any]])?.first)
        #expect(Set(h.keys) == ["name", "address", "port", "family", "node-id"])
        #expect(h["node-id"] is NSNull, "8.4 has no node-id: null")
        let vols = try #require(db["volumes"] as? [[String: Any]])
        #expect(Set(vols[0].keys) == ["host", "volume", "device", "minor", "disk", "meta-disk", "meta-index"])
        #expect(vols.contains { $0["meta-disk"] as? String == "/dev/vg0/drbd-meta" && $0["meta-index"] as? Int == 1 })
        let opts = try #require(db["options"] as? [String: [String: String]])
        #expect(opts["net"]?["max-buffers"] == "8000")
        let web = try #require(res.first { $0["name"] as? String != "vm-db" })
        for v in web["volumes"] as? [[String: Any]] ?? [] where v["meta-disk"] as? String == "internal" {
            #expect(v["meta-index"] is NSNull)
        }
    }

    @Test func humanOutputSummarisesEachResource() throws {
        let r = try Self.show(fixturesRoot() + "/xen-pair/drbd.conf", json: false)
        #expect(r.status == 0)
        #expect(r.stdout.contains("resource vm-db  (") && r.stdout.contains("host dom0  10.10.0.1:7790"), "\(r.stdout)")
        #expect(r.stdout.contains("volume 1 on dom0  /dev/drbd3 minor 3  disk /dev/vg0/vm-db-data  meta-disk /dev/vg0/drbd-meta [1]"), "\(r.stdout)")
    }

    @Test func unreadableOrBadConfigExitsOneWithFileAndLine() throws {
        let missing = try Self.show("/nonexistent/drbd.conf")
        #expect(missing.status == 1 && missing.stdout.isEmpty)
        #expect(missing.stderr.hasPrefix("/nonexistent/drbd.conf: error: "))
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "resource r {\n  on a { address 10.0.0.1:7788 }\n}\n".write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        let bad = try Self.show(d + "/drbd.conf")
        #expect(bad.status == 1 && bad.stdout.isEmpty)
        #expect(bad.stderr.hasPrefix(d + "/drbd.conf:2:"), "\(bad.stderr)")
        #expect(bad.stderr.contains("(fix: "))
    }
}
