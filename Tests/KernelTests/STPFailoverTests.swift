// The seed's two-switch topology on the real kernel: namespace "sw" holds two switch bridges
// linked together; the node's STP bridge has one uplink to each. Cutting the active uplink makes
// the blocked one go forwarding (2 x forward-delay), and `show --json` must see it happen.
import Foundation
import Testing
import NodeNetwork
import TestSupport

@Suite(.serialized) struct STPFailoverTests {
    @Test func blockedUplinkGoesForwardingWhenTheActiveOneIsCut() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge"]) else { return }
        let topology = try TwoSwitches(tag: "")
        defer { topology.close() }
        let sw = topology.switches, node = topology.node

        // Converged: one uplink forwarding (towards the root, switch1), the other blocking.
        var state = try showState(node)
        let converged = try waitUntil(timeout: 20, interval: 0.1) {
            state = try showState(node)
            return state["peth0"]?.port?.state == .forwarding && state["peth1"]?.port?.state == .blocking
        }
        #expect(converged, "peth0 \(String(describing: state["peth0"]?.port)) peth1 \(String(describing: state["peth1"]?.port))")
        let bridge = try #require(state["xenbr0"]?.bridge)
        #expect(bridge.rootID?.hasPrefix("1000.") == true, "switch1 (priority 4096) is the root")
        #expect(bridge.rootID != bridge.bridgeID)
        #expect(bridge.rootPort != nil && bridge.rootPort != 0)
        #expect(state["peth0"]?.peer == nil, "the peer lives in another namespace: no name invented")
        #expect(state["peth0"]?.carrier == true)

        // Cut the active uplink at the switch side.
        try sw.exec(["ip", "link", "set", "sw1p1", "down"])
        var seen: [PortSTPState] = []
        let failedOver = try waitUntil(timeout: 15, interval: 0.05) {
            state = try showState(node)
            if let s = state["peth1"]?.port?.state, seen.last != s { seen.append(s) }
            return state["peth1"]?.port?.state == .forwarding
        }
        #expect(failedOver, "peth1 went through \(seen)")
        #expect(state["peth0"]?.carrier == false)
        #expect(state["peth0"]?.port?.state == .disabled)
        #expect((state["peth0"]?.carrierDownCount ?? 0) >= 1)
        // The blocked port does not jump to forwarding: it passes listening/learning first.
        #expect(seen.first == .blocking || seen.first == .listening)
        #expect(seen.contains(.learning), "peth1 went through \(seen)")
    }
}
