// Plan edge paths: a slave released from a bond (the bonding driver closes a slave it releases,
// so the plan must bring it up again when the profile wants it up), and owned interfaces deleted
// together with what depends on them (peer, addresses, routes, ports).
import Testing
@testable import NodeNetwork

/// Index of the first change whose summary is `summary` (nil when absent).
private func step(_ changes: [Change], _ summary: String) -> Int? {
    changes.firstIndex { $0.summary == summary }
}

@Suite struct PlanEdgeTests {
    /// A bond node moving to STP: the owned bond goes first; its former slaves become bridge
    /// ports and are up at the end (deleting the bond closed them).
    @Test func slavesOfADeletedBondEndUpAsBridgePorts() throws {
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, up: true, master: "bond0"),
            Interface(name: "peth1", kind: .device, up: true, master: "bond0"),
            Interface(name: "bond0", kind: .bond, up: true, master: "xenbr0", bond: BondSettings(mode: "active-backup")),
            Interface(name: "xenbr0", kind: .bridge, up: true, bridge: BridgeSettings(stp: true)),
        ])
        let desired = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "xenbr0"),
            Interface(name: "peth1", kind: .device, master: "xenbr0"),
            Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true)),
        ])
        let changes = try Plan.changes(from: current, to: desired, owned: ["bond0", "xenbr0"])
        #expect(changes.first == .delete(name: "bond0"), "\(changes.map(\.summary))")
        for port in ["peth0", "peth1"] {
            let master = try #require(step(changes, "set \(port) master xenbr0"), "\(changes.map(\.summary))")
            let up = try #require(step(changes, "set \(port) up"), "\(port) is left down: \(changes.map(\.summary))")
            #expect(master < up)
        }
        #expect(!changes.contains(.delete(name: "xenbr0")))
    }

    /// A slave the profile takes out of its bond: released, then up (as the profile says), or
    /// left as the release leaves it (closed) when the profile wants it down.
    @Test(arguments: [true, false])
    func aSlaveReleasedFromABondEndsAsTheProfileSays(_ wantUp: Bool) throws {
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, up: true, master: "bond0"),
            Interface(name: "peth1", kind: .device, up: true, master: "bond0"),
            Interface(name: "bond0", kind: .bond, up: true, bond: BondSettings(mode: "active-backup")),
        ])
        let desired = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "bond0"),
            Interface(name: "peth1", kind: .device, up: wantUp),
            Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "active-backup")),
        ])
        let changes = try Plan.changes(from: current, to: desired)
        let release = try #require(step(changes, "set peth1 nomaster"), "\(changes.map(\.summary))")
        if wantUp {
            let up = try #require(step(changes, "set peth1 up"), "released peth1 left down: \(changes.map(\.summary))")
            #expect(release < up)
        } else {
            #expect(step(changes, "set peth1 up") == nil, "\(changes.map(\.summary))")
        }
        // The slave that stays is not touched, nor the bond.
        #expect(changes.filter { $0.interfaceName != "peth1" }.isEmpty, "\(changes.map(\.summary))")
    }

    /// An owned veth pair the profile no longer wants: deleted once (the peer goes with it),
    /// with no step on its port end, its addresses or the route through it; the new default
    /// route is added without removing the one that left with the link.
    @Test func anOwnedVethPairGoesWithItsPortAddressesAndRoute() throws {
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "xenbr0", port: BridgePortSettings(priority: 32, cost: 2)),
            Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true)),
            Interface(name: "veth0", kind: .veth, addresses: ["192.0.2.10/24"], peer: "vif0.0"),
            Interface(name: "vif0.0", kind: .veth, master: "xenbr0", peer: "veth0",
                      port: BridgePortSettings(priority: 32, cost: 2)),
        ], routes: [Route(destination: "default", gateway: "192.0.2.1", device: "veth0")])
        let desired = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "xenbr0"),
            Interface(name: "xenbr0", kind: .bridge, addresses: ["192.0.2.10/24"], bridge: BridgeSettings(stp: true)),
        ], routes: [Route(destination: "default", gateway: "192.0.2.1", device: "xenbr0")])
        let changes = try Plan.changes(from: current, to: desired, owned: ["veth0", "vif0.0", "xenbr0"])
        let deletes = changes.filter { $0.action == "delete" }
        #expect(deletes.count == 1 && ["veth0", "vif0.0"].contains(deletes.first?.interfaceName ?? ""), "\(changes.map(\.summary))")
        #expect(changes.first?.action == "delete")
        #expect(!changes.dropFirst().contains { ["veth0", "vif0.0"].contains($0.interfaceName ?? "") },
                "no step on a deleted link: \(changes.map(\.summary))")
        #expect(!changes.contains { $0.action == "remove-route" }, "the old route left with veth0")
        #expect(changes.contains(.addRoute(Route(destination: "default", gateway: "192.0.2.1", device: "xenbr0"))))
        #expect(changes.contains(.addAddress(name: "xenbr0", address: "192.0.2.10/24")))
    }

    /// Interfaces the plan did not create and the profile does not name are never deleted,
    /// even when they hang off an owned bridge; owned ones that are still wanted stay.
    @Test func onlyOwnedAndUnwantedInterfacesAreDeleted() throws {
        let current = NetworkState(interfaces: [
            Interface(name: "oldbr", kind: .bridge, bridge: BridgeSettings(stp: false)),
            Interface(name: "vm9", kind: .veth, master: "oldbr", peer: "vm9-br"),
            Interface(name: "vm9-br", kind: .veth, peer: "vm9"),
            Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true)),
        ])
        let desired = NetworkState(interfaces: [Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true))])
        let changes = try Plan.changes(from: current, to: desired, owned: ["oldbr", "xenbr0"])
        #expect(changes == [.delete(name: "oldbr")])
    }
}
