/// A plain `apply` command line, read without ArgumentParser: its parse of ApplyCommand reflects
/// the type with Mirror and looks up ~60 protocol conformances for the first time, each a scan of
/// the whole binary (~10 M of a bench apply's ~40 M user-space instructions).
///
/// Strict: it accepts only what it is sure ArgumentParser reads the same way, and declines
/// (nil) anything else, which then takes ArgumentParser's parse, so every error text, help and
/// exit status stays ArgumentParser's. Accepted: `apply`, then, in any order, one profile and
/// apply's own options, each at most once, written `--name value` or `--name=value` (flags
/// `--name`), every value non-empty, not starting with '-', and converted by the same
/// `init?(argument:)` ArgumentParser calls; ApplyCommand.validate's checks must pass too (a
/// failure is left to ArgumentParser, which runs the same checks and prints the usage with it).
/// FastApplyTests hold it to ArgumentParser's parse, field by field, and to its option names.
enum FastApply {
    static func parse(_ arguments: [String]) -> ApplyArguments? {
        guard arguments.first == "apply" else { return nil }
        var parsed = ApplyArguments(source: ProfileSource(profile: ""))
        var seen: [ApplyArguments.Option] = []
        var i = 1
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            guard plain(argument) else {
                // An option: `--name`, `--name=value`, or `--name` then its value.
                guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
                let body = argument.dropFirst(2)
                let equals = body.firstIndex(of: "=")
                guard let option = ApplyArguments.Option(rawValue: String(body[..<(equals ?? body.endIndex)])),
                      !seen.contains(option) else { return nil }
                seen.append(option)
                var value: String?
                if let equals {
                    guard !option.isFlag else { return nil }
                    value = String(body[body.index(after: equals)...])
                } else if !option.isFlag {
                    guard i < arguments.count else { return nil }
                    value = arguments[i]
                    i += 1
                }
                if let value, !plain(value) { return nil }
                guard option.store(value, in: &parsed) else { return nil }
                continue
            }
            guard parsed.source.profile.isEmpty else { return nil }
            parsed.source.profile = argument
        }
        guard !parsed.source.profile.isEmpty, (try? parsed.validate()) != nil else { return nil }
        return parsed
    }

    /// A value or positional argument ArgumentParser surely takes as such: not empty, no leading
    /// '-' (an option, `--`, a negative number), not `help` (a subcommand name where a command
    /// has its help subcommand).
    static func plain(_ argument: String) -> Bool {
        !argument.isEmpty && !argument.hasPrefix("-") && argument != "help"
    }
}
