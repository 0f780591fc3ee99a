import DRBD
import Preflight

extension InputNames {
    /// The DRBD inputs as xg-scale's command line spells them: what a fix printed by `drbd check`,
    /// `drbd allocate` or `preflight` tells the user to pass.
    static let xgScale = InputNames(config: "--config", host: "--host", noLocal: "--no-local", hosts: "--hosts",
                                    address: "--address", portRange: "--port-range", disk: "--disk",
                                    meta: "--meta", allocate: "xg-scale drbd allocate")
}

extension PreflightInputNames {
    /// The preflight's inputs as xg-scale's command line spells them: what an error or a fix
    /// printed by `preflight`, `preflight-node` or `drbd ready` tells the user to pass or run.
    static let xgScale = PreflightInputNames(drbd: .xgScale, newFile: "--new", resource: "--resource",
                                             inventory: "--inventory", exec: "--exec", check: "xg-scale drbd check",
                                             coordinator: "xg-scale preflight")
}
