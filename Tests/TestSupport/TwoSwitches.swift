// The seed's two-switch topology on the real kernel, shared by the kernel tests: namespace "sw"
// holds two switch bridges (STP on, switch1 the root) linked by a veth pair; the node namespace
// holds the STP bridge xenbr0 with uplink peth0 wired to switch1 (port sw1p1) and peth1 to
// switch2 (sw2p1). Forward delay 2 s, hello 1 s, max age 6 s: failover in about 4 s.
import Foundation

public final class TwoSwitches: @unchecked Sendable {
    public let switches: Namespace
    public let node: Namespace

    /// Create both namespaces and every link. `nodeBridge`: create xenbr0 with both uplinks
    /// (false: leave peth0 and peth1 unenslaved, for tests that build the node themselves).
    public init(tag: String = "", nodeBridge: Bool = true) throws {
        switches = try Namespace("sw\(tag)")
        do {
            node = try Namespace("node\(tag)")
        } catch {
            switches.close()
            throw error
        }
        do {
            try switches.exec(["sh", "-ec", """
                ip link add switch1 type bridge stp_state 1 priority 4096 forward_delay 200 hello_time 100 max_age 600
                ip link add switch2 type bridge stp_state 1 priority 8192 forward_delay 200 hello_time 100 max_age 600
                ip link add s1s2 type veth peer name s2s1
                ip link set s1s2 master switch1
                ip link set s2s1 master switch2
                ip link add sw1p1 type veth peer name peth0 netns \(node.name)
                ip link add sw2p1 type veth peer name peth1 netns \(node.name)
                ip link set sw1p1 master switch1
                ip link set sw2p1 master switch2
                for i in switch1 switch2 s1s2 s2s1 sw1p1 sw2p1; do ip link set $i up; done
                """])
            if nodeBridge {
                try node.exec(["sh", "-ec", """
                    ip link add xenbr0 type bridge stp_state 1 priority 32768 forward_delay 200 hello_time 100 max_age 600
                    ip link set peth0 master xenbr0
                    ip link set peth1 master xenbr0
                    for i in xenbr0 peth0 peth1; do ip link set $i up; done
                    """])
            }
            try node.assertNoDefaultRoute()
            try switches.assertNoDefaultRoute()
        } catch {
            close()
            throw error
        }
    }

    /// Cut (or restore) an uplink at the switch side: the node's peer loses (regains) carrier.
    public func setSwitchPort(_ uplink: String, up: Bool) throws {
        let port = uplink == "peth0" ? "sw1p1" : uplink == "peth1" ? "sw2p1" : uplink
        try switches.exec(["ip", "link", "set", port, up ? "up" : "down"])
    }

    /// The STP state of a node port as `bridge -j link` shows it (nil when it has none).
    public func portState(_ port: String) throws -> String? {
        let r = try node.exec(["bridge", "-j", "link", "show", "dev", port])
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        return list?.first?["state"] as? String
    }

    /// Wait (bounded) until STP converged: peth0 (towards the root) forwarding, peth1 blocking.
    public func waitConverged(timeout: Double = 20) throws -> Bool {
        try waitUntil(timeout: timeout, interval: 0.1) {
            try portState("peth0") == "forwarding" && portState("peth1") == "blocking"
        }
    }

    public func close() {
        node.close()
        switches.close()
    }
}
