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
                enforce, such as the IEEE 802.1D timer relations) are printed but do not fail.

                Exit status: 0 and "PROFILE: ok" on stdout when the profile is valid, 1 otherwise \
                (nothing on stdout).

                Examples:
                  xg-scale validate profiles/bond-802.3ad.yaml
                  cd profiles
                  xg-scale validate stp-two-switches.yaml \\
                      --inventory inventory.yaml --node dom0
                """)

        @OptionGroup var input: ProfileInput

        func run() throws {
            _ = try input.load()
            print("\(input.profile): ok")
        }
    }
}
