// Apply's human progress on the real kernel: one "  N. SUMMARY" line per step made, in plan
// order, each once, then the outcome line; a failed apply shows the steps made before the
// failure and never the failed one. (The lines are written per batch, not per step.)
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ProgressKernelTests {
    /// The plan's summaries, numbered as apply prints them.
    static func expectedLines(_ lab: Lab, _ args: [String]) throws -> [String] {
        let plan = try decode(PlanJSON.self, try lab.xg(["plan"] + args + ["--json"]))
        return plan.changes.enumerated().map { "  \($0.offset + 1). \($0.element.summary)" }
    }

    @Test func applyPrintsEveryStepInPlanOrderThenTheOutcome() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("progress")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-guest-veths.yaml")
        let expected = try Self.expectedLines(lab, args)
        #expect(expected.count > 10)
        let r = try lab.xg(["apply"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        var lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.last == "", "stdout ends with a newline")
        lines.removeLast()
        let outcome = lines.removeLast()
        #expect(lines == expected, "stdout:\n\(r.stdout)")
        #expect(outcome.hasPrefix("applied and verified \(expected.count) changes (") && outcome.hasSuffix(" netlink change requests)"),
                "\(outcome)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test func aFailedApplyShowsTheStepsMadeBeforeItAndNotTheFailedOne() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("progfail")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-guest-veths.yaml")
        let expected = try Self.expectedLines(lab, args)
        let k = expected.count / 2
        let r = try lab.xg(["apply"] + args, env: ["XG_SCALE_FAULT_STEP": "\(k)"])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty && lines.count < expected.count, "stdout:\n\(r.stdout)")
        #expect(lines == Array(expected.prefix(lines.count)), "not the plan's first steps in order:\n\(r.stdout)")
        // "step S of N (SUMMARY) failed": that step's line is not among those printed.
        let failed = try #require(r.stderr.firstRange(of: /step (\d+) of (\d+) \(/)).lowerBound
        let numbers = r.stderr[failed...].prefix(while: { $0 != "(" }).split(separator: " ")
        let step = try #require(Int(numbers[1]))
        #expect(Int(numbers[3]) == expected.count)
        #expect(step > lines.count, "step \(step) failed but \(lines.count) steps were reported made")
        #expect(r.stderr.contains("injected fault"), "\(r.stderr)")
    }
}
