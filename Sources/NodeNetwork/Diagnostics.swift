// A profile's or inventory's problems, thrown together (SourceLocation and Diagnostic are the
// shared vocabulary's), and the typo hints that go into their fixes.

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
