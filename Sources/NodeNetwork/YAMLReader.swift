// Reading YAML through Yams' node API, so that every value keeps its line and column, and every
// problem is collected (not thrown at the first one).
import Foundation
import Yams

/// Values for `${NAME}` in a profile, and where they came from (for hints).
public struct Variables: Sendable, Equatable {
    public var values: [String: String]
    /// Names the source in fix hints, e.g. "inventory.yaml (node dom0)".
    public var origin: String
    /// Where a missing variable should be defined, e.g. "nodes.dom0.vars or vars in inventory.yaml".
    public var defineHint: String
    /// Defined, but with a value no profile can carry: name → why (with its place).
    public var refused: [String: String] = [:]

    public init(values: [String: String], origin: String, defineHint: String) {
        self.values = values; self.origin = origin; self.defineHint = defineHint
    }
}

/// One key of a mapping: where the key is, and its value.
struct Entry {
    var key: String
    var keyLocation: SourceLocation
    var value: YNode
    /// The key as written (its style places a `${NAME}` inside it exactly).
    var keyScalar: YNode.Scalar
}

struct YAMLReader {
    let file: String
    let variables: Variables?
    var diagnostics: [Diagnostic] = []

    init(file: String, variables: Variables?) {
        self.file = file; self.variables = variables
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ at: SourceLocation, _ message: String, fix: String?) {
        diagnostics.append(Diagnostic(.error, at: at, message, fix: fix))
    }

    mutating func warning(_ at: SourceLocation, _ message: String, fix: String?) {
        diagnostics.append(Diagnostic(.warning, at: at, message, fix: fix))
    }

    func location(_ node: YNode) -> SourceLocation { YAMLReader.location(node, in: file) }

