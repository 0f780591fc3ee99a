// Option keywords and values checked as drbdadm checks them. The table (OptionTable.swift) is
// generated from drbd-utils' own metadata by scripts/gen-drbd-options.py; this file holds the
// checks and the hand-kept list of options a later DRBD renamed or removed.

/// One option drbd.conf accepts in one section, with its value type.
public struct OptionSpec: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case numeric, boolean, handler, string, numericOrSymbol }
    public let section: String, keyword: String, kind: Kind
    /// Range in `unit` ("1", "K" KiB, "s" 512-byte sectors); nil when unbounded or not numeric.
    public let min: Int?, max: Int?, unit: String
    /// Enum values (handler) or symbols (numericOrSymbol).
    public let values: [String]
    public let dialects: [Dialect]
    init(_ section: String, _ keyword: String, _ kind: Kind, min: Int?, max: Int?, unit: String,
         values: [String], dialects: [Dialect]) {
        self.section = section; self.keyword = keyword; self.kind = kind
        self.min = min; self.max = max; self.unit = unit; self.values = values; self.dialects = dialects
    }
}

enum OptionCheck {
    /// Sections whose statements are options; `handlers` takes any keyword and string.
    static let sections: Set<String> = ["disk", "net", "startup", "options", "syncer", "handlers"]
    /// Sections drbdadm accepts that xg-scale leaves unchecked.
    static let unchecked: Set<String> = ["proxy"]

    /// Options a later DRBD renamed or removed: (dialect of the file, section, keyword) -> advice.
    static func moved(_ section: String, _ keyword: String, dialect: Dialect?) -> String? {
        switch (section, keyword) {
        case (_, "on-disconnect"):
            return "'on-disconnect' is a DRBD 0.7 option, removed in 8.0 (DRBD reconnects by itself): remove it"
        case (_, "group"):
            return "'group' is a DRBD 0.7 option, removed in 8.0: write syncer { after RES; } (8.3) or disk { resync-after RES; } (8.4 and later)"
        case (_, "incon-degr-cmd"):
            return "'incon-degr-cmd' is a DRBD 0.7 option, removed in 8.0: write handlers { pri-on-incon-degr \"CMD\"; }"
        default: break
        }
        if dialect == .v9, let advice = removedIn9[section + "." + keyword] {
            return "\(section) { \(keyword) } is DRBD 8.4 syntax, not read by DRBD 9: \(advice)"
        }
        guard dialect != .v83 else { return nil }
        let to84: [String: String] = [
            "syncer.rate": "disk { resync-rate }", "syncer.after": "disk { resync-after }",
            "syncer.al-extents": "disk { al-extents }", "syncer.csums-alg": "net { csums-alg }",
            "syncer.verify-alg": "net { verify-alg }", "syncer.use-rle": "net { use-rle }",
            "syncer.cpu-mask": "options { cpu-mask }",
            "syncer.on-no-data-accessible": "options { on-no-data-accessible }",
            "syncer.c-plan-ahead": "disk { c-plan-ahead }", "syncer.c-delay-target": "disk { c-delay-target }",
            "syncer.c-fill-target": "disk { c-fill-target }", "syncer.c-max-rate": "disk { c-max-rate }",
            "syncer.c-min-rate": "disk { c-min-rate }",
            "disk.no-disk-barrier": "disk { disk-barrier no }", "disk.no-disk-flushes": "disk { disk-flushes no }",
            "disk.no-disk-drain": "disk { disk-drain no }", "disk.no-md-flushes": "disk { md-flushes no }",
            "disk.use-bmbv": "nothing (removed)", "net.no-tcp-cork": "net { tcp-cork no }",
        ]
        guard let to = to84["\(section).\(keyword)"] else { return nil }
        return "\(section) { \(keyword) } is DRBD 8.3 syntax, renamed in 8.4: write \(to)"
    }

    /// 8.4 options drbdadm 9 refuses (checked against drbdadm 9.x's parse errors).
    static let removedIn9: [String: String] = [
        "disk.fencing": "write net { fencing }", "disk.max-bio-bvecs": "remove it",
        "net.unplug-watermark": "remove it",
    ]

