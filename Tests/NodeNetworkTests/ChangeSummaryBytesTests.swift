// Apply's progress lines are written as bytes (`Change.appendSummary`), the JSON and the plan
// print `Change.summary`: the two must be the same text for every kind of step.
import Testing
import NodeNetwork

@Suite struct ChangeSummaryBytesTests {
    func bytes(_ change: Change) -> String {
        var b: [UInt8] = Array("x".utf8)
        change.appendSummary(to: &b)
        #expect(b.first == UInt8(ascii: "x"), "appends after what the buffer holds")
        return String(decoding: b.dropFirst(), as: UTF8.self)
    }

    @Test func everyStepReadsAsItsSummary() {
        let changes: [Change] = [
            .create(Interface(name: "vm1", kind: .veth, up: false, peer: "vm1-br")),
            .create(Interface(name: "xenbr0", kind: .bridge, up: false)),
            .delete(name: "old0"),
            .setBridge(name: "xenbr0", BridgeSettings(stp: true, priority: 4096, forwardDelay: 4)),
            .setBond(name: "bond0", BondSettings(mode: "active-backup", miimon: 100), sending: []),
            .setMaster(name: "vm1-br", master: "xenbr0"),
            .releaseMaster(name: "peth0"),
            .setPort(name: "peth0", BridgePortSettings(priority: 32, cost: 100)),
            .setUp(name: "vif0.0"), .setDown(name: "peth1"),
            .setMTU(name: "xenbr0", mtu: 1500), .setMTU(name: "lo", mtu: 65536), .setMTU(name: "a", mtu: 0),
            .setMTU(name: "b", mtu: 9), .setMTU(name: "c", mtu: 10), .setMTU(name: "d", mtu: -1),
            .addAddress(name: "veth0", address: "192.0.2.10/24"),
            .removeAddress(name: "veth0", address: "2001:db8::10/64"),
            .addRoute(Route(destination: "default", gateway: "192.0.2.1", device: "veth0")),
            .removeRoute(Route(destination: "default", gateway: "192.0.2.1")),
        ]
        for change in changes { #expect(bytes(change) == change.summary) }
    }

    @Test func theStepsWrittenStraightInReadAsTheIpCommand() {
        #expect(bytes(.setUp(name: "vm12")) == "set vm12 up")
        #expect(bytes(.setDown(name: "vm12-br")) == "set vm12-br down")
        #expect(bytes(.setMaster(name: "vm12-br", master: "xenbr0")) == "set vm12-br master xenbr0")
        #expect(bytes(.setMTU(name: "xenbr0", mtu: 1500)) == "set xenbr0 mtu 1500")
        #expect(bytes(.setMTU(name: "ü0", mtu: 100)) == "set ü0 mtu 100")
    }

    @Test func decimalsAreStringsDigits() {
        for v in [0, 1, 9, 10, 99, 100, 1500, 9000, 65535, 65536, 1_000_000, Int.max, -1, -42, Int.min] {
            var b: [UInt8] = []
            Change.appendDecimal(v, to: &b)
            #expect(String(decoding: b, as: UTF8.self) == String(v))
        }
    }
}
