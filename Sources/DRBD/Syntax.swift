// drbd.conf syntax: tokens and a generic statement tree.
//
// Every drbd.conf construct has one of two shapes: `word word ... ;` or `word word ... { ... }`.
// The lexer and `SyntaxParser` produce that tree (with `include` statements expanded); the
// `Interpreter` turns it into the model. Keeping the generic layer separate lets options the
// model does not need stay opaque text instead of being rejected.

/// A syntax or meaning error in a configuration file: an error-severity `Diagnostic` that always
/// carries a fix, thrown by the parser and collected by the interpreter.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var diagnostic: Diagnostic
    public init(_ location: SourceLocation, _ message: String, fix: String) {
        diagnostic = Diagnostic(.error, at: location, message, fix: fix)
    }
    public var location: SourceLocation {
        get { diagnostic.location }
        set { diagnostic.location = newValue }
    }
    public var message: String {
        get { diagnostic.message }
        set { diagnostic.message = newValue }
    }
    public var fix: String {
        get { diagnostic.fix ?? "" }
        set { diagnostic.fix = newValue }
    }
    /// House style: `FILE:LINE:COL: error: WHAT (fix: HOW)`.
    public var description: String { diagnostic.description }
}

public struct Token: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case word, quoted, open, close, semicolon, end }
    public var kind: Kind
    public var text: String
    public var location: SourceLocation
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
        let here = SourceLocation(file: file, line: line, column: column)
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
    public var location: SourceLocation
    public var quoted: Bool
}

/// `words... ;` (block == nil) or `words... { block }`.
public struct Statement: Hashable, Sendable {
    public var words: [Word]
    public var block: [Statement]?
    public var location: SourceLocation { words[0].location }
    public var keyword: String { words[0].text }
    public var arguments: [Word] { Array(words.dropFirst()) }

    /// The statement as drbd.conf text on one line (for options kept opaque).
    public var text: String {
        let head = words.map { $0.quoted ? "\"\($0.text)\"" : $0.text }.joined(separator: " ")
        guard let block else { return head + ";" }
        return head + " { " + block.map(\.text).joined(separator: " ") + " }"
    }
}

/// Parses a file into statements, expanding `include "GLOB";` (relative to the including file).
public struct SyntaxParser {
    public let source: any ConfigFileSource
    /// How the caller names the configuration file in a fix.
    public let inputs: InputNames
    /// Every file read, in order.
    public private(set) var files: [String] = []
    private var depth = 0

