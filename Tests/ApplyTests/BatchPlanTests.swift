// Which steps are pipelined together (sent in one sendmsg): pure, no root. A batch must hold
// only units that do not depend on each other succeeding.
import Foundation
import Testing
import Apply
import NodeNetwork

@Suite struct BatchPlanTests {
    let uplinks = NetworkState(interfaces: [
        Interface(name: "peth0", kind: .device, up: false, mtu: 1500),
        Interface(name: "peth1", kind: .device, up: false, mtu: 1500),
    ])

    /// The plan of stp-two-switches.yaml from nothing (as `xg-scale plan` prints it).
    var fromNothing: [Change] {
        [.create(Interface(name: "xenbr0", kind: .bridge, up: false)),
         .create(Interface(name: "veth0", kind: .veth, up: false, peer: "vif0.0")),
         .setMaster(name: "peth0", master: "xenbr0"), .setMaster(name: "peth1", master: "xenbr0"),
         .setMaster(name: "vif0.0", master: "xenbr0"),
         .setPort(name: "peth0", BridgePortSettings(priority: 32, cost: 100)),
         .setPort(name: "peth1", BridgePortSettings(priority: 32, cost: 200)),
         .setMTU(name: "xenbr0", mtu: 1500), .setMTU(name: "veth0", mtu: 1500), .setMTU(name: "vif0.0", mtu: 1500),
         .setUp(name: "peth0"), .setUp(name: "peth1"), .setUp(name: "vif0.0"), .setUp(name: "xenbr0"), .setUp(name: "veth0"),
         .addAddress(name: "veth0", address: "192.0.2.10/24"), .addAddress(name: "veth0", address: "2001:db8::10/64"),
         .addRoute(Route(destination: "default", gateway: "192.0.2.1", device: "veth0"))]
    }

    func batches(_ changes: [Change], before: NetworkState) -> [[[Int]]] {
        ApplyEngine.batches(ApplyEngine.units(changes, before: before), of: changes, before: before)
    }

    @Test func independentStepsGoTogetherAndEveryDependencyEndsABatch() {
        let b = batches(fromNothing, before: uplinks)
        #expect(b == [
            [[0]],                          // the bridge, before anything joins it
            [[1, 4, 8, 9, 12], [2], [3]],   // veth pair (master, MTUs, up in its request), both uplinks join
            [[5], [6]],                     // port settings of the enslaved uplinks
            [[7]],                          // bridge MTU (its ports' enslaving may change it)
            [[10], [11]],                   // uplinks up: they depend on their master's MTU step
            [[13], [14]],                   // bridge up, veth0 up
            [[15]], [[16]],                 // two addresses of one interface: one after the other
            [[17]],                         // the route stands alone
        ])
        // Every step is in exactly one unit, in plan order within a unit.
        #expect(b.joined().joined().sorted() == Array(fromNothing.indices))
    }

    @Test func manyGuestPortsOfOneBridgeGoInOneBatch() {
        var changes: [Change] = [.create(Interface(name: "xenbr0", kind: .bridge, up: false))]
        for n in 1...63 { changes.append(.create(Interface(name: "vm\(n)", kind: .veth, up: false, peer: "vm\(n)-br"))) }
        for n in 1...63 { changes.append(.setMaster(name: "vm\(n)-br", master: "xenbr0")) }
        changes.append(.setUp(name: "xenbr0"))
        let b = batches(changes, before: uplinks)
        #expect(b.count == 3)
        #expect(b[1].count == 63, "the 63 veth creates, each carrying its bridge master, in one batch")
        #expect(b[2] == [[127]])
    }

    @Test func aMasterDeletedOrChangedIsABoundary() {
        let before = NetworkState(interfaces: uplinks.interfaces + [
            Interface(name: "br0", kind: .bridge, up: true),
            Interface(name: "vif1", kind: .veth, up: true, master: "br0", peer: "vm1"),
            Interface(name: "vm1", kind: .veth, up: true, peer: "vif1"),
        ])
        // Deleting br0 releases vif1: enslaving vif1 elsewhere must wait for it.
        let changes: [Change] = [.delete(name: "br0"), .setMaster(name: "vif1", master: "xenbr0"), .setMTU(name: "vm1", mtu: 1400)]
        #expect(batches(changes, before: before) == [[[0]], [[1], [2]]])
        // Releasing from br0 and changing br0 itself: one after the other.
        let release: [Change] = [.releaseMaster(name: "vif1"), .setBridge(name: "br0", BridgeSettings(stp: true)), .setUp(name: "peth0")]
        #expect(batches(release, before: before) == [[[0]], [[1], [2]]])
    }

    @Test func aBondChangeOfSeveralRequestsStandsAlone() {
        let before = NetworkState(interfaces: uplinks.interfaces + [Interface(name: "bond0", kind: .bond, up: false)])
        let bond = BondSettings(mode: "802.3ad")
        let changes: [Change] = [.setUp(name: "peth0"), .setBond(name: "bond0", bond, sending: [[.mode], [.lacpRate]]),
                                 .setUp(name: "peth1"), .setMTU(name: "peth0", mtu: 1400)]
        #expect(batches(changes, before: before) == [[[0]], [[1]], [[2], [3]]])
    }
}
