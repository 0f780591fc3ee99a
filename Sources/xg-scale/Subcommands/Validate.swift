import ArgumentParser
import NodeNetwork

extension XGScale {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check a profile (and inventory) and report every problem at once.",
            discussion: """
                Reads PROFILE, fills ${NAME} from the inventory's node when --inventory and --node \
                are given, and checks the whole schema: unknown keys, types, ranges, interface \
                names, bond mode rules, STP settings, addresses. Each problem is printed on stderr \
                as FILE:LINE:COL: error: WHAT (fix: HOW). Warnings (advice the kernel does not \
                enforce, such as the IEEE 802.1D timer relations) are printed but do not fail. \
                The first 50 diagnostics are printed, then "and N more diagnostics (validate \
                --json lists all)".

                Every value must be one word every render can carry: no control characters \
                (newline, tab, NUL), no whitespace, no '#'; addresses are compared canonically \
                (one IPv6 address in two spellings is a duplicate). The profile and inventory \
                are read only when they are regular files of at most 16 MiB (a FIFO or device \
                is refused at once). validate and render read any such file; as root, apply, \
                plan and monitor also refuse one writable by others (see xg-scale-profile(5)).

                Exit status: 0 and "PROFILE: ok" on stdout when the profile is valid, 1 otherwise \
                (nothing on stdout).

                --json prints, valid or not, {"valid": BOOL, "diagnostics": [{"file", "line", \
                "column", "severity" (error|warning), "message", "fix"}]} on stdout and nothing on \
                stderr; the exit status is the same.

                Examples:
                  xg-scale validate profiles/bond-802.3ad.yaml
                  xg-scale validate site.yaml --json | jq -r '.diagnostics[].message'
                  cd profiles
                  xg-scale validate stp-two-switches.yaml \\
                      --inventory inventory.yaml --node dom0
                """).topLevel

        @OptionGroup var input: ProfileInput

        @Flag(help: "Print the result and every diagnostic as JSON on stdout.")
        var json = false

        func run() throws {
            guard json else {
                _ = try input.load(trust: .any)
                print("\(input.profile): ok")
                return
            }
            let report: ValidationReport
            do {
                report = ValidationReport(valid: true, diagnostics: try input.read(trust: .any).warnings)
            } catch {
                report = ValidationReport(valid: error.errors.isEmpty, diagnostics: error.diagnostics)
            }
            print(try JSONOutput.string(report), terminator: "")
            if !report.valid { throw ExitCode.failure }
        }
    }

    /// `validate --json`: the verdict and every diagnostic, sorted by place.
    struct ValidationReport: Encodable {
        var valid: Bool
        var diagnostics: [Diagnostic]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(valid, forKey: .valid)
            try c.encode(diagnostics.map(Entry.init), forKey: .diagnostics)
        }

        enum Keys: String, CodingKey { case valid, diagnostics }

        struct Entry: Encodable {
            var file: String, line: Int, column: Int, severity: String, message: String, fix: String?
            init(_ d: Diagnostic) {
                file = d.location.file; line = d.location.line; column = d.location.column
                severity = d.severity.rawValue; message = d.message; fix = d.fix
            }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(file, forKey: .file); try c.encode(line, forKey: .line)
                try c.encode(column, forKey: .column); try c.encode(severity, forKey: .severity)
                try c.encode(message, forKey: .message); try c.encode(fix, forKey: .fix)
            }
            enum CodingKeys: String, CodingKey { case file, line, column, severity, message, fix }
        }
    }
}
