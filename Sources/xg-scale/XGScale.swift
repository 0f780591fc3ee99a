import ArgumentParser

/// The root command. Not itself async, and not the entry point: see EntryPoint.swift.
struct XGScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xg-scale",
        abstract: "Keep a virtualization node's network redundant, and prove it.",
        discussion: """
            xg-scale renders and applies bond or STP-bridge setups for nodes with two uplinks \
            wired to two switches, shows the state that matters for redundancy, and checks \
            DRBD configurations before a resource is added.
            """,
        version: xgScaleVersion,
        subcommands: [
            Validate.self,
            Render.self,
            PlanCommand.self,
            ApplyCommand.self,
            Confirm.self,
            Rollback.self,
            Show.self,
            Drbd.self,
            PreflightCommand.self,
            PreflightNode.self,
            Watchdog.self,
            MonitorCommand.self,
            LabCommand.self,
            LabProbe.self,
        ]
    )
}

extension CommandConfiguration {
    /// A top-level leaf subcommand's configuration (apply, render, ...) with xg-scale as its super
    /// command. That changes only EntryPoint's parse of the leaf on its own, where the leaf is the
    /// root: ArgumentParser then skips its completion-script check (two extra parses of two extra
    /// types: -1.5 M instructions of a bench apply), and a completion request never reaches that
    /// parse anyway (EntryPoint.answeredByParser). In the full parse XGScale is the root and the
    /// field is not read.
    var topLevel: CommandConfiguration {
        var configuration = self
        configuration._superCommandName = XGScale.configuration.commandName
        return configuration
    }
}
