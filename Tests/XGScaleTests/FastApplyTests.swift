import ArgumentParser
import Foundation
import Testing
import TestSupport
@testable import xg_scale

/// FastApply reads a plain `apply` command line without ArgumentParser. It must accept only what
/// ArgumentParser accepts, yield exactly ArgumentParser's values, and know every option
/// ApplyCommand declares.
@Suite struct FastApplyTests {
    /// Every command line FastApply accepts, ArgumentParser parses (the leaf alone as EntryPoint's
    /// leaf parse does, and the whole tree as its own entry point does) to the same values.
    @Test func acceptedLinesGiveArgumentParsersValues() throws {
        var accepted = 0
        for line in ApplyCommandLines.all {
            guard let fast = FastApply.parse(line) else { continue }
            accepted += 1
            let leaf = try #require(try? XGScale.ApplyCommand.parse(Array(line.dropFirst())), "\(line)")
            let full = try #require(try? XGScale.parseAsRoot(line) as? XGScale.ApplyCommand, "\(line)")
            for command in [leaf, full] {
                #expect(fast.source.profile == command.profile, "\(line)")
                #expect(fast.source.inventory == command.inventory, "\(line)")
                #expect(fast.source.node == command.node, "\(line)")
                #expect(fast.source.inventoryFormat == command.inventoryFormat, "\(line)")
                #expect(fast.stateDir == command.stateDir, "\(line)")
                #expect(fast.dryRun == command.dryRun, "\(line)")
                #expect(fast.confirmWithin == command.confirmWithin, "\(line)")
                #expect(fast.persist == command.persist, "\(line)")
                #expect(fast.persistPath == command.persistPath, "\(line)")
                #expect(fast.json == command.json, "\(line)")
                #expect(fast == command.arguments, "\(line)")
            }
        }
        // The corpus exercises the fast path, not only its refusals.
        #expect(accepted >= 200, "accepted \(accepted) of \(ApplyCommandLines.all.count)")
    }

    /// Every plain combination of apply's options (good values, each once, either form, any
    /// order) that ArgumentParser accepts takes the fast path: none is needlessly declined.
    @Test func everyPlainCombinationIsAccepted() {
        var accepted = 0
        for line in ApplyCommandLines.combinations {
            let parsed = (try? XGScale.ApplyCommand.parse(Array(line.dropFirst()))) != nil
            #expect((FastApply.parse(line) != nil) == parsed, "\(line)")
            if parsed { accepted += 1 }
        }
        #expect(accepted >= 64, "\(accepted) of \(ApplyCommandLines.combinations.count) combinations validate")
    }

    /// What a user types for the bench and the examples of apply's help takes the fast path.
    @Test func plainLinesAreAccepted() throws {
        let p = ApplyCommandLines.profile
        let lines: [[String]] = [
            ["apply", p, "--inventory", "profiles/inventory.yaml", "--node", "dom0", "--state-dir", "/tmp/s"],
            ["apply", p, "--dry-run"], ["apply", p, "--confirm-within", "120"], ["apply", p, "--json"],
            ["apply", p, "--persist", "interfaces", "--confirm-within", "120"],
            ["apply", p, "--persist", "networkd", "--persist-path", "/tmp/networkd"],
            ["apply", p, "--state-dir=/tmp/lab1", "--json"],
        ]
        for line in lines { #expect(FastApply.parse(line) != nil, "\(line)") }
        let bench = try #require(FastApply.parse(lines[0]))
        #expect(bench == ApplyArguments(source: ProfileSource(profile: p, inventory: "profiles/inventory.yaml", node: "dom0"),
                                        stateDir: "/tmp/s"))
    }

    /// Help, errors, repeats and anything unsure are left to ArgumentParser.
    @Test func unsureLinesAreDeclined() {
        let p = ApplyCommandLines.profile
        let lines: [[String]] = [
            ["apply"], ["apply", p, "--help"], ["apply", p, "-h"], ["apply", "--", p], ["apply", p, "--json", "--json"],
            ["apply", p, "--confirm-within", "0"], ["apply", p, "--confirm-within", "-5"], ["apply", p, "--persist", "x"],
            ["apply", p, "--inventory", "i.yaml"], ["apply", p, "--state-dir"], ["apply", p, "--json=1"], ["apply", "help"],
            ["apply", p, "--confirm-within", "5", "--dry-run"], ["apply", p, "--persist-path", "/x"], ["apply", p, "-dj"],
            ["render", p], ["apply", p, "--bogus"], ["apply", p, "--state-dir="],
        ]
        for line in lines { #expect(FastApply.parse(line) == nil, "\(line)") }
    }

    /// The fast path's option table is the list of options ArgumentParser declares for apply (its
    /// --experimental-dump-help), names and kinds: an option added to ApplyCommand alone fails here.
    @Test func optionTableIsApplyCommandsOptions() throws {
        let r = try run([xgScaleBinary(), "apply", "--experimental-dump-help"])
        #expect(r.status == 0)
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let command = try #require(tool["command"] as? [String: Any])
        #expect(command["commandName"] as? String == "apply")
        let declared = try #require(command["arguments"] as? [[String: Any]])
        var options: [String: Bool] = [:], positionals = 0
        for argument in declared {
            let kind = try #require(argument["kind"] as? String)
            let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name in
                name["kind"] as? String == "long" ? name["name"] as? String : nil
            }
            if kind == "positional" { positionals += 1; continue }
            // ArgumentParser's own -h/--help and the root's --version: the fast path declines them.
            if names.contains("help") || names == ["version"] { continue }
            let long = try #require(names.first, "\(argument)")
            #expect(names.count == 1 && (argument["names"] as? [Any])?.count == 1, "only --\(long), no short name")
            options[long] = kind == "flag"
        }
        #expect(positionals == 1)
        let table = Dictionary(uniqueKeysWithValues: ApplyArguments.Option.allCases.map { ($0.rawValue, $0.isFlag) })
        #expect(options == table)
    }
}
