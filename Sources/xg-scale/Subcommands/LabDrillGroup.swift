// Stand-in for the `lab` command group until branch lab (LabCommand in Lab.swift) is merged:
// delete this file then, and add LabDrill.self to LabCommand's subcommands.
import ArgumentParser

extension XGScale {
    struct LabCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lab",
            abstract: "Rehearse a profile on the two-switch topology, built in network namespaces.",
            subcommands: [LabDrill.self])
    }
}
