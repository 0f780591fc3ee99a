/// Generated `apply` command lines for FastApply's tests: every option of apply in each way of
/// writing it (`--name value`, `--name=value`, before and after the profile), good values and
/// values ArgumentParser or ApplyCommand.validate refuse, missing values, repeats, combinations
/// of all options in rotating orders, and help, version, completion and malformed options.
/// The profile never exists, so a command line that parses stops at reading it.
enum ApplyCommandLines {
    static let profile = "/nonexistent/xg-scale-fast-args-test.yaml"
    static let inventory = "profiles/inventory.yaml"

    /// Values per valued option: accepted ones first, then refused ones.
    static let values: [(option: String, values: [String])] = [
        ("inventory", [inventory, "a=b", "-x", "", "help", "--node"]),
        ("node", ["dom0", "dom=0", "-", "", "--json"]),
        ("inventory-format", ["ansible", "xg-scale", "bogus", "Ansible", ""]),
        ("state-dir", ["/nonexistent/xg-scale-state", "rel", "--json", "", "-"]),
        ("confirm-within", ["5", "0.5", "86400", "1e3", ".5", "5.", "+5", "0x10", "0", "86401", "-5", "abc", "nan",
                            "inf", " 5", "5 ", "1_0", ""]),
        ("persist", ["interfaces", "networkd", "bogus", "Interfaces", ""]),
        ("persist-path", ["/x", "/", "/a b", "rel", "", "-x"]),
    ]
    static let flags = ["dry-run", "json"]

    /// What an option needs beside it to pass ApplyCommand.validate.
    static func context(_ option: String) -> [String] {
        switch option {
        case "inventory": return ["--node", "dom0"]
        case "node": return ["--inventory", inventory]
        case "inventory-format": return ["--inventory", inventory, "--node", "dom0"]
        case "persist-path": return ["--persist", "interfaces"]
        default: return []
        }
    }

    static var all: [[String]] { singles + flagLines + repeats + combinations + specific }

    /// Each valued option alone (with and without what it needs), in both forms, before and after
    /// the profile; and with its value missing.
    static var singles: [[String]] {
        var lines: [[String]] = []
        for (option, values) in values {
            let ctx = context(option)
            let name = "--" + option
            for v in values {
                let equals = name + "=" + v
                lines.append(["apply", profile, name, v] + ctx)
                lines.append(["apply", name, v, profile] + ctx)
                lines.append(["apply", profile, equals] + ctx)
                lines.append(["apply"] + ctx + [equals, profile])
                lines.append(["apply", profile, name, v])
            }
            lines.append(["apply", profile] + ctx + [name])
            lines.append(["apply", name, profile] + ctx)
            lines.append(["apply", profile, name + "="] + ctx)
        }
        return lines
    }

    static var flagLines: [[String]] {
        var lines: [[String]] = [["apply", profile, "--dry-run", "--json"], ["apply", "--json", "--dry-run", profile]]
        for f in flags.map({ "--" + $0 }) {
            lines += [["apply", profile, f], ["apply", f, profile], ["apply", profile, f + "=yes"],
                      ["apply", profile, f + "="], ["apply", profile, f, f], ["apply", f]]
        }
        return lines
    }

    /// Every option given twice, with the same and with another value.
    static var repeats: [[String]] {
        var lines: [[String]] = []
        for (option, values) in values {
            let name = "--" + option
            lines.append(["apply", profile, name, values[0], name, values[0]] + context(option))
            lines.append(["apply", profile, name + "=" + values[0], name, values[1]] + context(option))
        }
        return lines
    }

    /// Every subset of apply's options with good values, alternating forms, the arguments rotated
    /// by the subset's number (so the profile and each option come at every place).
    static var combinations: [[String]] {
        let good: [[String]] = [["--inventory", inventory], ["--node=dom0"], ["--inventory-format", "xg-scale"],
                                ["--state-dir=/nonexistent/s"], ["--dry-run"], ["--confirm-within", "30"],
                                ["--persist=networkd"], ["--persist-path", "/tmp/n"], ["--json"]]
        return (0..<(1 << good.count)).map { subset in
            let parts = [[profile]] + good.indices.filter { subset & (1 << $0) != 0 }.map { good[$0] }
            let shift = subset % parts.count
            return ["apply"] + (parts[shift...] + parts[..<shift]).flatMap { $0 }
        }
    }

    static let specific: [[String]] = [
        ["apply"], ["apply", profile, profile], ["apply", profile, "--bogus"], ["apply", profile, "--bogus=1"],
        ["apply", profile, "-h"], ["apply", profile, "--help"], ["apply", profile, "-help"], ["apply", "--help", profile],
        ["apply", "--", profile], ["apply", profile, "--"], ["apply", profile, "--", "--json"], ["apply", profile, "-d"],
        ["apply", profile, "-dj"], ["apply", "help"], ["apply", "help", profile], ["apply", profile, "help"],
        ["apply", profile, "--version"], ["apply", profile, "--experimental-dump-help"],
        ["apply", profile, "--generate-completion-script", "bash"], ["apply", profile, "--generate-completion-script=zsh"],
        ["apply", ""], ["apply", profile, ""], ["apply", "-"], ["apply", profile, "---json"], ["apply", profile, "--JSON"],
        ["apply", profile, "-json"], ["apply", profile, "--dry"], ["apply", profile, "--dry-run-x"], ["apply", profile, "--="],
        ["apply", profile, "--", ""], ["apply", profile, "--state-dir=a=b"], ["apply", profile, "--state-dir", "a=b"],
        ["apply", "--inventory=\(inventory)", "--node=a=b", profile], ["apply", "rel/profile=x.yaml"],
        ["apply", "/nonexistent/é ü.yaml", "--node", "nœud", "--inventory", "ïnv"], ["APPLY", profile],
        ["apply", profile, "--persist", "interfaces", "--persist-path", "/x", "--confirm-within", "120"],
        [profile, "apply"], ["render", profile], ["plan", profile],
        // Values that are the names of other commands (subcommands of the root, not of apply).
        ["apply", "render"], ["apply", "validate", "--dry-run"], ["apply", "drbd", "--json"],
        ["apply", profile, "--node", "apply", "--inventory", "plan"], ["apply", profile, "--state-dir", "lab"],
    ]
}
