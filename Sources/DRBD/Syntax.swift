// drbd.conf syntax: tokens and a generic statement tree.
//
// Every drbd.conf construct has one of two shapes: `word word ... ;` or `word word ... { ... }`.
// The lexer and `SyntaxParser` produce that tree (with `include` statements expanded); the
// `Interpreter` turns it into the model. Keeping the generic layer separate lets options the
// model does not need stay opaque text instead of being rejected.

/// A place in a configuration file (1-based line and column).
public struct Location: Hashable, Codable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// A syntax or meaning error in a configuration file, with the fix.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: Location
    public var message: String
    public var fix: String
    public init(_ location: Location, _ message: String, fix: String) {
        self.location = location; self.message = message; self.fix = fix
    }
    /// House style: `FILE:LINE:COL: error: WHAT (fix: HOW)`.
    public var description: String { "\(location): error: \(message) (fix: \(fix))" }
}

public struct Token: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case word, quoted, open, close, semicolon, end }
    public var kind: Kind
    public var text: String
    public var location: Location
}

/// Splits drbd.conf text into tokens. `#` starts a comment at the start of a token.
public struct Lexer {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    public init(text: String, file: String) {
        self.bytes = Array(text.utf8)
        self.file = file
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 12 || b == 11 }
    private static func isDelimiter(_ b: UInt8) -> Bool {
        isSpace(b) || b == UInt8(ascii: "{") || b == UInt8(ascii: "}") || b == UInt8(ascii: ";")
            || b == UInt8(ascii: "\"")
    }

    private mutating func advance() {
        if bytes[index] == 10 { line += 1; column = 1 } else { column += 1 }
        index += 1
    }

    public mutating func next() throws(ConfigError) -> Token {
        while index < bytes.count {
            let b = bytes[index]
            if Lexer.isSpace(b) { advance(); continue }
            if b == UInt8(ascii: "#") {
                while index < bytes.count && bytes[index] != 10 { advance() }
                continue
            }
            break
        }
        let here = Location(file: file, line: line, column: column)
        guard index < bytes.count else { return Token(kind: .end, text: "", location: here) }
        let b = bytes[index]
        switch b {
        case UInt8(ascii: "{"): advance(); return Token(kind: .open, text: "{", location: here)
        case UInt8(ascii: "}"): advance(); return Token(kind: .close, text: "}", location: here)
        case UInt8(ascii: ";"): advance(); return Token(kind: .semicolon, text: ";", location: here)
        case UInt8(ascii: "\""):
            advance()
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else {
                    throw ConfigError(here, "unterminated quoted string",
                                      fix: "close the string with '\"' on the same line")
                }
                let c = bytes[index]
                if c == 10 {
                    throw ConfigError(here, "unterminated quoted string",
                                      fix: "close the string with '\"' on the same line")
                }
                if c == UInt8(ascii: "\"") { advance(); break }
                if c == UInt8(ascii: "\\") && index + 1 < bytes.count && bytes[index + 1] != 10 {
                    advance()
                }
                out.append(bytes[index])
                advance()
            }
            return Token(kind: .quoted, text: String(decoding: out, as: UTF8.self), location: here)
        default:
            let start = index
            while index < bytes.count && !Lexer.isDelimiter(bytes[index]) { advance() }
            return Token(kind: .word, text: String(decoding: bytes[start..<index], as: UTF8.self),
                         location: here)
        }
    }
}

/// One word of a statement, with where it stands.
public struct Word: Hashable, Sendable {
    public var text: String
    public var location: Location
    public var quoted: Bool
}

/// `words... ;` (block == nil) or `words... { block }`.
public struct Statement: Hashable, Sendable {
    public var words: [Word]
    public var block: [Statement]?
    public var location: Location { words[0].location }
    public var keyword: String { words[0].text }
    public var arguments: [Word] { Array(words.dropFirst()) }

    /// The statement as drbd.conf text on one line (for options kept opaque).
    public var text: String {
        let head = words.map { $0.quoted ? "\"\($0.text)\"" : $0.text }.joined(separator: " ")
        guard let block else { return head + ";" }
        return head + " { " + block.map(\.text).joined(separator: " ") + " }"
    }
}

