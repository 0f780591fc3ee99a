// Values of drbd.conf options checked by type, range, unit and enum, as drbdsetup would.

enum OptionValue {
    static let booleans: Set<String> = ["yes", "no", "on", "off", "true", "false"]

    static func check(_ spec: OptionSpec, _ st: Statement) -> ConfigError? {
        let args = st.arguments
        let at = args.first?.location ?? st.location
        switch spec.kind {
        case .boolean:
            if args.isEmpty { return nil }
            if args.count == 1, booleans.contains(args[0].text) { return nil }
            return ConfigError(at, "\(st.keyword) takes yes or no, not '\(joined(args))'",
                               fix: "write: \(st.keyword) yes; or \(st.keyword) no;")
        case .string:
            if !args.isEmpty { return nil }
            return ConfigError(st.location, "\(st.keyword) needs a value", fix: "write: \(st.keyword) VALUE;")
        case .handler:
            if args.count == 1, spec.values.contains(args[0].text) { return nil }
            let list = spec.values.joined(separator: ", ")
            let near = args.count == 1 ? OptionCheck.nearest(args[0].text, in: spec.values) : nil
            return ConfigError(at, "\(st.keyword) takes one of \(list), not '\(joined(args))'",
                               fix: "write: \(st.keyword) \(near ?? spec.values.first ?? "VALUE");")
        case .numeric, .numericOrSymbol:
            if spec.kind == .numericOrSymbol, args.count == 1, spec.values.contains(args[0].text) { return nil }
            return number(spec, st, at: at)
        }
    }

    static func joined(_ w: [Word]) -> String { w.map(\.text).joined(separator: " ") }

    /// Bytes per unit letter, as drbdadm reads `10M`, `512K`, `8s`.
    static func scale(_ u: Character) -> Int? {
        switch u {
        case "k", "K": return 1 << 10
        case "m", "M": return 1 << 20
        case "g", "G": return 1 << 30
        case "s": return 512
        default: return nil
        }
    }

    static func unitName(_ unit: String) -> String {
        switch unit {
        case "K": return " KiB"
        case "s": return " sectors"
        default: return ""
        }
    }

    private static func number(_ spec: OptionSpec, _ st: Statement, at: SourceLocation) -> ConfigError? {
        let range = "\(spec.min.map(String.init) ?? "?")...\(spec.max.map(String.init) ?? "?")\(unitName(spec.unit))"
        let example = "write: \(st.keyword) \(spec.min ?? 0);"
        guard st.arguments.count == 1 else {
            return ConfigError(at, "\(st.keyword) takes one number (\(range))", fix: example)
        }
        var text = Substring(st.arguments[0].text)
        var suffix: Character?
        if let last = text.last, !last.isNumber { suffix = last; text = text.dropLast() }
        guard let n = Int(text) else {
            return ConfigError(at, "\(st.keyword) takes a number (\(range)), not '\(st.arguments[0].text)'", fix: example)
        }
        var value = n
        if let suffix {
            guard let bytes = scale(suffix) else {
                return ConfigError(at, "\(st.keyword): unknown unit '\(suffix)' in '\(st.arguments[0].text)'",
                                   fix: "use a unit of K, M, G or s (sectors), or none: \(st.keyword) \(n);")
            }
            let base = spec.unit == "K" ? 1024 : spec.unit == "s" ? 512 : 1
            let (m, overflow) = n.multipliedReportingOverflow(by: bytes)
            value = overflow ? Int.max : m / base
        }
        if let lo = spec.min, value < lo {
            return ConfigError(at, "\(st.keyword) \(st.arguments[0].text) is below the minimum (\(range))", fix: "write: \(st.keyword) \(lo);")
        }
        if let hi = spec.max, value > hi {
            return ConfigError(at, "\(st.keyword) \(st.arguments[0].text) is above the maximum (\(range))", fix: "write: \(st.keyword) \(hi)\(spec.unit == "1" ? "" : spec.unit);")
        }
        return nil
    }
}