    public init(source: any ConfigFileSource, inputs: InputNames = .plain) { self.source = source; self.inputs = inputs }

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
        readOnce = [path]
        return try parseFile(path)
    }

    /// Parse `path` (absolute). `includedFrom` locates the include statement for a missing file.
    public mutating func parseFile(_ path: String, includedFrom: SourceLocation? = nil) throws(ConfigError)
        -> [Statement]
    {
        let text: String
        let at = includedFrom ?? SourceLocation(file: path, line: 0, column: 0)
        let budget = ConfigLimits.totalBytes - bytesRead
        do { text = try source.read(path, maxBytes: budget) } catch let refusal as ConfigSourceRefusal {
            let what = includedFrom == nil ? "configuration file" : "include file"
            let total = bytesRead > 0 && refusal.reason.contains("limit")
                ? " (the limit is \(ConfigLimits.totalBytes >> 20) MiB for all files together; \(bytesRead) bytes were read before)" : ""
            throw ConfigError(at, "\(what) \(path) is refused: \(refusal.reason)\(total)", fix: refusal.fix)
        } catch {
            throw ConfigError(at,
                              includedFrom == nil ? "cannot read configuration file \(path)"
                                  : "include file \(path) does not exist or cannot be read",
                              fix: includedFrom == nil ? "pass an existing file with \(inputs.config)"
                                  : "create the file, correct the path, or use a glob pattern")
        }
        bytesRead += text.utf8.count
        files.append(path)
        return try parseText(text, file: path)
    }

    private var bytesRead = 0
    /// Every file read (or being read): a second include of one adds nothing.
    private var readOnce: Set<String> = []

    public mutating func parseText(_ text: String, file: String) throws(ConfigError) -> [Statement] {
        if let e = Templates.firstMarker(in: text, file: file) { throw e }
        var lexer = Lexer(text: text, file: file)
        do {
            var lookahead = try lexer.next()
            return try parseBlock(&lexer, &lookahead, opener: nil)
        } catch {
            // drbdadm stops at a stray word before it reaches a brace error further down.
            throw firstStray ?? error
        }
    }

    private mutating func parseBlock(_ lexer: inout Lexer, _ tok: inout Token, opener: SourceLocation?)
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
                try parseStatement(&lexer, &tok, into: &out)
            }
        }
    }

    /// One statement from its first word: `WORDS;` (an include expanded in place) or
    /// `WORDS { ... }`.
    private mutating func parseStatement(_ lexer: inout Lexer, _ tok: inout Token, into out: inout [Statement])
        throws(ConfigError)
    {
        var words: [Word] = []
        while tok.kind == .word || tok.kind == .quoted {
            words.append(Word(text: tok.text, location: tok.location, quoted: tok.kind == .quoted))
            tok = try lexer.next()
        }
        switch tok.kind {
        case .semicolon:
            requireTopLevelKeyword(words[0])
            tok = try lexer.next()
            let st = Statement(words: words, block: nil)
            if st.keyword == "include" && !words[0].quoted {
                out += try expandInclude(st)
            } else {
                out.append(st)
            }
        case .open:
            out.append(try parseSection(words, &lexer, &tok))
        default:
            let last = words[words.count - 1]
            let at = tok.kind == .end ? tok.location : tok.location
            throw ConfigError(at, "expected ';' after '\(last.text)'" + (tok.kind == .end ? " before end of file" : ""),
                              fix: "end the statement on line \(last.location.line) with ';'")
        }
    }

    /// `WORDS { ... }` with `tok` on its '{': the block parsed to its '}', at most 64 deep.
    private mutating func parseSection(_ words: [Word], _ lexer: inout Lexer, _ tok: inout Token)
        throws(ConfigError) -> Statement
    {
        requireTopLevelKeyword(words[0])
        try requireResourceSection(words)
        let open = tok.location
        tok = try lexer.next()
        depth += 1
        sections.append(words[0].text)
        defer { depth -= 1; sections.removeLast() }
        if depth > 64 {
            throw ConfigError(open, "blocks nested more than 64 deep", fix: "close the open blocks with '}'")
        }
        let block = try parseBlock(&lexer, &tok, opener: open)
        return Statement(words: words, block: block)
    }

    /// drbdadm reads statement by statement and stops at a top-level word it does not know,
    /// before any brace error further down. The interpreter reports such a word when the file
    /// parses; when a syntax error follows, the stray line is the error reported (as drbdadm's).
    private mutating func requireTopLevelKeyword(_ w: Word) {
        guard depth == 0, !w.quoted, firstStray == nil else { return }
        let known = ["global", "common", "resource", "skip", "include"]
        if known.contains(w.text) || w.text.hasPrefix("require-drbd-module-version-") { return }
        firstStray = ConfigError(w.location, "unknown top-level keyword '\(w.text)'",
                                 fix: "remove the stray line or start it with global, common, resource, skip or include")
    }

    /// The first stray word met (top level or resource level), reported before a later syntax error.
    private var firstStray: ConfigError?

    /// The sections a resource holds (8.3, 8.4 and 9 together). A block statement inside a
    /// resource that starts with another word is a stray line or a missing ';' merged into the
    /// next section's header: drbdadm names that line before any brace error further down.
    static let resourceSections: Set<String> = [
        "on", "floating", "stacked-on-top-of", "volume", "connection", "connection-mesh", "disk",
        "net", "options", "handlers", "startup", "syncer", "skip", "proxy",
    ]

    private mutating func requireResourceSection(_ words: [Word]) throws(ConfigError) {
        guard depth == 1, sections.last == "resource", !SyntaxParser.resourceSections.contains(words[0].text) else { return }
        // A section keyword on a later line than the statement's start: a ';' is missing, and
        // the section would otherwise vanish into an option.
        if let k = words.indices.dropFirst().first(where: {
            SyntaxParser.resourceSections.contains(words[$0].text) && words[$0].location.line > words[0].location.line
        }) {
            let last = words[k - 1]
            throw ConfigError(last.location, "expected ';' after '\(last.text)' (the '\(words[k].text)' section on line \(words[k].location.line) follows it)",
                              fix: "end the statement on line \(last.location.line) with ';', or remove the stray line")
        }
        guard firstStray == nil, !words[0].quoted else { return }
        firstStray = ConfigError(words[0].location, "'\(words[0].text)' does not open a section of a resource",
                                 fix: "use one of: \(SyntaxParser.resourceSections.sorted().joined(separator: ", ")), or remove the stray line")
    }

    private var sections: [String] = []

    private mutating func expandInclude(_ st: Statement) throws(ConfigError) -> [Statement] {
        guard st.words.count == 2 else {
            throw ConfigError(st.location, "include takes exactly one file name or glob",
                              fix: "write: include \"drbd.d/*.res\";")
        }
        let arg = st.words[1]
        let path = SyntaxParser.resolve(arg.text, relativeTo: st.location.file)
        var out: [Statement] = []
        for f in Glob.hasMagic(path) ? source.glob(path) : [path] {
            out += try include(f, at: arg.location)
        }
        return out
    }

    /// One included file: refused when it closes a loop or goes deeper than the limit; read and
    /// parsed once however many files include it (a second include adds nothing, as in drbdadm).
    private mutating func include(_ f: String, at: SourceLocation) throws(ConfigError) -> [Statement] {
        if let start = includeStack.firstIndex(of: f) {
            let chain = includeStack[start...].map(shortName) + [shortName(f)]
            throw ConfigError(at, "include loop: \(chain.joined(separator: " → "))",
                              fix: "remove the include in \(shortName(at.file)) that closes the loop")
        }
        if includeStack.count > ConfigLimits.includeDepth {
            let names = includeStack.map(shortName)
            let chain = names.prefix(3).joined(separator: " → ") + " → ... → " + names.suffix(2).joined(separator: " → ")
            throw ConfigError(at, "includes nested more than \(ConfigLimits.includeDepth) deep (\(chain) → \(shortName(f)))",
                              fix: "include the files from one place (e.g. include \"drbd.d/*.res\" in drbd.conf) instead of chaining them")
        }
        // Read once, as drbdadm (8.3, 8.4 and 9) does: a file included again adds nothing.
        if readOnce.contains(f) { return [] }
        readOnce.insert(f)
        includeStack.append(f)
        defer { includeStack.removeLast() }
        return try parseFile(f, includedFrom: at)
    }

    /// `path` relative to the main file's directory when it lies below it ("a.conf",
    /// "drbd.d/r0.res"), else as is.
    private func shortName(_ path: String) -> String {
        guard let main = includeStack.first ?? files.first else { return path }
        let dir = SyntaxParser.directory(of: main)
        let prefix = dir == "/" ? "/" : dir + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    private var includeStack: [String] = []
}