/// Where configuration text comes from: a real file system in the engine, memory in tests.
public protocol ConfigFileSource {
    /// The text of the file at `path` (absolute).
    func read(_ path: String) throws -> String
    /// Absolute paths matching the glob `pattern` (absolute), sorted as glob(3) sorts them.
    func glob(_ pattern: String) -> [String]
}

/// Files held in memory, globbed with fnmatch(3) semantics. For tests and for parsing text
/// (such as `drbdadm dump` output) that is not on disk.
public struct MemoryFileSource: ConfigFileSource, Sendable {
    public var files: [String: String]
    public init(_ files: [String: String]) { self.files = files }
    public struct Missing: Error {}
    public func read(_ path: String) throws -> String {
        guard let t = files[path] else { throw Missing() }
        return t
    }
    public func glob(_ pattern: String) -> [String] {
        files.keys.filter { Glob.matches(pattern: pattern, path: $0) }.sorted()
    }
}

/// Pattern matching as glob(3) does it per path component: `*`, `?`, `[...]`; `/` is never
/// matched by a wildcard, and a leading `.` of a component must be matched literally.
public enum Glob {
    public static func hasMagic(_ s: String) -> Bool { s.contains { "*?[".contains($0) } }

    public static func matches(pattern: String, path: String) -> Bool {
        let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let s = path.split(separator: "/", omittingEmptySubsequences: false)
        guard p.count == s.count else { return false }
        for (a, b) in zip(p, s) where !component(Array(a.unicodeScalars), Array(b.unicodeScalars)) {
            return false
        }
        return true
    }

    private static func component(_ p: [Unicode.Scalar], _ s: [Unicode.Scalar]) -> Bool {
        if let f = s.first, f == ".", p.first != "." { return false }
        return match(p, 0, s, 0)
    }