    static func location(_ node: YNode, in file: String) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// `location` of a node whose mark is at hand (no copy of the node to read it).
    func location(of mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    var startOfFile: SourceLocation { SourceLocation(file: file, line: 1, column: 1) }

    /// Parse YAML text into a node tree; a syntax error becomes one diagnostic with its place.
    mutating func compose(_ text: String) -> YNode? {
        do {
            // No tag resolution (Resolver.basic): values are read from their text by this
            // reader, and resolving every scalar against Yams' regular expressions costs a few
            // milliseconds per profile.
            // No constructor either (nothing is built from tags: Constructor.default would make
            // its tables of Swift types), and the encoding given, not `.default`: that one reads
            // the whole environment (and prints to stdout when YAMS_DEFAULT_ENCODING is set).
            let constructor = Constructor([:], [:], [:])
            // The common case without Yams' composer (FastCompose, into the readers' own tree);
            // anything it is not sure of, errors included, is composed by Yams as before.
            if let fast = FastCompose.light(text) { return fast }
            return try Yams.compose(yaml: text, .basic, constructor, .utf8).map { YNode($0) }
        } catch let error as YamlError {
            report(error)
            return nil
        } catch {
            self.error(startOfFile, "cannot read YAML: \(error)", fix: "check the file is a YAML document")
            return nil
        }
    }

    /// One diagnostic for Yams' error, at the place it names.
    mutating func report(_ error: YamlError) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            self.error(SourceLocation(file: file, line: mark.line, column: mark.column), message,
                       fix: "correct the YAML syntax at this place (indentation, ':' after keys, closed quotes and brackets)")
        case let .duplicatedKeysInMapping(duplicates, context):
            self.error(SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                       "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the same mapping",
                       fix: "keep one of the duplicated keys")
        case let .reader(problem, offset, _, yaml):
            self.error(YAMLReader.location(ofOffset: offset, in: yaml, file: file), "cannot read the file: \(problem)",
                       fix: "save the file as UTF-8 text")
        default:
            self.error(startOfFile, "cannot read YAML: \(error)", fix: "check the file is a YAML document")
        }
    }

    /// Line and column of the `offset`-th character of `yaml` (the start when nil).
    static func location(ofOffset offset: Int?, in yaml: String, file: String) -> SourceLocation {
        var line = 1, column = 1
        if let offset {
            for ch in yaml.unicodeScalars.prefix(offset) {
                if ch == "\n" { line += 1; column = 1 } else { column += 1 }
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    // MARK: - Shapes

    /// A plain scalar spelled as YAML's null: what Yams' `node.null` accepts (plain style only:
    /// `''` or `'null'` is a string), without making an `NSNull` for every value read.
    static func isNull(_ node: YNode) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return isNull(s)
    }

    /// `isNull` of a node of Yams' tree (as the readers' tree reads it).
    static func isNull(_ node: Node) -> Bool { isNull(YNode(node)) }

    /// `isNull` of a scalar at hand.
    static func isNull(_ s: YNode.Scalar) -> Bool {
        guard s.style == .plain, s.string.utf8.count <= 4 else { return false }
        switch s.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    static func describe(_ node: YNode) -> String {
        switch node {
        case .scalar(let s): return isNull(node) ? "nothing (null)" : "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The entries of a mapping, with unknown keys reported (and left out). `path` names the
    /// mapping in messages ("bond", "bridge.stp"); `nil` for the document root.
    mutating func mapping(_ node: YNode, path: @autoclosure () -> String?, keys allowed: [String]?, example: @autoclosure () -> String) -> [Entry]? {
        if YAMLReader.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            error(location(node), "\(path() ?? "the document") must be a mapping, got \(YAMLReader.describe(node))",
                  fix: "write it as \(example())")
            return nil
        }
        var entries: [Entry] = []
        // (By index: iterating a Node.Mapping first copies all its pairs into a new array.)
        let indices = mapping.startIndex..<mapping.endIndex
        entries.reserveCapacity(indices.count)
        for index in indices {
            let (keyNode, value) = mapping[index]
            guard case .scalar(let keyScalar) = keyNode else {
                error(location(keyNode), "keys must be plain names, got \(YAMLReader.describe(keyNode))",
                      fix: "write the key as a name followed by ':'")
                continue
            }
            let key = keyScalar.string
            if let allowed, !allowed.contains(key) {
                let where_ = path().map { "in \($0)" } ?? "at the top level"
                var fix: String
                if let near = nearest(key, in: allowed) {
                    fix = "did you mean '\(near)'? valid keys here: \(listing(allowed))"
                } else {
                    fix = "remove it; valid keys here: \(listing(allowed))"
                }
                error(location(keyNode), "unknown key '\(key)' \(where_)", fix: fix)
                continue
            }
            entries.append(Entry(key: key, keyLocation: location(keyNode), value: value, keyScalar: keyScalar))
        }
        return entries
    }

    mutating func sequence(_ node: YNode, path: @autoclosure () -> String, example: @autoclosure () -> String, allowScalar: Bool = false) -> [YNode]? {
        if YAMLReader.isNull(node) { return [] }
        switch node {
        case .sequence(let seq): return seq.items
        case .scalar where allowScalar: return [node]
        default:
            error(location(node), "\(path()) must be a list, got \(YAMLReader.describe(node))", fix: "write it as \(example())")
            return nil
        }
    }

    // MARK: - Scalars

    /// The text of a scalar with `${NAME}` substituted. Reports non-scalars and unresolved names.
    /// (`example`, like the other readers', is only made when it is shown: most values are fine.)
    /// `checkValue: false` leaves the ValueRule check to the caller (interface names say more).
    mutating func string(_ node: YNode, path: @autoclosure () -> String, example: @autoclosure () -> String, checkValue: Bool = true) -> String? {
        guard case .scalar(let scalar) = node, !YAMLReader.isNull(node) else {
            error(location(node), "\(path()) must be a single value, got \(YAMLReader.describe(node))",
                  fix: "write it as \(example())")
            return nil
        }
        let file = file
        guard let text = substitute(scalar, at: YAMLReader.location(node, in: file), path: path()) else { return nil }
        if checkValue, let why = ValueRule.problem(text) {
            let via = scalar.string.contains("${") ? variables.map { " (after substitution from \($0.origin))" } ?? "" : ""
            error(location(node), "\(path()): the value '\(ValueRule.shown(text))'\(via) cannot be used: \(why)",
                  fix: ValueRule.fix)
            return nil
        }
        return text
    }

    /// Replace `${NAME}` in a scalar's text; `$${` stands for a literal `${`.
    mutating func substitute(_ scalar: YNode.Scalar, at scalarLocation: @autoclosure () -> SourceLocation,
                             path: @autoclosure () -> String) -> String? {
        let text = scalar.string
        // (A byte search: `text.contains("$")` would go through Foundation's string search.)
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        var ok = true
        // Column of a character inside the scalar, exact for one-line plain and quoted scalars.
        // (The scalar's place is only looked up for a message.)
        func at(_ index: Int) -> SourceLocation {
            let loc = scalarLocation()
            let column: Int
            switch scalar.style {
            case .plain, .any: column = loc.column + index
            case .singleQuoted, .doubleQuoted: column = loc.column + 1 + index
            default: column = loc.column
            }
            return SourceLocation(file: file, line: loc.line, column: column)
        }
        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                out += "${"; i += 3; continue
            }
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                    error(at(i), "\(path()): '${' without a closing '}'",
                          fix: "write ${NAME}, or $${ for a literal '${'")
                    return nil
                }
                var name = ""
                for c in chars[(i + 2)..<close] { name.append(c) }
                if let value = variable(name, at: at(i), path: path()) {
                    out += value
                } else {
                    ok = false
                }
                i = close + 1
                continue
            }
            out.append(chars[i]); i += 1
        }
        return ok ? out : nil
    }

    /// The value of `${name}`, or nil with the reason reported at `at` (an invalid name, a
    /// variable refused or not defined).
    mutating func variable(_ name: String, at: SourceLocation, path: @autoclosure () -> String) -> String? {
        if !Inventory.isValidVariableName(name) {
            error(at, "\(path()): '${\(name)}' is not a valid variable reference",
                  fix: "variable names are letters, digits, '_' and '-', starting with a letter or '_'")
        } else if let value = variables?.values[name] {
            return value
        } else if let why = variables?.refused[name] {
            error(at, "\(path()): ${\(name)} cannot be used here: \(why)", fix: ValueRule.fix)
        } else if let variables {
            error(at, "unresolved variable ${\(name)} in \(path()): \(variables.origin) does not define '\(name)'",
                  fix: "define \(name) under \(variables.defineHint)")
        } else {
            error(at, "unresolved variable ${\(name)} in \(path())",
                  fix: "render with --inventory FILE --node NAME (an inventory whose node defines '\(name)'), or write the value here")
        }
        return nil
    }

    mutating func int(_ node: YNode, path: @autoclosure () -> String, range: ClosedRange<Int>, unit: String = "") -> Int? {
        guard let text = string(node, path: path(), example: "\(path().split(separator: ".").last ?? ""): \(range.lowerBound)") else {
            return nil
        }
        let rangeText = range.upperBound >= Int(Int32.max) ? ">= \(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
        guard let value = Int(YAMLReader.trimmingBlanks(text)) else {
            error(location(node), "\(path()) must be a whole number \(rangeText)\(unit), got '\(text)'",
                  fix: "write a number such as \(range.lowerBound == 0 && range.upperBound > 100 ? 100 : range.lowerBound)")
            return nil
        }
        guard range.contains(value) else {
            error(location(node), "\(path()) \(value) is out of range \(rangeText)\(unit)",
                  fix: "use a value from \(rangeText)")
            return nil
        }
        return value
    }

    /// `text` without leading and trailing blanks (tab and Unicode space separators: what
    /// Foundation's `CharacterSet.whitespaces` holds), without going through NSString.
    static func trimmingBlanks(_ text: String) -> Substring {
        func blank(_ c: Character) -> Bool {
            c.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
        }
        guard let first = text.firstIndex(where: { !blank($0) }) else { return text[text.endIndex...] }
        let last = text.lastIndex(where: { !blank($0) })!
        return text[first...last]
    }

    mutating func bool(_ node: YNode, path: @autoclosure () -> String) -> Bool? {
        guard let text = string(node, path: path(), example: "\(path()): true") else { return nil }
        if let b = YAMLReader.boolValue(text) { return b }
        error(location(node), "\(path()) must be true or false, got '\(text)'", fix: "write true/false (or on/off, yes/no)")
        return nil
    }

    static func boolValue(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: YNode, path: @autoclosure () -> String, as: E.Type) -> E?
        where E.RawValue == String
    {
        let all = E.allCases.map(\.rawValue)
        guard let text = string(node, path: path(), example: "\(path().split(separator: ".").last ?? ""): \(all[0])") else {
            return nil
        }
        if let value = E(rawValue: text) { return value }
        var fix = "use one of: \(listing(all))"
        if let near = nearest(text, in: all) { fix = "did you mean '\(near)'? " + fix }
        error(location(node), "\(path()): unknown value '\(text)'", fix: fix)
        return nil
    }

    /// An interface name the kernel accepts (dev_valid_name): 1-15 bytes, not "." or "..", no
    /// '/', ':' or whitespace.
    mutating func interfaceName(_ node: YNode, path: @autoclosure () -> String) -> String? {
        guard let name = string(node, path: path(), example: "\(path().split(separator: ".").last ?? ""): peth0",
                                checkValue: false) else {
            return nil
        }
        if let problem = InterfaceName.problem(name) {
            error(location(node), "\(path()): '\(ValueRule.shown(name))' is not a valid interface name: \(problem)",
                  fix: "use 1-15 bytes without '/', ':', '#', '*', '?', '[', ']', whitespace or control characters, e.g. peth0")
            return nil
        }
        return name
    }
}
