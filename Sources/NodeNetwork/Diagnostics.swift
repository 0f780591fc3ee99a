// Problems found in a user's file, reported in the house style
// `FILE:LINE:COL: error: WHAT IS WRONG (fix: WHAT TO DO)`.

/// A place in a file the user wrote. Lines and columns start at 1.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// One problem in a profile or inventory.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        /// The file cannot be used; nothing is rendered.
        case error
        /// The file works, but against advice (e.g. 802.1D timer relations the kernel does not enforce).
        case warning
    }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    public var fix: String?

    public init(_ severity: Severity, at location: SourceLocation, _ message: String, fix: String? = nil) {
        self.severity = severity; self.location = location; self.message = message; self.fix = fix
    }

    public var description: String {
        var s = "\(location): \(severity.rawValue): \(message)"
        if let fix { s += " (fix: \(fix))" }
        return s
    }
}

/// Thrown when a profile or inventory has at least one error. Carries every diagnostic found
/// (errors and warnings), sorted by file, line and column.
public struct ProfileError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = Diagnostic.sorted(diagnostics)
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

extension Diagnostic {
    /// Sorted by place, duplicates removed (stable for equal places).
    public static func sorted(_ list: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        let unique = list.filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { a, b in
            if a.element.location != b.element.location { return a.element.location < b.element.location }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Edit distance, for "did you mean" hints on unknown keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1,
                                   previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// The candidate nearest to `word`, if it is near enough to be a likely typo.
func nearest(_ word: String, in candidates: [String]) -> String? {
    let lower = word.lowercased().replacingOccurrences(of: "_", with: "-")
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(lower, c)
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (candidate, distance) = best else { return nil }
    let limit = Swift.max(2, candidate.count / 3)
    if distance <= limit || candidate.hasPrefix(lower) || lower.hasPrefix(candidate) { return candidate }
    return nil
}

/// "a, b and c" for messages.
func listing(_ items: [String]) -> String {
    items.joined(separator: ", ")
}
