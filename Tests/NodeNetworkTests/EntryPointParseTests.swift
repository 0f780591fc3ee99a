import Foundation
import Testing
import TestSupport

/// EntryPoint parses a top-level leaf subcommand (apply, render, ...) on its own first, with
/// ArgumentParser's completion-script check skipped there; XG_SCALE_FULL_PARSE=1 makes it parse
/// the whole command tree at once, as ArgumentParser's own entry point does. Whatever the command
/// line, both must print the same bytes and exit alike.
///
/// Safe as root: a command line whose parse succeeds either changes nothing (validate, render) or
/// names a profile that does not exist, so the command stops at reading it.
@Suite struct EntryPointParseTests {
    static let leaves = ["validate", "render", "plan", "apply", "confirm", "rollback", "show", "preflight",
                         "preflight-node", "_watchdog", "monitor", "lab-probe"]
    static let missing = "/nonexistent/xg-scale-parse-test.yaml"
    static let profile = "profiles/stp-two-switches.yaml"
    static let inventory = ["--inventory", "profiles/inventory.yaml", "--node", "dom0"]

    /// Help, usage and errors of every leaf (each answered by the full parse, or refused by the
    /// leaf's own parse and handed on to it).
    static let perLeaf: [[String]] = leaves.flatMap { leaf in
        [[leaf, "--help"], [leaf, "-h"], [leaf, "-help"], ["help", leaf], [leaf, "help"], [leaf, "--bogus"],
         [leaf, "-z"], [leaf, "extra", "extra", "extra"], [leaf, "--version"],
         [leaf, "--generate-completion-script", "bash"], [leaf, "--generate-completion-script=zsh"],
         [leaf, "--generate-completion-script"], [leaf, "--experimental-dump-help"],
         [leaf, "--bogus", "--help"], [leaf.uppercased()]]
    }

    static let specific: [[String]] = [
        [], ["--help"], ["-h"], ["help"], ["--version"], ["bogus"], ["help", "bogus"], ["drbd"], ["lab"],
        ["help", "drbd", "check"], ["drbd", "check", "--help"], ["lab", "up", "--bogus"],
        // Parses that succeed and change nothing.
        ["validate", "profiles/bond-active-backup.yaml"] + inventory,
        ["validate", "profiles/bond-active-backup.yaml", "--json"] + inventory,
        ["render", profile, "--format", "ip"] + inventory,
        ["render", profile, "--format=json"] + inventory,
        ["render", "--format", "networkd", profile] + inventory,
        ["validate", profile, "--inventory", "profiles/inventory.yaml", "--node=--generate-completion-script"],
        ["validate", profile, "--", "--help"],
        ["apply", missing], ["apply", missing, "--dry-run", "--json"], ["apply", "--", "--dry-run"],
        ["plan", missing, "--json"], ["monitor", "--profile", missing, "--oneshot"],
        // Missing or bad values, validation errors.
        ["apply"], ["validate"], ["render", profile], ["render", "--format", "ip"],
        ["render", profile, "--format", "bogus"], ["render", profile, "--format", "ip", "--output"],
        ["apply", missing, "--inventory", "profiles/inventory.yaml"], ["apply", missing, "--node", "dom0"],
        ["apply", missing, "--inventory-format", "ansible"],
        ["apply", missing, "--inventory-format", "bogus"] + inventory,
        ["apply", missing, "--confirm-within", "0"], ["apply", missing, "--confirm-within", "abc"],
        ["apply", missing, "--confirm-within", "5", "--dry-run"], ["apply", missing, "--persist-path", "/x"],
        ["apply", missing, "--persist", "bogus"], ["apply", missing, "--persist", "interfaces", "--persist-path", "rel"],
        ["apply", missing, "--state-dir"], ["apply", missing, "--dryrun"], ["apply", missing, "--dry-run=yes"],
        ["apply", missing, "--json", "--help"], ["plan", "--state-dir"], ["confirm", "--state-dir"],
        ["rollback", "--json=1"], ["_watchdog"], ["_watchdog", "--id"], ["show", "--json", "--all", "--bogus"],
        ["preflight", "--timeout", "abc"], ["preflight", "--parallel"], ["monitor", "--flap-threshold", "x"],
        ["monitor", "--facility", "bogus"], ["monitor", "--inventory", "profiles/inventory.yaml"],
        ["lab-probe"], ["lab-probe", "--port", "70000"], ["lab-probe", "--echo", "--port"],
    ]

    @Test(arguments: perLeaf + specific)
    func leafParseMatchesTheFullParse(_ arguments: [String]) throws {
        let leafFirst = try Self.xgScale(arguments, fullParse: false)
        let full = try Self.xgScale(arguments, fullParse: true)
        #expect(leafFirst.status == full.status, "\(arguments)")
        #expect(leafFirst.stdout == full.stdout, "\(arguments)")
        #expect(leafFirst.stderr == full.stderr, "\(arguments)")
    }

    /// Every leaf's help names the whole command, and help asked for is help given (exit 0).
    @Test(arguments: leaves)
    func leafHelpNamesXGScale(_ leaf: String) throws {
        let r = try Self.xgScale([leaf, "--help"], fullParse: false)
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: xg-scale \(leaf)"), "\(r.stdout)")
    }

    /// apply's command line read by the fast path (FastApply) or by ArgumentParser: the
    /// diagnostics of a bad profile are printed once, as validate prints them.
    @Test func applyReportsABadProfileOnceReadAheadOrNot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0, stp: {priority: 70000}}\nhost: {mtu: 1500, colour: red}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state").path
        let expected = try Self.xgScale(["validate", bad], fullParse: false)
        #expect(expected.status == 1 && expected.stderr.contains("colour"))
        for arguments in [["apply", bad, "--state-dir", state], ["apply", "--state-dir", state, bad, "--dry-run"],
                          ["apply", bad, "--state-dir=\(state)"], ["apply", "--dry-run", "--json", bad]] {
            let r = try Self.xgScale(arguments, fullParse: false)
            #expect(r.status == 1, "\(arguments)")
            #expect(r.stdout.isEmpty, "\(arguments)")
            #expect(r.stderr == expected.stderr, "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    static func xgScale(_ arguments: [String], fullParse: Bool) throws -> ProcessResult {
        try run(["sh", "-c", "cd \"$0\" && exec \"$@\" </dev/null", packageRoot().path, xgScaleBinary()] + arguments,
                environment: fullParse ? ["XG_SCALE_FULL_PARSE": "1"] : [:])
    }
}
