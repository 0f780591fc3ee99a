// The loader's fast paths (issue 11: profile load time) give the answers of their slow twins:
// the ASCII interface-name check agrees with the general one, printable ASCII skips no forbidden
// character, and the reader's null test agrees with Yams' own.
import Testing
import Yams
@testable import NodeNetwork

@Suite struct FastPathTests {
    /// ASCII names: every byte 0-127 inside, at the start and at the end of a name, the 15/16
    /// byte boundary, and each special case of the rule.
    static var asciiNames: [String] {
        var names = ["", ".", "..", "...", "peth0", "vm63-br", "vif0.0", "abcdefghijklmno", "abcdefghijklmnop",
                     "abcdefghijklmn/", "abcdefghijklmnop/", "a b", "a/b:c", "x:y/z", "[ab]", "a*", "#x", "a b#c",
                     "a#b c", "a\u{7F}b c", "/:", ":/", "*?", "?*", "]["]
        for b in UInt8(0)...UInt8(127) {
            let c = String(UnicodeScalar(b))
            names += ["ab\(c)cd", "\(c)", "\(c)abcdefghijklmnop", "abcdefghijklmn\(c)"]
        }
        return names
    }

    @Test func asciiNameCheckAgreesWithTheGeneralOne() {
        for name in Self.asciiNames {
            #expect(InterfaceName.asciiProblem(name) == InterfaceName.generalProblem(name), "\(Array(name.utf8))")
            #expect(InterfaceName.problem(name) == InterfaceName.generalProblem(name), "\(Array(name.utf8))")
            // The one-pass check of plain guest veth names says yes only to a fine name without '$'.
            if InterfaceName.isPlainWithoutDollar(name) {
                #expect(InterfaceName.generalProblem(name) == nil && !name.utf8.contains(UInt8(ascii: "$")), "\(Array(name.utf8))")
            }
        }
        #expect(Self.asciiNames.filter(InterfaceName.isPlainWithoutDollar).count > 100)
    }

    /// A guest veth pair written plainly is read as `parseVeth` reads it (the same values and
    /// places, nothing to say); anything else is left to `parseVeth`.
    @Test func plainVethReadsWhatParseVethReads() throws {
        let items = ["{name: vm1, peer: vm1-br}", "{peer: vm1-br, name: vm1}", "{name: 'vm1', peer: \"vm1-br\"}",
                     "{name: vm1, peer: vm1-br, x: 1}", "{name: vm1}", "{name: vm1, peer: ~}", "{name: vm1, peer: null}",
                     "{name: vm1, peer: 'null'}", "{name: '', peer: p}", "{name: a/b, peer: p}", "{name: \"${v}\", peer: p}",
                     "{name: \"$${v}\", peer: p}", "{name: '...', peer: '.'}", "{name: abcdefghijklmnop, peer: p}",
                     "{name: ünï, peer: p}", "{name: [a], peer: p}", "{nam: a, peer: p}", "{name: a, peer: a}",
                     "[a, b]", "vm1", "{name: \"a b\", peer: p}", "{name: 'a#b', peer: p}", "{name: a$b, peer: p}",
                     "{name: 17, peer: 0x1}", "{? name : x, peer: y}"]
        let yaml = "veths:\n" + items.map { "  - \($0)\n" }.joined() + "  - name: vm9\n    peer:   vm9-br\n"
        var plain = 0
        for variables in [nil, Variables(values: ["v": "vm7"], origin: "inv.yaml", defineHint: "vars")] {
            var reader = YAMLReader(file: "p.yaml", variables: variables)
            let composed = reader.compose(yaml)
            let root = try #require(composed)
            guard case .mapping(let top) = root, let list = top["veths"], case .sequence(let seq) = list else {
                Issue.record("not a list of pairs"); return
            }
            #expect(seq.count == items.count + 1)
            for item in seq {
                let fast = ProfileParser(reader: reader)
                var got: [ProfileParser.VethDraft] = []
                guard fast.readPlainVeth(item, into: &got) else { #expect(got.isEmpty); continue }
                plain += 1
                var slow = ProfileParser(reader: reader)
                let want = slow.parseVeth(item, at: slow.reader.location(item), path: "bridge.veths[0]", example: "{}")
                #expect(slow.reader.diagnostics.isEmpty, "\(item)")
                guard let w = want, got.count == 1 else { Issue.record("\(item): parseVeth read nothing"); continue }
                let g = got[0]
                #expect(g.location == w.location && g.name?.value == w.name?.value && g.peer?.value == w.peer?.value
                        && g.name?.location == w.name?.location && g.peer?.location == w.peer?.location, "\(item)")
            }
        }
        #expect(plain >= 12, "plainly read: \(plain)")
    }

