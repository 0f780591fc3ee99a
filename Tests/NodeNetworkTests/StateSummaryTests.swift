import Testing
@testable import NodeNetwork

func other(_ name: String, _ kernelKind: String, master: String? = nil) -> Interface {
    var i = Interface(name: name, kind: .other, master: master)
    i.kernelKind = kernelKind
    return i
}

@Suite struct StateSummaryTests {
    let state = NetworkState(interfaces: [
        other("lo", "loopback"),
        other("tap0", "tun", master: "xenbr0"),
        other("tun9", "tun"),
        Interface(name: "xenbr0", kind: .bridge,
                  bridge: BridgeSettings(stp: true, priority: 32768, forwardDelay: 4, helloTime: 1.5,
                                         maxAge: 6, bridgeID: "8000.aa", rootID: "1000.bb", rootPort: 2)),
        Interface(name: "peth0", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(priority: 32, cost: 100, state: .forwarding), carrier: true),
        Interface(name: "peth1", kind: .device, up: false, master: "xenbr0",
                  port: BridgePortSettings(state: .disabled), operstate: "down", carrier: false),
        Interface(name: "bond0", kind: .bond,
                  bond: BondSettings(mode: "active-backup", miimon: 100, primary: "eth2", activeSlave: "eth3")),
        Interface(name: "eth3", kind: .device, master: "bond0",
                  slave: BondSlaveSettings(state: "active", miiStatus: "up", linkFailureCount: 2)),
    ], routes: [Route(destination: "default", gateway: "192.0.2.1", device: "xenbr0"),
                Route(destination: "default", gateway: "198.51.100.1", device: "tun9")])

    @Test func relevantKeepsRedundancyLinksAndTheirMastersOnly() {
        let kept = state.redundancyRelevant()
        #expect(kept.interfaces.map(\.name) == ["xenbr0", "peth0", "peth1", "bond0", "eth3"])
        #expect(kept.routes.map(\.gateway) == ["192.0.2.1"])
    }

    @Test func summaryIsATreeWithOnlyWhatIsKnown() {
        let lines = state.redundancyRelevant().summaryText().split(separator: "\n").map(String.init)
        #expect(lines == [
            "xenbr0          bridge  up  stp on  prio 32768  forward-delay 4s hello 1.5s max-age 6s  root 1000.bb via port 2",
            "  peth0         device  up  carrier  stp forwarding  prio 32  cost 100",
            "  peth1         device  down  no-carrier  stp disabled",
            "bond0           bond  up  active-backup  active eth3  primary eth2  miimon 100",
            "  eth3          device  up  active  mii up  failures 2",
            "default via 192.0.2.1 dev xenbr0",
        ])
    }
}
