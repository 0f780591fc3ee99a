import Foundation
import NodeNetwork
@testable import MonitorCore

/// The seed's STP layout: bridge xenbr0 (STP on) with uplinks peth0 and peth1 and the host's
/// veth peer, plus a VM port.
func stpNode(peth0 carrier0: Bool = true, peth1 carrier1: Bool = true,
             state0: PortSTPState = .forwarding, state1: PortSTPState = .blocking,
             counts0: (Int, Int) = (1, 0), counts1: (Int, Int) = (1, 0),
             rootID: String = "8000.aa:00:00:00:00:01", tcCount: Int = 0) -> NetworkState {
    NetworkState(interfaces: [
        Interface(name: "xenbr0", kind: .bridge,
                  bridge: BridgeSettings(stp: true, rootID: rootID, topologyChange: false,
                                         topologyChangeCount: tcCount),
                  operstate: "up", carrier: true),
        Interface(name: "peth0", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(state: state0), operstate: carrier0 ? "up" : "down",
                  carrier: carrier0, carrierUpCount: counts0.0, carrierDownCount: counts0.1),
        Interface(name: "peth1", kind: .device, master: "xenbr0",
                  port: BridgePortSettings(state: state1), operstate: carrier1 ? "up" : "down",
                  carrier: carrier1, carrierUpCount: counts1.0, carrierDownCount: counts1.1),
        Interface(name: "veth0p", kind: .veth, master: "xenbr0",
                  port: BridgePortSettings(state: .forwarding), carrier: true),
        Interface(name: "vif1.0", kind: .veth, master: "xenbr0",
                  port: BridgePortSettings(state: .forwarding), carrier: true),
    ])
}

func bondNode(active: String? = "peth0", mii0: String = "up", mii1: String = "up",
              carrier0: Bool = true, carrier1: Bool = true) -> NetworkState {
    NetworkState(interfaces: [
        Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "active-backup", activeSlave: active),
                  carrier: carrier0 || carrier1),
        Interface(name: "peth0", kind: .device, master: "bond0",
                  slave: BondSlaveSettings(state: active == "peth0" ? "active" : "backup", miiStatus: mii0),
                  carrier: carrier0, carrierUpCount: 1, carrierDownCount: carrier0 ? 0 : 1),
        Interface(name: "peth1", kind: .device, master: "bond0",
                  slave: BondSlaveSettings(state: active == "peth1" ? "active" : "backup", miiStatus: mii1),
                  carrier: carrier1, carrierUpCount: 1, carrierDownCount: carrier1 ? 0 : 1),
    ])
}

/// A controllable clock: tests advance it explicitly.
struct FakeClock {
    var now = Date(timeIntervalSince1970: 1_795_000_000)
    mutating func advance(_ s: TimeInterval) -> Date { now = now.addingTimeInterval(s); return now }
}

extension Array where Element == MonitorEvent {
    var kinds: [String] { map { $0.event.rawValue } }
    func only(_ k: EventKind) -> [MonitorEvent] { filter { $0.event == k } }
}
