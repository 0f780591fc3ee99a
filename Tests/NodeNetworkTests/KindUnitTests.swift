import Testing
@testable import NodeNetwork

/// The per-kind units of NodeNetwork (Sources/NodeNetwork/Kinds): every kind has exactly one,
/// and the shared renders and planner reach each kind's part through it.
@Suite struct KindUnitTests {
    @Test func everyKindHasItsOwnUnitListedOnce() {
        for kind in InterfaceKind.allCases {
            #expect(kind.unit.kind == kind, "InterfaceKind.\(kind).unit is the unit of \(kind.unit.kind)")
            #expect(InterfaceKinds.all.filter { $0.kind == kind }.count == 1,
                    "\(kind) must be listed once in InterfaceKinds.all (the renders iterate it)")
        }
    }

    /// A veth pair listed port end first (as a state read back or restored may list it) is
    /// still created once, from the free end, with each end's MTU where its consumer reads it.
    @Test func vethPairListedPortEndFirstIsWrittenOnceFromTheFreeEnd() throws {
        let state = NetworkState(interfaces: [
            Interface(name: "vif0.0", kind: .veth, master: "xenbr0", mtu: 9000, peer: "veth0"),
            Interface(name: "veth0", kind: .veth, mtu: 9000, addresses: ["192.0.2.10/24"], peer: "vif0.0"),
            Interface(name: "xenbr0", kind: .bridge, mtu: 9000, bridge: BridgeSettings(stp: false)),
        ])
        let ip = Renderer.ipBatch(state, source: "test").split(separator: "\n").map(String.init)
        #expect(ip.filter { $0.contains("type veth") } == ["link add name veth0 mtu 9000 type veth peer name vif0.0 mtu 9000"])
        #expect(ip.firstIndex(of: "link add name veth0 mtu 9000 type veth peer name vif0.0 mtu 9000")!
                < ip.firstIndex(of: "link set dev vif0.0 master xenbr0")!)

        let files = Renderer.networkd(state, source: "test")
        let netdevs = files.filter { $0.name.hasSuffix(".netdev") }.map(\.name)
        #expect(netdevs == ["10-veth0.netdev", "10-xenbr0.netdev"])
        let pair = try #require(files.first { $0.name == "10-veth0.netdev" }).contents
        #expect(pair.contains("[NetDev]\nName=veth0\nKind=veth\nMTUBytes=9000\n\n[Peer]\nName=vif0.0\n"))
        // [Peer] takes no MTU: the port end's MTU is in its .network, the free end's is not.
        let port = try #require(files.first { $0.name == "20-vif0.0.network" }).contents
        #expect(port.contains("[Link]\nMTUBytes=9000\n"))
        #expect(port.contains("Bridge=xenbr0\n"))
        let free = try #require(files.first { $0.name == "30-veth0.network" }).contents
        #expect(!free.contains("MTUBytes"))
    }

    /// A bond slave goes down in a step of its own before it joins (the bond unit says so);
    /// a bridge port does not.
    @Test func onlyBondSlavesGoDownBeforeJoining() throws {
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, up: true, mtu: 1500),
            Interface(name: "peth1", kind: .device, up: true, mtu: 1500),
        ])
        let bond = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "bond0", mtu: 1500),
            Interface(name: "peth1", kind: .device, master: "bond0", mtu: 1500),
            Interface(name: "bond0", kind: .bond, mtu: 1500, bond: BondSettings(mode: "active-backup")),
        ])
        let bondPlan = try Plan.changes(from: current, to: bond)
        let down = try #require(bondPlan.firstIndex(of: .setDown(name: "peth0")))
        let join = try #require(bondPlan.firstIndex(of: .setMaster(name: "peth0", master: "bond0")))
        #expect(down < join)

        var bridge = bond
        bridge.interfaces[2] = Interface(name: "bond0", kind: .bridge, mtu: 1500, bridge: BridgeSettings(stp: true))
        let bridgePlan = try Plan.changes(from: current, to: bridge)
        #expect(bridgePlan.contains(.setMaster(name: "peth0", master: "bond0")))
        #expect(!bridgePlan.contains(.setDown(name: "peth0")))
    }
}
