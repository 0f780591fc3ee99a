// The apply tests' second witness: the namespace read with iproute2 and sysfs (TestSupport's
// KernelView), never through xg-scale's own reader. A bug shared by `show` and the planner
// cannot pass both this and `comparable()`.
import Foundation
import Testing
import TestSupport
import NodeNetwork

extension Lab {
    /// The namespace as iproute2 and sysfs see it.
    func kernel() throws -> KernelView { try KernelView.read(ns) }

    /// What a user compares before/after, read independently: per link its kind, up, master,
    /// MTU, veth peer, global addresses, bridge STP settings and port priority/cost (from
    /// `ip -d`, `bridge link` and sysfs), and the default routes. No counters, MACs or STP port
    /// states (they change on their own).
    func kernelComparable() throws -> String {
        let k = try kernel()
        var out: [String] = []
        for l in k.links.values.sorted(by: { $0.name < $1.name }) {
            var line = "\(l.name) kind=\(l.kind ?? "-") up=\(l.up) master=\(l.master ?? "-") mtu=\(l.mtu)"
            line += " peer=\(l.peer ?? "-") addresses=\(l.addresses)"
            if let b = l.bridge {
                let s = try KernelView.sysfs(ns, l.name, "bridge")
                line += " stp=\(b.stp) prio=\(b.priority) fd=\(b.forwardDelay) hello=\(b.helloTime) maxage=\(b.maxAge)"
                line += " sysfs=\(s["stp_state"] ?? "?")/\(s["priority"] ?? "?")/\(s["forward_delay"] ?? "?")/\(s["hello_time"] ?? "?")/\(s["max_age"] ?? "?")"
            }
            if let p = l.port { line += " port-prio=\(p.priority) cost=\(p.cost)" }
            out.append(line)
        }
        out += k.defaultRoutes.sorted().map { "default via \($0)" }
        return out.joined(separator: "\n")
    }

    /// The desired state of a profile (example name or path), for node dom0 of the example inventory.
    func desired(_ path: String) throws -> NetworkState {
        let dir = packageRoot().appendingPathComponent("profiles")
        let file = path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path)
        let inventory = try Inventory.parse(text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8),
                                            file: "inventory.yaml")
        return try ProfileLoader.load(text: String(contentsOf: file, encoding: .utf8), file: file.lastPathComponent,
                                      variables: inventory.variables(forNode: "dom0")).profile.desiredState()
    }

    /// Expect the kernel, read independently (ip, bridge, sysfs), to hold exactly what `profile` asks for.
    func expectKernelHolds(_ profile: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let differences = try kernel().differences(from: desired(profile), sysfsFrom: ns)
        #expect(differences.isEmpty, "kernel differs from \(profile):\n\(differences.joined(separator: "\n"))",
                sourceLocation: sourceLocation)
    }
}