    /// Dialects whose keywords a file of `dialect` may use (nil: no marker, any dialect).
    /// A DRBD 9 file (node-id, connection, path) is held to 9's keywords.
    static func accepted(_ dialect: Dialect?) -> Set<Dialect> {
        switch dialect {
        case .v83?: return [.v83]
        case .v9?: return [.v9]
        // A file without a 9-only construct may be either: drbdadm 9 reads 8.4 files.
        case .v84?: return [.v84, .v9]
        case nil: return Set(Dialect.allCases)
        }
    }

    static func specs(_ section: String, _ dialects: Set<Dialect>) -> [OptionSpec] {
        OptionSpec.table.filter { $0.section == section && !dialects.isDisjoint(with: $0.dialects) }
    }

    /// Every finding for the options of one section (`resource` for statements outside one).
    static func check(section: String, _ st: Statement, dialect: Dialect?) -> [ConfigError] {
        if section == "handlers" { return [] }
        if let advice = moved(section, st.keyword, dialect: dialect) {
            return [ConfigError(st.location, "option '\(st.keyword)' is not valid in \(dialectName(dialect))", fix: advice)]
        }
        let known = specs(section, accepted(dialect))
        guard let spec = known.first(where: { $0.keyword == st.keyword }) else {
            let names = known.map(\.keyword) + (section == "resource" ? structural : [])
            let fix = fixFor(st.keyword, in: names)
            let place = section == "resource" ? "in a resource" : "in the \(section) section"
            return [ConfigError(st.location, "unknown option '\(st.keyword)' \(place) (\(dialectName(dialect)))", fix: fix)]
        }
        if st.block != nil {
            return [ConfigError(st.location, "option '\(st.keyword)' takes a value, not a { } section",
                                fix: "write: \(st.keyword) VALUE;")]
        }
        return OptionValue.check(spec, st).map { [$0] } ?? []
    }

    /// Resource-level keywords that are not options (for the nearest-keyword fix only).
    static let structural = ["on", "floating", "stacked-on-top-of", "device", "disk", "meta-disk",
                             "flexible-meta-disk", "volume", "connection", "connection-mesh",
                             "net", "startup", "options", "handlers", "syncer"]

    static func dialectName(_ d: Dialect?) -> String {
        guard let d else { return "any DRBD version" }
        return "a DRBD \(d.rawValue) configuration"
    }

    /// "did you mean X?" for a typo, else "remove it" naming the closest known keyword.
    static func fixFor(_ word: String, in names: [String]) -> String {
        if let n = nearest(word, in: names) { return "did you mean '\(n)'?" }
        guard let n = nearest(word, in: names, limit: Int.max) else { return "remove it" }
        return "remove it or write a known option (the closest is '\(n)'; see drbd.conf(5))"
    }

    /// The candidate with the smallest edit distance, if it is close enough to be a typo.
    static func nearest(_ word: String, in candidates: [String], limit: Int? = nil) -> String? {
        let w = Array(word)
        var best: (String, Int)?
        for c in Set(candidates).sorted() {
            let d = editDistance(w, Array(c))
            if d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        guard let (name, d) = best, d <= (limit ?? Swift.max(2, w.count / 2)) else { return nil }
        return name
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cur = row[j]
                row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}

/// Option statements gathered while interpreting, checked once the file's dialect is known.
struct OptionCollector {
    /// In file order: an option with its section, or an error found already (unknown section).
    private var pending: [(section: String, statement: Statement, error: ConfigError?)] = []

    /// A statement from a resource or `common`: an option (section `resource`) or a section.
    /// `strict`: an unknown section is an error (resource and common level only).
    mutating func add(_ st: Statement, strict: Bool = true) {
        guard let block = st.block else {
            if strict { pending.append(("resource", st, nil)) }
            return
        }
        if OptionCheck.sections.contains(st.keyword) {
            for o in block { pending.append((st.keyword, o, nil)) }
        } else if strict, !OptionCheck.unchecked.contains(st.keyword) {
            let names = Array(OptionCheck.sections) + OptionCheck.structural
            let fix = OptionCheck.fixFor(st.keyword, in: names)
            pending.append(("", st, ConfigError(st.location, "unknown section '\(st.keyword)'", fix: fix)))
        }
    }

    /// Every finding, for a file of `dialect` (nil when nothing in the file tells the version).
    func check(dialect: Dialect?) -> [ConfigError] {
        pending.flatMap { p in p.error.map { [$0] } ?? OptionCheck.check(section: p.section, p.statement, dialect: dialect) }
    }
}
