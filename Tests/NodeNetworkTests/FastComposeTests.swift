import Foundation
import Testing
import Yams
@testable import NodeNetwork

/// FastCompose builds Yams.compose's tree (tags, styles, marks, order) or declines; a profile
/// read either way gives the same diagnostics.
@Suite struct FastComposeTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every YAML file in the repository (profiles, inventories, test inputs, goldens).
    static func repoYAML() throws -> [(String, String)] {
        var out: [(String, String)] = []
        for dir in ["profiles", "Tests", "examples", "packaging", "docs", "ansible"] {
            let root = repo.appendingPathComponent(dir)
            guard let walk = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let rel as String in walk where rel.hasSuffix(".yaml") || rel.hasSuffix(".yml") {
                let path = root.appendingPathComponent(rel).path
                if let text = try? String(contentsOfFile: path, encoding: .utf8) { out.append((path, text)) }
            }
        }
        return out
    }

    static let generated: [String] = [
        "", "a: 1\n", "a: 1\r\nb: [x, 'y', \"z\"]\r\n", "- a\n- b: c\n  d: {e: f}\n",
        "k: |\n  line one\n  line two\n", "k: >-\n  folded\n  text\n", "k:\n", "k: ~\n", "? k\n: v\n",
        "ünï: cödé ☃\n", "a:\n  - 1\n  - - 2\n    - 3\n", "# only a comment\n", "---\na: 1\n...\n",
        "a: 'it''s'\nb: \"tab\\t\"\n", "{a: 1, b: 2}\n", "[1, 2, 3]\n", "plain scalar\n", "a: \"\"\n",
        "a: 1\nb:\n  c: 2\n  d:\n    - e: 3\n      f: 4\n", "x: -1\ny: 0x1F\nz: yes\n",
        // Declined (Yams composes them, errors included):
        "a: 1\na: 2\n", "a: 1\n'a': 2\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: !custom x\n",
        "--- 1\n--- 2\n", "a: [1, 2\n", "a: b: c\n", "\t- x\n", "a:\n - b\n  - c\n",
        "? [a]\n: 1\n", "%YAML 1.1\n---\na: 1\n", "a: !!map {b: 1}\n",
    ] + manyKeys

    /// Mappings past the 16 keys where the duplicate check moves from a list to a set: distinct
    /// keys (taken), and a key repeated on either side of the 16th (declined).
    static let manyKeys: [String] = [
        (1...17).map { "k\($0): \($0)\n" }.joined(), (1...40).map { "k\($0): [\($0)]\n" }.joined(),
        "m:\n" + (1...20).map { "  'k\($0)': {a: \($0)}\n" }.joined(),
        (1...16).map { "k\($0): 1\n" }.joined() + "k1: 2\n", (1...20).map { "k\($0): 1\n" }.joined() + "k18: 2\n",
        (1...15).map { "k\($0): 1\n" }.joined() + "k3: 2\nk16: 1\n",
    ]

    @Test func theTreeIsYamsOrDeclined() throws {
        let files = try Self.repoYAML()
        #expect(files.count > 10, "repository YAML files found: \(files.count)")
        var accepted = 0
        for (name, text) in files + Self.generated.map { ("generated: \($0.debugDescription)", $0) } {
            let constructor = Constructor([:], [:], [:])
            guard let fast = FastCompose.compose(text, resolver: .basic, constructor: constructor) else { continue }
            accepted += 1
            let yams: Node?
            do { yams = try Yams.compose(yaml: text, .basic, constructor, .utf8) } catch {
                Issue.record("\(name): Yams refused what FastCompose accepted: \(error)"); continue
            }
            switch (fast, yams) {
            case (nil, nil): break
            case let (f?, y?): #expect(difference(f, y, at: "/") == nil, "\(name): \(difference(f, y, at: "/") ?? "")")
            default: Issue.record("\(name): one tree is empty, the other not")
            }
        }
        #expect(accepted >= files.count / 2, "the fast path took \(accepted) of \(files.count + Self.generated.count)")
    }

    @Test func everyShippedProfileTakesTheFastPath() throws {
        let profiles = try Self.repoYAML().filter { $0.0.contains("/profiles/") }
        #expect(!profiles.isEmpty)
        for (name, text) in profiles {
            #expect(FastCompose.compose(text, resolver: .basic, constructor: Constructor([:], [:], [:])) != nil, "\(name)")
        }
    }

    @Test(arguments: ["a: 1\na: 2\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "--- 1\n--- 2\n", "a: [1, 2\n",
                      "a: b: c\n", "? [a]\n: 1\n"] + manyKeys.suffix(3))
    func unsureInputIsDeclined(_ text: String) {
        #expect(FastCompose.compose(text, resolver: .basic, constructor: Constructor([:], [:], [:])) == nil)
    }

    /// Where two trees differ (value, tag, style, mark, anchor, order), or nil.
    func difference(_ a: Node, _ b: Node, at path: String) -> String? {
        switch (a, b) {
        case let (.scalar(x), .scalar(y)):
            guard x.string == y.string, x.tag == y.tag, x.style == y.style,
                  x.mark?.line == y.mark?.line, x.mark?.column == y.mark?.column, x.anchor == y.anchor
            else { return "\(path): scalar \(x) vs \(y) (marks \(String(describing: x.mark)) vs \(String(describing: y.mark)))" }
            return nil
        case let (.sequence(x), .sequence(y)):
            guard x.count == y.count, x.tag == y.tag, x.style == y.style,
                  x.mark?.line == y.mark?.line, x.mark?.column == y.mark?.column, x.anchor == y.anchor
            else { return "\(path): sequence header differs" }
            for (i, (p, q)) in zip(x, y).enumerated() {
                if let d = difference(p, q, at: "\(path)\(i)/") { return d }
            }
            return nil
        case let (.mapping(x), .mapping(y)):
            guard x.count == y.count, x.tag == y.tag, x.style == y.style,
                  x.mark?.line == y.mark?.line, x.mark?.column == y.mark?.column, x.anchor == y.anchor
            else { return "\(path): mapping header differs" }
            for (p, q) in zip(x, y) {
                if let d = difference(p.key, q.key, at: "\(path)key ") { return d }
                if let d = difference(p.value, q.value, at: "\(path)\(p.key.string ?? "?")/") { return d }
            }
            return nil
        default:
            return "\(path): kinds differ"
        }
    }
}
