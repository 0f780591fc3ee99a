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
