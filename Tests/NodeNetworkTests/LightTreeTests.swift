import Foundation
import Testing
import Yams
@testable import NodeNetwork

/// The readers' tree (`YNode`) built straight from libyaml's events (`FastCompose.light`) is the
/// tree Yams composes, as `YNode(_:)` converts it: same kinds, texts, styles, marks and order,
/// and it declines exactly where the Yams-tree fast path declines (so Yams, and its error
/// texts, still read every unsure document).
@Suite struct LightTreeTests {
    /// Inputs a hostile or careless admin may write: control characters, '#', newlines and tabs
    /// in quoted values, duplicate keys, anchors and aliases, tags, odd keys, BOM, CRLF, deep
    /// nesting, a large profile.
    static let nasty: [String] = [
        "name: \"a\\u0001b\"\n", "name: \"a\\nb\"\n", "name: 'a#b'\n", "name: a#b\n", "name: a #b\n",
        "name: \"tab\\there\"\n", "k: \"\\0\"\n", "k: \"\\x7f\"\n", "\u{FEFF}a: 1\n", "a: 1\r\nb: 2\r\n",
        "a: 1\na: 2\n", "{a: 1, a: 1}\n", "- {name: x, name: y}\n", "a: &x {b: 1}\nc: *x\n", "a: *nope\n",
        "a: !!binary aGk=\n", "a: !!int 1\n", "? - x\n: y\n", "? {a: 1}\n: 2\n", "1: one\n2: two\n",
        "'': empty\n", "~: null key\n", "a: |+\n  keep\n\n", "a: \"unterminated\n", "a: [\n", "a: {b\n",
        "- - - - - - - - deep\n", String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n",
        "a:\n  b:\n    c:\n      d:\n        e: [1, {f: g}]\n", "a: 'multi\n  line'\n", "a: \"x$${y}\"\n",
        "veths:\n" + (1...400).map { "  - {name: vm\($0), peer: vm\($0)-br}\n" }.joined(),
        "k: \u{0085}\n", "k: \"\u{2028}\"\n", "a: b\n---\nc: d\n", "%TAG !e! tag:e.com,2000:\n---\na: !e!x 1\n",
    ]

    @Test func theLightTreeIsYamsTreeOrDeclined() throws {
        let inputs = try FastComposeTests.repoYAML() + (FastComposeTests.generated + Self.nasty).map { ("\($0.debugDescription)", $0) }
        var taken = 0
        for (name, text) in inputs {
            let heavy = FastCompose.compose(text, resolver: .basic, constructor: Constructor([:], [:], [:]))
            let light = FastCompose.light(text)
            #expect((heavy == nil) == (light == nil), "\(name): one fast path declined, the other not")
            guard let light else { continue }
            taken += 1
            let yams: YNode?
            do { yams = try Yams.compose(yaml: text, .basic, Constructor([:], [:], [:]), .utf8).map { YNode($0) } } catch {
                Issue.record("\(name): Yams refused what the light path accepted: \(error)"); continue
            }
            switch (light, yams) {
            case (nil, nil): break
            case let (l?, y?): #expect(difference(l, y, at: "/") == nil, "\(name): \(difference(l, y, at: "/") ?? "")")
            default: Issue.record("\(name): one tree is empty, the other not")
            }
        }
        #expect(taken >= inputs.count / 2, "the light path took \(taken) of \(inputs.count)")
    }

    /// What a reader makes of a document is the same whichever path composed it: the diagnostics
    /// of every nasty input read as a profile and as an inventory (the errors Yams reports for
    /// declined documents included) are those of the tree Yams composes.
    @Test func readersSeeTheSameEitherWay() throws {
        for text in Self.nasty + FastComposeTests.generated {
            var reader = YAMLReader(file: "p.yaml", variables: nil)
            let composed = reader.compose(text)
            let yams = try? Yams.compose(yaml: text, .basic, Constructor([:], [:], [:]), .utf8)
            if let yams, let composed {
                #expect(difference(composed, YNode(yams), at: "/") == nil, "\(text.debugDescription)")
            } else {
                #expect(yams == nil && composed == nil, "\(text.debugDescription): composed \(composed != nil), Yams \(yams != nil)")
            }
        }
    }

    /// Mapping look-up by key text and the plain accessors.
    @Test func mappingLookupFindsTheFirstScalarKey() throws {
        // (A list as a key: the fast path declines, Yams composes, the reader converts.)
        var reader = YAMLReader(file: "m.yaml", variables: nil)
        let composed = reader.compose("a: 1\n? [b]\n: 2\nb: 3\nc: [x, y]\n")
        let tree = try #require(composed)
        guard case .mapping(let m) = tree else { Issue.record("not a mapping"); return }
        #expect(m.count == 4)
        #expect(m["b"]?.string == "3")
        #expect(m["a"]?.mark?.line == 1 && m["a"]?.mark?.column == 4)
        #expect(m["z"] == nil)
        guard case .sequence(let s)? = m["c"] else { Issue.record("c is not a list"); return }
        #expect(s.map { $0.string } == ["x", "y"])
    }

    /// Where two trees differ (kind, text, style, mark, order), or nil.
    func difference(_ a: YNode, _ b: YNode, at path: String) -> String? {
        func same(_ x: Mark?, _ y: Mark?) -> Bool { x?.line == y?.line && x?.column == y?.column }
        switch (a, b) {
        case let (.scalar(x), .scalar(y)):
            guard x.string == y.string, x.style == y.style, same(x.mark, y.mark) else {
                return "\(path): scalar \(x.string.debugDescription) vs \(y.string.debugDescription)"
            }
            return nil
        case let (.sequence(x), .sequence(y)):
            guard x.count == y.count, x.style == y.style, same(x.mark, y.mark) else { return "\(path): sequence header differs" }
            for (i, (p, q)) in zip(x, y).enumerated() {
                if let d = difference(p, q, at: "\(path)\(i)/") { return d }
            }
            return nil
        case let (.mapping(x), .mapping(y)):
            guard x.count == y.count, x.style == y.style, same(x.mark, y.mark) else { return "\(path): mapping header differs" }
            for (p, q) in zip(x, y) {
                if let d = difference(p.key, q.key, at: "\(path)key ") { return d }
                if let d = difference(p.value, q.value, at: "\(path)\(p.key.string ?? "?")/") { return d }
            }
            return nil
        case (.alias, .alias):
            return nil
        default:
            return "\(path): kinds differ"
        }
    }
}
