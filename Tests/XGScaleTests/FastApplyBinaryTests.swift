import Foundation
import Testing
import TestSupport

/// The binary with the fast path (FastApply) and without it (XG_SCALE_NO_FAST_APPLY=1: every
/// command line parsed by ArgumentParser) prints the same bytes and exits alike, whatever the
/// apply command line: accepted ones, declined ones (errors, help, repeats) and bad profiles.
///
/// Safe as root: the profile is missing or invalid, so a command line that parses stops at
/// reading it and nothing is changed.
@Suite struct FastApplyBinaryTests {
    /// The generated corpus, with a quarter of the option subsets (each still in several orders).
    static let lines: [[String]] = {
        let combinations = ApplyCommandLines.combinations.enumerated().filter { $0.offset % 4 == 1 }.map(\.element)
        return ApplyCommandLines.singles + ApplyCommandLines.flagLines + ApplyCommandLines.repeats + combinations
            + ApplyCommandLines.specific
    }()

    @Test(arguments: lines)
    func fastPathMatchesArgumentParser(_ arguments: [String]) throws {
        let fast = try Self.xgScale(arguments, fastPath: true)
        let parser = try Self.xgScale(arguments, fastPath: false)
        #expect(fast.status == parser.status, "\(arguments)")
        #expect(fast.stdout == parser.stdout, "\(arguments)")
        #expect(fast.stderr == parser.stderr, "\(arguments)")
        // The profile does not exist: success is only help, version or a completion script.
        #expect(fast.status != 0 || !fast.stdout.isEmpty, "\(arguments)")
    }

    /// A profile with errors: the same diagnostics, once, whichever way the line was parsed.
    @Test func badProfileIsReportedAlike() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xg-fast-args-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0, stp: {priority: 70000}}\nhost: {mtu: 1500, colour: red}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state").path
        for arguments in [["apply", bad, "--state-dir", state], ["apply", "--dry-run", "--json", bad, "--state-dir=\(state)"],
                          ["apply", bad, "--state-dir", state, "--inventory", "profiles/inventory.yaml", "--node", "dom0"]] {
            let fast = try Self.xgScale(arguments, fastPath: true)
            let parser = try Self.xgScale(arguments, fastPath: false)
            #expect(fast.status == 1 && parser.status == 1, "\(arguments)")
            #expect(fast.stderr.contains("colour"), "\(arguments): \(fast.stderr)")
            #expect(fast.stderr.components(separatedBy: "colour").count == 2, "\(arguments): said once")
            #expect(fast.stdout == parser.stdout && fast.stderr == parser.stderr, "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    static func xgScale(_ arguments: [String], fastPath: Bool) throws -> ProcessResult {
        try run(["sh", "-c", "cd \"$0\" && exec \"$@\" </dev/null", packageRoot().path, xgScaleBinary()] + arguments,
                environment: fastPath ? [:] : ["XG_SCALE_NO_FAST_APPLY": "1"])
    }
}
