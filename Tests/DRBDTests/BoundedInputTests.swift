// drbd.conf as hostile input (issue 15, items 3 and 6): includes that loop, chain deep, form
// diamonds or name a FIFO; configurations that make conflict finding quadratic; allocate
// arguments that would inject syntax.
import DRBD
import Foundation
import Preflight
import Testing
import TestSupport

@Suite struct BoundedInputTests {
    let resource = "resource r { device /dev/drbd0 minor 0; disk /dev/x; meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n"

    @Test func aTwoFileIncludeLoopIsNamedAsAChain() {
        let r = load(["/etc/drbd.conf": "include \"a.conf\";\n", "/etc/a.conf": "include \"b.conf\";\n",
                      "/etc/b.conf": "\ninclude \"a.conf\";\n"])
        #expect(r.errors.map(\.description) == [
            "/etc/b.conf:2:9: error: include loop: a.conf → b.conf → a.conf (fix: remove the include in b.conf that closes the loop)",
        ])
        let own = load(["/etc/drbd.conf": "include \"drbd.conf\";\n"])
        #expect(own.errors.first?.message == "include loop: drbd.conf → drbd.conf")
    }

    @Test func includesDeeperThanTheCapAreOneErrorNotACrash() {
        // 6,900 files, as in the issue: refused at the cap, long before the stack runs out.
        var files = ["/etc/drbd.conf": "include \"f0.conf\";\n"]
        for i in 0..<6900 { files["/etc/f\(i).conf"] = "include \"f\(i + 1).conf\";\n" }
        files["/etc/f6900.conf"] = resource
        let r = load(files)
        #expect(r.configuration == nil)
        #expect(r.errors.count == 1)
        let message = r.errors.first?.message ?? ""
        #expect(message.hasPrefix("includes nested more than \(ConfigLimits.includeDepth) deep (drbd.conf → f0.conf → f1.conf → ... → "), "\(message)")
        // At the cap itself the chain is read.
        var ok = ["/etc/drbd.conf": "include \"f0.conf\";\n"]
        for i in 0..<(ConfigLimits.includeDepth - 1) { ok["/etc/f\(i).conf"] = "include \"f\(i + 1).conf\";\n" }
        ok["/etc/f\(ConfigLimits.includeDepth - 1).conf"] = resource
        #expect(load(ok).errors.isEmpty, "\(load(ok).errors)")
    }

    /// As drbdadm (8.4 and 9) does: a file included twice is read once, its sections count once.
    @Test func aDiamondIsReadOnce() {
        let r = load(["/etc/drbd.conf": "include \"b.conf\";\ninclude \"c.conf\";\n",
                      "/etc/b.conf": "include \"d.conf\";\n", "/etc/c.conf": "include \"d.conf\";\n", "/etc/d.conf": resource])
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.configuration?.resources.map(\.name) == ["r"])
        #expect(r.configuration?.files == ["/etc/drbd.conf", "/etc/b.conf", "/etc/d.conf", "/etc/c.conf"])
        #expect(Checker.check(r, options: CheckOptions()).isEmpty)
        // 30 levels of diamonds: 32 files read, not 2^30.
        var files = ["/etc/drbd.conf": "include \"d0.conf\";\n"]
        for i in 0..<30 { files["/etc/d\(i).conf"] = "include \"d\(i + 1).conf\";\ninclude \"d\(i + 1).conf\";\n" }
        files["/etc/d30.conf"] = resource
        let deep = load(files)
        #expect(deep.configuration?.files.count == 32)
        #expect(deep.configuration?.resources.count == 1)
        #expect(deep.errors.isEmpty)
    }

    @Test func aFIFOIncludedIsRefusedAtOnceNamingIt() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try runChecked(["mkfifo", d + "/pipe.conf"])
        try "include \"pipe.conf\";\n".write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        let r = ConfigLoader.load(d + "/drbd.conf", from: DiskFileSource())
        #expect(r.errors.map(\.description) == [
            "\(d)/drbd.conf:1:9: error: include file \(d)/pipe.conf is refused: the DRBD configuration file is not a regular file (a FIFO, device or directory) (fix: give the path of a regular file)",
        ])
        // The CLI: the FIFO as the configuration itself cannot be checked (exit 1), through an
        // include it is a finding (exit 2); neither waits.
        let main = try run(["timeout", "20", xgScaleBinary(), "drbd", "check", "--config", d + "/pipe.conf", "--no-local"])
        #expect(main.status == 1)
        #expect(main.stderr.contains("not a regular file"), "\(main.stderr)")
        let inc = try run(["timeout", "20", xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--no-local"])
        #expect(inc.status == 2)
        #expect(inc.stdout.contains("include file \(d)/pipe.conf is refused"), "\(inc.stdout)")
    }

    @Test func theTotalSizeIsCapped() {
        let big = String(repeating: "# filler\n", count: ConfigLimits.totalBytes / 9 + 1)
        let r = load(["/etc/drbd.conf": "include \"big.conf\";\n", "/etc/big.conf": big])
        #expect(r.errors.count == 1)
        #expect(r.errors.first?.message.hasPrefix("include file /etc/big.conf is refused: it is \(big.utf8.count) bytes, over the") == true,
                "\(r.errors)")
    }

    /// The hashed port-conflict finder gives exactly what the pairwise scan gave, on random
    /// configurations full of shared addresses, wildcards and both families.
    @Test func portConflictsEqualThePairwiseScan() throws {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<40 {
            var text = ""
            let ips = ["10.0.0.1", "10.0.0.2", "0.0.0.0", "ipv6 [::]", "ipv6 [fd00::1]", "ipv6 [fd00::2]"]
            for i in 0..<Int.random(in: 2...25, using: &rng) {
                text += "resource r\(i) {\n  device minor \(i);\n  disk /dev/d\(i);\n  meta-disk internal;\n"
                for h in ["a", "b", "c"].prefix(Int.random(in: 2...3, using: &rng)) {
                    let ip = ips.randomElement(using: &rng)!
                    let port = [7788, 7789].randomElement(using: &rng)!
                    let addr = ip.hasPrefix("ipv6") ? "\(ip):\(port)" : "\(ip):\(port)"
                    text += "  on \(["a", "b", h].randomElement(using: &rng)!) { node-id \(["a": 0, "b": 1, "c": 2][h]!); address \(addr); }\n"
                }
                text += "}\n"
            }
            let c = try #require(load(text).configuration, "round \(round)")
            let ours = Checker.check(c, options: CheckOptions(inputs: cliSpelling)).filter { $0.check == .portConflict }
            #expect(ours == pairwisePortConflicts(c), "round \(round):\n\(text)")
        }
    }

    @Test func thousandsOfConflictsAreEachReportedOnce() throws {
        var text = ""
        for i in 0..<3000 { text += "resource r\(i) { device /dev/drbd\(i) minor \(i); disk /dev/d\(i); meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n" }
        let findings = Checker.check(load(text), options: CheckOptions())
        #expect(findings.filter { $0.check == .portConflict }.count == 2 * 2999)
        #expect(findings.first { $0.resource == "r2999" && $0.host == "a" }?.message
                == "address 10.0.0.1:7788 is also used by resource r0 (/etc/drbd.conf:1)")
    }

    @Test func humanOutputShowsFiftyFindingsThenCountsTheRest() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        var text = ""
        for i in 0..<40 { text += "resource r\(i) { device /dev/drbd\(i) minor \(i); disk /dev/d\(i); meta-disk internal; on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n" }
        try text.write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        let r = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--no-local", "--host", "a"])
        #expect(r.status == 2)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 51)
        #expect(lines.last == "and 28 more findings (drbd check --json lists all)")
        let j = try run([xgScaleBinary(), "drbd", "check", "--config", d + "/drbd.conf", "--no-local", "--host", "a", "--json"])
        let obj = try #require(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect((obj["findings"] as? [Any])?.count == 78)
    }

    @Test(arguments: [
        ("/dev/x;\n}\nresource evil {", "a newline"),
        ("/dev/x;", "';'"),
        ("/dev/{x}", "'{'"),
        ("/dev/\"x\"", "'\"'"),
        ("/dev/x#", "'#'"),
        ("/dev/x y", "a space"),
        ("/dev/x\u{7}", "a control character"),
        ("dev/x", "not an absolute device path"),
    ])
    func allocateRefusesADiskThatWouldInjectSyntax(_ disk: String, _ why: String) throws {
        let c = try config(resource)
        var req = AllocationRequest(name: "vm", hosts: ["a", "b"])
        req.disk = disk
        // The core names the disk as the caller's user spells it (the CLI hands in --disk).
        req.inputs.disk = "disk-path"
        do {
            let a = try Allocator.allocate(req, in: c)
            Issue.record("allocated:\n\(a.text)")
        } catch {
            #expect(error.message.hasPrefix("disk-path '"), "\(error)")
            #expect(error.message.contains(why), "\(error)")
            #expect(!error.message.contains("\n"))
            #expect(error.fix.contains("disk-path /dev/vg0/vm"))
            #expect(!error.description.contains("--"), "\(error)")
        }
        req.disk = "/dev/vg0/{name}"
        req.meta = disk
        #expect(throws: AllocationError.self) { try Allocator.allocate(req, in: c) }
    }

    @Test func allocateCLIRefusesTheInjectionOfTheIssueAndPrintsNothing() throws {
        let conf = fixturesRoot() + "/xen-pair/drbd.conf"
        let r = try run([xgScaleBinary(), "drbd", "allocate", "vm-new", "--hosts", "dom0,dom0m", "--config", conf,
                         "--disk", "/dev/x;\n}\nresource evil {"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "\(conf): error: --disk '/dev/x;\\u{a}}\\u{a}resource evil {' contains ';', a newline, '}', a space and '{', which drbd.conf would read as syntax (fix: pass a plain device path without blanks, ';', braces, quotes or '#', e.g. --disk /dev/vg0/vm-new)\n")
        let ok = try run([xgScaleBinary(), "drbd", "allocate", "vm-new", "--hosts", "dom0,dom0m", "--config", conf,
                          "--disk", "/dev/vg0/{name}", "--meta", "internal"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("disk      /dev/vg0/vm-new;"))
    }
}

/// The pairwise port-conflict scan the hashed finder replaced: the oracle it must equal.
func pairwisePortConflicts(_ c: Configuration) -> [Finding] {
    struct EP { var resource: String; var machine: String; var endpoint: Endpoint; var label: String; var location: Location }
    var all: [EP] = []
    for r in c.resources {
        for e in r.endpoints {
            all.append(EP(resource: r.name, machine: e.machine, endpoint: e.endpoint, label: e.label, location: e.endpoint.location ?? r.location))
        }
    }
    let order = all.indices.sorted { (all[$0].endpoint.port, $0) < (all[$1].endpoint.port, $1) }
    var out: [Finding] = []
    var reported = Set<String>()
    for (jj, j) in order.enumerated() {
        let b = all[j]
        for i in order[..<jj] where all[i].endpoint.port == b.endpoint.port {
            let a = all[i]
            let sameSocket = a.endpoint.ip == b.endpoint.ip && !a.endpoint.isWildcard
            let wildcardClash = a.machine == b.machine && (a.endpoint.isWildcard || b.endpoint.isWildcard)
                && (a.endpoint.family.isIPv6 == b.endpoint.family.isIPv6 || a.endpoint.ip == "::" || b.endpoint.ip == "::")
            guard sameSocket || wildcardClash else { continue }
            if a.resource == b.resource && (a.machine == b.machine || a.label == b.label) { continue }
            guard reported.insert("\(b.resource)|\(b.machine)|\(b.endpoint.port)").inserted else { continue }
            let how = sameSocket ? "address \(b.endpoint.hostPort) is also used"
                : "port \(b.endpoint.port) on \(b.endpoint.hostPort) clashes with the wildcard address \(a.endpoint.isWildcard ? a.endpoint.hostPort : b.endpoint.hostPort)"
            let other = a.resource == b.resource ? "by host section \(a.label) of the same resource"
                : "by resource \(a.resource) (\(a.location.file):\(a.location.line))"
            out.append(Finding(.error, .portConflict, resource: b.resource, host: b.machine, at: b.location, "\(how) \(other)",
                               fix: "give resource \(b.resource) a free port, e.g. with 'xg-scale drbd allocate'"))
        }
    }
    return out
}
