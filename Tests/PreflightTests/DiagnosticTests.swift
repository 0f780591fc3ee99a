// The preflight speaks the shared vocabulary: its errors are Diagnostics (place as far as known,
// message, fix) printed as before, and a node's findings are DRBD's Finding, whose JSON on the
// wire and in the report is the one of `drbd check --json`. No root.
import DRBD
import Foundation
import Testing
@testable import Preflight

@Suite struct PreflightPureDiagnostics {
    @Test func inputErrorsAreDiagnosticsPrintedInTheHouseStyle() throws {
        let missing = "/nonexistent-xg-scale/drbd.conf"
        let e = try #require(throws: PreflightError.self) {
            _ = try Inputs.load(missing, what: "the DRBD configuration", option: "--config", inputs: .plain)
        }
        #expect(e.diagnostic.location.file == missing && e.diagnostic.severity == .error)
        #expect(e.diagnostic.message == "cannot read the DRBD configuration")
        #expect(e.diagnostic.fix == "pass an existing file with --config")
        #expect(e.description == "\(missing): error: cannot read the DRBD configuration (fix: pass an existing file with --config)")

        // A command-line value has no place: no file, no colon.
        var o = ClusterOptions(configPath: missing, selfPath: "/x")
        o.inputs = cliSpelling
        o.execTemplate = "  "
        let t = try #require(throws: PreflightError.self) { _ = try Inputs.transport(o) }
        #expect(t.diagnostic.location.file.isEmpty)
        #expect(t.description == "error: --exec is empty (fix: pass a command, e.g. --exec 'ip netns exec {node}')")
    }

    @Test func aParseErrorSaysFileAndLineAndHowManyMore() throws {
        let d = "/tmp/xgpfd-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "resource r {\n  bogus;\n}\nresource { }\n".write(toFile: d + "/drbd.conf", atomically: true, encoding: .utf8)
        let e = try #require(throws: PreflightError.self) {
            _ = try Inputs.load(d + "/drbd.conf", what: "the DRBD configuration", option: "--config", inputs: .plain)
        }
        #expect(e.diagnostic.location.file == d + "/drbd.conf" && e.diagnostic.location.line > 0)
        let head = "\(d)/drbd.conf:\(e.diagnostic.location.line): error: \(e.diagnostic.message) (fix: \(e.diagnostic.fix ?? ""))"
        #expect(e.description.hasPrefix(head), "\(e)")
        if let note = e.note {
            #expect(e.description == head + " (\(note))")
            #expect(note.hasSuffix("more; 'xg-scale drbd check --config \(d)/drbd.conf' lists them all"))
        }
    }

    @Test func aNodesFindingOnTheWireIsDrbdChecksFinding() throws {
        let f = Finding(.warning, .portEphemeral, resource: "r0", host: "a",
                        at: SourceLocation(file: "/etc/drbd.conf", line: 3, column: 5), "port 40000 lies in …", fix: "reserve it")
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let text = String(decoding: try enc.encode(f), as: UTF8.self)
        #expect(text == #"{"check":"port-ephemeral","column":5,"file":"\/etc\/drbd.conf","fix":"reserve it","host":"a","line":3,"message":"port 40000 lies in …","resource":"r0","severity":"warning"}"#)
        // Resource and host are always there, null when they do not apply.
        let g = Finding(.error, .parseError, resource: nil, host: nil, at: SourceLocation(file: "f", line: 1, column: 1), "m", fix: "x")
        #expect(String(decoding: try enc.encode(g), as: UTF8.self).contains(#""host":null"#))
        // What a node sends is read back as the same value.
        let facts = NodeFacts(node: "a", hostname: "a", findings: [f, g], listeners: [], ruleset: nil)
        let back = try JSONDecoder().decode(NodeFacts.self, from: try JSONEncoder().encode(facts))
        #expect(back.findings == [f, g])
    }
}
