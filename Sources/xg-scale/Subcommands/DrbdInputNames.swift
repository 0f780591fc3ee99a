import DRBD

extension InputNames {
    /// The DRBD inputs as xg-scale's command line spells them: what a fix printed by `drbd check`,
    /// `drbd allocate` or `preflight` tells the user to pass.
    static let xgScale = InputNames(config: "--config", host: "--host", noLocal: "--no-local", hosts: "--hosts",
                                    address: "--address", portRange: "--port-range", disk: "--disk",
                                    meta: "--meta", allocate: "xg-scale drbd allocate")
}