    /// What the ASCII path must refuse, spelled out (so that both twins cannot drift together).
    @Test func asciiNameCheckRefusesWhatTheKernelOrARenderWould() {
        #expect(InterfaceName.problem("") == "it is empty")
        #expect(InterfaceName.problem("a\u{0B}b") == "it contains whitespace")
        #expect(InterfaceName.problem("a\u{0C}b") == "it contains whitespace")
        #expect(InterfaceName.problem("a\u{01}b") == "character 2 is a control character (U+0001)")
        #expect(InterfaceName.problem("a\u{7F}b") == "character 2 is a control character (U+007F)")
        #expect(InterfaceName.problem("a#b") == "character 2 is '#', which starts a comment in ip -batch and interfaces files")
        #expect(InterfaceName.problem("abcdefghijklmno") == nil)
        #expect(InterfaceName.problem("abcdefghijklmnop") == "it is 16 bytes long, the kernel allows 15")
        #expect(InterfaceName.problem("..") == "'.' and '..' are reserved")
        #expect(InterfaceName.problem("a/b:c") == "it contains '/'")
        #expect(InterfaceName.problem("a:b") == "it contains ':'")
        #expect(InterfaceName.problem("a]b[") == "it contains ']', which systemd-networkd reads as a pattern")
    }

    /// Names with non-ASCII characters take the general path: Unicode whitespace and C1
    /// controls are refused, and length counts bytes (é is two).
    @Test func nonASCIINamesKeepTheGeneralAnswers() {
        let cases: [(String, String?)] = [
            ("a\u{A0}b", "it contains whitespace"),
            ("a\u{2003}b", "it contains whitespace"),
            ("a\u{85}b", "it contains whitespace"),
            ("a\u{3000}", "it contains whitespace"),
            ("a\u{9B}b", "character 2 is a control character (U+009B)"),
            ("a\u{2028}b", "it contains whitespace"),
            ("é#", "character 2 is '#', which starts a comment in ip -batch and interfaces files"),
            (String(repeating: "é", count: 7) + "x", nil),
            (String(repeating: "é", count: 8), "it is 16 bytes long, the kernel allows 15"),
            ("é/", "it contains '/'"),
            ("é:", "it contains ':'"),
            ("é?", "it contains '?', which systemd-networkd reads as a pattern"),
        ]
        for (name, expected) in cases {
            #expect(InterfaceName.problem(name) == expected, "\(name.unicodeScalars.map(\.value))")
            #expect(InterfaceName.problem(name) == InterfaceName.generalProblem(name))
        }
    }

    /// The printable-ASCII shortcut of ValueRule lets through exactly what the rule allows: no
    /// control character, no whitespace, no '#'.
    @Test func valueRuleShortcutMatchesTheRule() {
        for v in UInt32(0)...UInt32(0xFF) {
            let s = Unicode.Scalar(v)!
            let refused = s.properties.generalCategory == .control || s.properties.isWhitespace || s == "#"
            #expect((ValueRule.forbidden(s) != nil) == refused, "U+\(ValueRule.hex(v))")
        }
    }

    /// The reader's null test is Yams' (`node.null`), without making an NSNull per value.
    @Test func nullTestAgreesWithYams() throws {
        let yaml = """
            a: null
            b: ~
            c:
            d: 'null'
            e: "~"
            f: NULL
            g: nil
            h: Null
            i: nULL
            j: ''
            k: nulls
            l: [null, "", ~, NULL, x]
            m: {n: null}
            o: !!null null
            p: !!str null

            """
        let root = try #require(try Yams.compose(yaml: yaml, .basic, Constructor([:], [:], [:]), .utf8))
        guard case .mapping(let top) = root else { Issue.record("not a mapping"); return }
        var nodes: [Node] = []
        for (key, value) in top {
            nodes.append(key); nodes.append(value)
            if case .sequence(let items) = value { nodes += Array(items) }
        }
        #expect(nodes.count > 30)
        for node in nodes {
            let yams: Bool
            if case .scalar(let s) = node { yams = node.null != nil && (s.style == .plain || s.style == .any) } else { yams = false }
            #expect(YAMLReader.isNull(node) == yams, "\(node)")
        }
        // a, b, c, f, h, three items of l, and o and p (Yams reads a plain null whatever its tag).
        #expect(nodes.filter(YAMLReader.isNull).count == 10)
    }
}
