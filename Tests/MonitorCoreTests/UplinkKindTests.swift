// Which bridge ports lead out of the node, for every kind: each kind's unit in NodeNetwork says
// it (`KindUnit.isUplink`); `Redundancy.isUplink` asks it, kind by kind.
import Testing
import NodeNetwork
@testable import MonitorCore

@Suite struct UplinkKindTests {
    @Test func everyKindAnswersAsTheMonitorExpects() {
        // A bond leads out whatever its name; a bridge never is another bridge's uplink.
        #expect(Redundancy.isUplink(name: "bond0", kind: .bond, peerNetnsID: nil))
        #expect(Redundancy.isUplink(name: "vif1.0", kind: .bond, peerNetnsID: nil))
        #expect(!Redundancy.isUplink(name: "br1", kind: .bridge, peerNetnsID: nil))
        #expect(!Redundancy.isUplink(name: "br1", kind: .bridge, peerNetnsID: 3))
        // A NIC leads out unless it is a Xen vif or a tap, whatever a netns id says.
        #expect(Redundancy.isUplink(name: "peth1", kind: .device, peerNetnsID: 2))
        #expect(!Redundancy.isUplink(name: "tap7", kind: .device, peerNetnsID: 2))
        // A veth or a kind xg-scale only reads (vxlan, dummy...) leads out when its peer lives
        // in another namespace.
        #expect(Redundancy.isUplink(name: "vx0", kind: .other, peerNetnsID: 0))
        #expect(!Redundancy.isUplink(name: "dummy0", kind: .other, peerNetnsID: nil))
        #expect(!Redundancy.isUplink(name: "veth9", kind: .veth, peerNetnsID: nil))
    }
}
