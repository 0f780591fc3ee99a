// How the caller's user names the inputs a preflight text points to. The engine knows no command
// line, as the DRBD core knows none (DRBD's InputNames): a fix says "pass an existing file with
// \(inventory)", and the caller decides whether that reads "--inventory" (the CLI hands in its
// flags) or a parameter of another front end (an Ansible module, say).
import DRBD

/// The name, as the caller's user spells it, of each input a preflight error or fix may point
/// to. `plain` names them in the engine's own words.
public struct PreflightInputNames: Sendable, Hashable {
    /// The DRBD inputs (the configuration file, this node's host name, …), also handed to the
    /// DRBD core for its own texts.
    public var drbd: InputNames
    /// A resource file not yet installed, checked with the configuration.
    public var newFile: String
    /// A resource to check alone.
    public var resource: String
    /// The inventory whose node vars say how to reach each node.
    public var inventory: String
    /// The command template that runs the node side instead of ssh.
    public var exec: String
    /// What lists every problem of a DRBD configuration, followed by `drbd.config` and the file.
    public var check: String
    /// What starts the node side (the coordinator).
    public var coordinator: String

    public init(drbd: InputNames, newFile: String, resource: String, inventory: String, exec: String,
                check: String, coordinator: String) {
        self.drbd = drbd; self.newFile = newFile; self.resource = resource; self.inventory = inventory
        self.exec = exec; self.check = check; self.coordinator = coordinator
    }

    /// The engine's own words, for a caller that names nothing.
    public static let plain = PreflightInputNames(drbd: .plain, newFile: "new", resource: "resource",
                                                  inventory: "inventory", exec: "exec", check: "check",
                                                  coordinator: "preflight")
}
