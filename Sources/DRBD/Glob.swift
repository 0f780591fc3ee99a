// glob(3) matching for include patterns held in memory (MemoryFileSource).

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
