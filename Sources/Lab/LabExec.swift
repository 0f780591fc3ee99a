// `lab exec LAB TARGET -- CMD…`: CMD replaces this process under `ip netns exec` in the
// target's namespace (a node, NODE-vm, switch1 or switch2), so every thread of it is inside,
// stdin/stdout pass straight through and its exit status is the caller's.
import Foundation
import SystemIO

extension LabEngine {
    /// The namespace of `target` in the lab, or an error listing the valid targets.
    public static func namespace(of target: String, store: LabStore) throws -> String {
        guard let state = try store.load() else {
            throw LabError("no lab named '\(store.name)' (no \(store.statePath)): start one with `xg-scale lab up --name \(store.name)`")
        }
        var targets: [(String, String)] = state.switches.map { ($0.name, $0.namespace) }
        for n in state.nodes { targets += [(n.name, n.namespace), (n.name + "-vm", n.vmNamespace)] }
        guard let ns = targets.first(where: { $0.0 == target })?.1 else {
            throw LabError("lab '\(store.name)' has no node '\(target)': use one of \(targets.map(\.0).joined(separator: ", "))")
        }
        guard try existingNamespaces().contains(ns) else {
            throw LabError("the namespace \(ns) of '\(target)' does not exist (lab '\(store.name)' is \(state.phase == "up" ? "broken" : "not fully up")): run `xg-scale lab down --name \(store.name)` and `lab up` again")
        }
        return ns
    }

    /// Replace this process with `command` inside `namespace` (through SystemIO's Exec);
    /// returns only on failure.
    public static func exec(_ command: [String], in namespace: String) -> LabError {
        LabError(Exec.replace(with: [Command.ip, "netns", "exec", namespace] + command).summary)
    }
}
