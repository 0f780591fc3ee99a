import Foundation
import Testing
import TestSupport

/// The built binary, run from the package root so that relative profile paths work.
func xgScale(_ arguments: [String]) throws -> ProcessResult {
    try run(["sh", "-c", "cd \"$0\" && exec \"$@\"", packageRoot().path, xgScaleBinary()] + arguments)
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("xgs-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct CLITests {
    let inventory = ["--inventory", "profiles/inventory.yaml", "--node", "dom0"]

    @Test(arguments: ["ip", "interfaces", "networkd", "json"])
    func renderPrintsTheGolden(_ format: String) throws {
        for profile in try exampleProfiles() {
            let r = try xgScale(["render", "profiles/\(profile)"] + inventory + ["--format", format])
            let refused = goldenDirectory.appendingPathComponent(
                profile.replacingOccurrences(of: ".yaml", with: "") + "." + format + ".refused")
            if FileManager.default.fileExists(atPath: refused.path) {
                // The format cannot carry an option: exit 1, nothing on stdout, the diagnostics.
                #expect(r.status == 1 && r.stdout.isEmpty, "\(profile) \(format)")
                #expect(r.stderr == (try String(contentsOf: refused, encoding: .utf8)), "\(profile) \(format)")
                continue
            }
            #expect(r.status == 0, "\(r.stderr)")
            if format == "interfaces" && profile.contains("two-switches") || format == "interfaces" && profile.contains("active-backup") {
                #expect(r.stderr == "xg-scale: warning: ifupdown2 reads 'vif0.0' as VLAN 0 of 'vif0' and reports an error for it (fix: use a name without '.' on nodes configured by ifupdown2)\n")
            } else {
                #expect(r.stderr.isEmpty)
            }
            let golden = try String(contentsOf: goldenDirectory.appendingPathComponent(
                profile.replacingOccurrences(of: ".yaml", with: "") + "." + format), encoding: .utf8)
            #expect(r.stdout == golden, "\(profile) \(format)")
        }
    }

    @Test func validateSaysOk() throws {
        let r = try xgScale(["validate", "profiles/bond-active-backup.yaml"] + inventory)
        #expect(r.status == 0)
        #expect(r.stdout == "profiles/bond-active-backup.yaml: ok\n")
        #expect(r.stderr.isEmpty)
    }

    @Test func validateJSONListsEveryDiagnosticWithItsPlace() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml").path
        try "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0, stp: {priority: 70000}}\nhost: {mtu: 1500, colour: red}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try xgScale(["validate", file, "--json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        let places = diagnostics.map { "\($0["line"] as? Int ?? 0):\($0["column"] as? Int ?? 0) \($0["severity"] as? String ?? "")" }
        #expect(places == ["4:40 error", "5:19 error"], "\(bad.stdout)")
        #expect(diagnostics.allSatisfy { $0["file"] as? String == file && $0["fix"] is String })

        let good = try xgScale(["validate", "profiles/bond-active-backup.yaml", "--json"] + inventory)
        #expect(good.status == 0)
        let ok = try #require(try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        #expect(ok["valid"] as? Bool == true)
        #expect((ok["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test func invalidProfileFailsWithEveryErrorOnStderrAndNothingOnStdout() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yaml").path
        try "version: 1\nredundancy: bond\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0}\nbond:\n  name: bond0\n  mode: active-backup\n  lacp-rate: fast\n  primary: eth3\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        for command in ["validate", "render"] {
            let r = try xgScale([command, file] + (command == "render" ? ["--format", "ip"] : []))
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr == """
                \(file):8:14: error: bond.lacp-rate only applies to mode 802.3ad, not active-backup (fix: remove lacp-rate, or set 'mode: 802.3ad')
                \(file):9:12: error: bond.primary 'eth3' is not an uplink (fix: name one of the uplinks: peth0, peth1)

                """)
        }
    }

    @Test func unresolvedVariableWithoutInventoryNamesItsPlace() throws {
        let r = try xgScale(["render", "profiles/stp-two-switches.yaml", "--format", "ip"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("profiles/stp-two-switches.yaml:20:16: error: unresolved variable ${address} in host.addresses[0]"))
        #expect(r.stderr.contains("profiles/stp-two-switches.yaml:21:12: error: unresolved variable ${gateway} in host.gateway"))
    }

    @Test func missingFileIsOneError() throws {
        let r = try xgScale(["validate", "profiles/nope.yaml"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "profiles/nope.yaml:1:1: error: cannot read the file: no such file (fix: check the path and that it is a readable file)\n")
    }

    @Test func inventoryAndNodeGoTogether() throws {
        for args in [["--inventory", "profiles/inventory.yaml"], ["--node", "dom0"]] {
            let r = try xgScale(["render", "profiles/stp-two-switches.yaml", "--format", "ip"] + args)
            #expect(r.status != 0)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains(args[0] == "--node" ? "--node needs --inventory" : "--inventory needs --node"))
        }
    }

    @Test func unknownNodeListsTheKnownOnes() throws {
        let r = try xgScale(["validate", "profiles/stp-two-switches.yaml", "--inventory", "profiles/inventory.yaml", "--node", "dom7"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "profiles/inventory.yaml:7:1: error: no node 'dom7' in profiles/inventory.yaml (fix: use one of: dom0, dom0m)\n")
    }

    @Test func warningsDoNotFail() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.yaml").path
        try "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: br0, stp: {forward-delay: 4, max-age: 20}}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let r = try xgScale(["render", file, "--format", "ip"])
        #expect(r.status == 0)
        #expect(r.stderr.hasPrefix("\(file):4:54: warning: bridge.stp: max-age 20 exceeds"))
        #expect(r.stdout.contains("link add name br0 type bridge stp_state 1 forward_delay 400 max_age 2000"))
    }

    @Test func outputWritesOneFileEachAndNeverOverwritesForeignFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("network").path
        let args = ["render", "profiles/stp-two-switches.yaml"] + inventory + ["--format", "networkd", "--output", out]
        let r = try xgScale(args)
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["10-veth0.netdev", "10-xenbr0.netdev", "20-peth0.network", "20-peth1.network",
                          "20-vif0.0.network", "30-veth0.network", "30-xenbr0.network"])
        let bridge = try String(contentsOfFile: out + "/10-xenbr0.netdev", encoding: .utf8)
        #expect(bridge.contains("[Bridge]\nSTP=yes\nPriority=32768\nForwardDelaySec=4\nHelloTimeSec=1\nMaxAgeSec=6\n"))
        // Rendering again overwrites its own files.
        #expect(try xgScale(args).status == 0)
        // A file xg-scale did not write is left alone, and nothing is written.
        try "[Match]\nName=peth0\n".write(toFile: out + "/20-peth0.network", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: out + "/10-xenbr0.netdev")
        let refused = try xgScale(args)
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("\(out)/20-peth0.network exists and was not rendered by xg-scale"))
        #expect(try String(contentsOfFile: out + "/20-peth0.network", encoding: .utf8) == "[Match]\nName=peth0\n")
        #expect(!FileManager.default.fileExists(atPath: out + "/10-xenbr0.netdev"))
    }

    @Test func helpHasExamples() throws {
        for command in ["render", "validate"] {
            let r = try xgScale([command, "--help"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("Examples:"))
            #expect(r.stdout.contains("--inventory inventory.yaml --node dom0"))
            // The discussion is laid out by hand: no line wrapped by the terminal width.
            let discussion = r.stdout.components(separatedBy: "USAGE:")[0]
            #expect(discussion.split(separator: "\n").allSatisfy { $0.count <= 80 })
        }
    }
}