    private static func match(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool {
        var pi = pi, si = si
        var starP = -1, starS = -1
        while si < s.count {
            if pi < p.count {
                let c = p[pi]
                if c == "*" { starP = pi; starS = si; pi += 1; continue }
                if c == "?" { pi += 1; si += 1; continue }
                if c == "[", let (ok, next) = bracket(p, pi, s[si]) {
                    if ok { pi = next; si += 1; continue }
                } else if c == "\\" && pi + 1 < p.count {
                    if p[pi + 1] == s[si] { pi += 2; si += 1; continue }
                } else if c == s[si] { pi += 1; si += 1; continue }
            }
            if starP >= 0 { pi = starP + 1; starS += 1; si = starS; continue }
            return false
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Matches `[...]` at p[pi] against c: (matched, index after `]`), nil if not a bracket.
    private static func bracket(_ p: [Unicode.Scalar], _ pi: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = pi + 1
        var negate = false
        if i < p.count && (p[i] == "!" || p[i] == "^") { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count && (first || p[i] != "]") {
            first = false
            if i + 2 < p.count && p[i + 1] == "-" && p[i + 2] != "]" {
                if p[i].value <= c.value && c.value <= p[i + 2].value { matched = true }
                i += 3
            } else {
                if p[i] == c { matched = true }
                i += 1
            }
        }
        guard i < p.count else { return nil }
        return (matched != negate, i + 1)
    }
}

/// Parses a file into statements, expanding `include "GLOB";` (relative to the including file).
public struct SyntaxParser {
    public let source: any ConfigFileSource
    /// Every file read, in order.
    public private(set) var files: [String] = []
    private var depth = 0

    public init(source: any ConfigFileSource) { self.source = source }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    public static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = directory(of: file)
        return dir == "/" ? "/" + path : dir + "/" + path
    }

    /// Parse the main configuration file `path` (absolute) with everything it includes.
    public mutating func parseMain(_ path: String) throws(ConfigError) -> [Statement] {
        includeStack = [path]
        return try parseFile(path)
    }

    /// Parse `path` (absolute). `includedFrom` locates the include statement for a missing file.
    public mutating func parseFile(_ path: String, includedFrom: Location? = nil) throws(ConfigError)
        -> [Statement]
    {
        let text: String
        do { text = try source.read(path) } catch {
            throw ConfigError(includedFrom ?? Location(file: path, line: 0, column: 0),
                              includedFrom == nil ? "cannot read configuration file \(path)"
                                  : "include file \(path) does not exist or cannot be read",
                              fix: includedFrom == nil ? "pass an existing file with --config"
                                  : "create the file, correct the path, or use a glob pattern")
        }
        files.append(path)
        return try parseText(text, file: path)
    }

    public mutating func parseText(_ text: String, file: String) throws(ConfigError) -> [Statement] {
        var lexer = Lexer(text: text, file: file)
        var lookahead = try lexer.next()
        return try parseBlock(&lexer, &lookahead, opener: nil)
    }

    private mutating func parseBlock(_ lexer: inout Lexer, _ tok: inout Token, opener: Location?)
        throws(ConfigError) -> [Statement]
    {
        var out: [Statement] = []
        while true {
            switch tok.kind {
            case .end:
                if let opener {
                    throw ConfigError(tok.location, "end of file inside the block opened at line \(opener.line) column \(opener.column)",
                                      fix: "add the missing '}'")
                }
                return out
            case .close:
                guard opener != nil else {
                    throw ConfigError(tok.location, "'}' without a matching '{'",
                                      fix: "remove the extra '}'")
                }
                tok = try lexer.next()
                return out
            case .semicolon:
                throw ConfigError(tok.location, "unexpected ';' where a keyword was expected",
                                  fix: "remove the extra ';'")
            case .open:
                throw ConfigError(tok.location, "unexpected '{' where a keyword was expected",
                                  fix: "put the section keyword (e.g. 'resource NAME') before '{'")
            case .word, .quoted:
                var words: [Word] = []
                while tok.kind == .word || tok.kind == .quoted {
                    words.append(Word(text: tok.text, location: tok.location, quoted: tok.kind == .quoted))
                    tok = try lexer.next()
                }
                switch tok.kind {
                case .semicolon:
                    tok = try lexer.next()
                    let st = Statement(words: words, block: nil)
                    if st.keyword == "include" && !words[0].quoted {
                        out += try expandInclude(st)
                    } else {
                        out.append(st)
                    }
                case .open:
                    let open = tok.location
                    tok = try lexer.next()
                    depth += 1
                    defer { depth -= 1 }
                    if depth > 64 {
                        throw ConfigError(open, "blocks nested more than 64 deep", fix: "close the open blocks with '}'")
                    }
                    let block = try parseBlock(&lexer, &tok, opener: open)
                    out.append(Statement(words: words, block: block))
                default:
                    let last = words[words.count - 1]
                    let at = tok.kind == .end ? tok.location : tok.location
                    throw ConfigError(at, "expected ';' after '\(last.text)'" + (tok.kind == .end ? " before end of file" : ""),
                                      fix: "end the statement on line \(last.location.line) with ';'")
                }
            }
        }
    }

    private mutating func expandInclude(_ st: Statement) throws(ConfigError) -> [Statement] {
        guard st.words.count == 2 else {
            throw ConfigError(st.location, "include takes exactly one file name or glob",
                              fix: "write: include \"drbd.d/*.res\";")
        }
        let arg = st.words[1]
        let path = SyntaxParser.resolve(arg.text, relativeTo: st.location.file)
        if Glob.hasMagic(path) {
            var out: [Statement] = []
            for f in source.glob(path) {
                if includeStack.contains(f) {
                    throw ConfigError(arg.location, "include loop: \(f) includes itself", fix: "remove the include that includes its own file")
                }
                includeStack.append(f)
                defer { includeStack.removeLast() }
                out += try parseFile(f, includedFrom: arg.location)
            }
            return out
        }
        if includeStack.contains(path) {
            throw ConfigError(arg.location, "include loop: \(path) includes itself", fix: "remove the include that includes its own file")
        }
        includeStack.append(path)
        defer { includeStack.removeLast() }
        return try parseFile(path, includedFrom: arg.location)
    }

    private var includeStack: [String] = []
}
