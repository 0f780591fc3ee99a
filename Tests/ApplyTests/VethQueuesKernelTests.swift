// apply creates each veth end with one transmit and one receive queue allocated (IFLA_NUM_TX/
// RX_QUEUES), the queue pair the kernel leaves a veth using anyway: without them it allocates one
// per possible CPU and takes the real count down after registering each end, which waits for an
// RCU grace period under the RTNL lock. Read back from iproute2 and sysfs, not from xg-scale.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct VethQueuesKernelTests {
    @Test func everyVethEndHasOneQueuePairAsTheKernelWouldUse() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("queues")
        defer { lab.close() }
        let r = try lab.xg(["apply"] + Lab.profileArgs("stp-guest-veths.yaml"))
        #expect(r.status == 0, "\(r.stderr)")
        let listed = try lab.ns.exec(["ip", "-j", "-d", "link", "show", "type", "veth"]).stdout
        let links = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? []
        // The uplinks (peth0/peth1 and their far ends) were made by the test with the kernel's
        // default; every other veth end is apply's.
        let made = links.filter { !(($0["ifname"] as? String) ?? "").hasPrefix("peth") }
        #expect(made.count >= 4, "apply made \(made.count) veth ends")
        for link in made {
            let name = link["ifname"] as? String ?? "?"
            #expect(link["num_tx_queues"] as? Int == 1 && link["num_rx_queues"] as? Int == 1,
                    "\(name): \(link["num_tx_queues"] ?? "-") tx, \(link["num_rx_queues"] ?? "-") rx queues")
            // The queues in use are those a default veth uses: tx-0 and rx-0.
            let queues = try lab.ns.exec(["ls", "/sys/class/net/\(name)/queues"]).stdout
            #expect(queues.split(separator: "\n").sorted() == ["rx-0", "tx-0"], "\(name): \(queues)")
        }
        // A default veth (the test's uplink) uses the same queues, from a larger allocation.
        let uplink = try lab.ns.exec(["ls", "/sys/class/net/peth0/queues"]).stdout
        #expect(uplink.split(separator: "\n").sorted() == ["rx-0", "tx-0"])
    }
}
