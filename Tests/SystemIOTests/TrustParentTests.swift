import Testing
@testable import SystemIO

/// `Trust.parent(of:)` answers an ASCII path by its bytes exactly as the Character reading does.
@Suite struct TrustParentTests {
    static let paths = [
        "/", "//", "///", "/a", "/a/", "/a//", "a", "a/", "a/b", "a/b/", "/a/b/c.yaml", "/etc/xg-scale/",
        ".", "./x", "..", "../x/", "", "\r\n", "\r\n/", "/\r\n", "/x\r\n/", "a\r\n/b", "/ /", " / ",
        "/tmp/tmp.joBVWMqEKf/bench.yaml", "profiles/inventory.yaml", "/a\u{7F}/b", "/a\t/b//",
    ]

    @Test(arguments: paths)
    func asciiPathsAnswerAsCharacters(_ path: String) {
        #expect(Trust.asciiParent(of: path) == Trust.generalParent(of: path), "\(path.debugDescription)")
        #expect(Trust.parent(of: path) == Trust.generalParent(of: path))
    }

    @Test func otherPathsKeepTheCharacterReading() {
        // '/' followed by a combining mark is one Character that is not "/": not a separator.
        for path in ["/a/\u{301}", "/ä/b", "/a/\u{301}/", "/日本/語/"] {
            #expect(Trust.parent(of: path) == Trust.generalParent(of: path), "\(path.debugDescription)")
        }
        #expect(Trust.parent(of: "/a/\u{301}") == "/")
        #expect(Trust.parent(of: "/ä/b") == "/ä")
    }
}
