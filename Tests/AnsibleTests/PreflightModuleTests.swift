import Foundation
import Testing
import TestSupport

/// state: preflight_passed from a playbook: two node namespaces on a switch namespace's bridge,
/// the preflight's node side reached with `--exec 'ip netns exec {node}'`, a firewall drop on one
/// resource's port in node 2.
@Suite(.serialized) struct AnsiblePreflightTests {
    @Test func preflightFailsThePlayOnAFailingPair() throws {
        guard try prerequisites(programs: ["ip", "nft", "ansible-playbook"]) else { return }
        let lab = try AnsibleLab("ans-pf")
        let sw = lab.ns
        var nodes: [Namespace] = []
        defer { for n in nodes { n.close() }; lab.close() }
        try sw.exec(["sh", "-ec", "ip link add br0 type bridge; ip link set br0 up"])
        for i in 1...2 {
            let n = try Namespace("ans-pf\(i)")
            nodes.append(n)
            try sw.exec(["sh", "-ec", "ip link add p\(i) type veth peer name eth0 netns \(n.name); ip link set p\(i) master br0; ip link set p\(i) up"])
            try n.exec(["sh", "-ec", "ip addr add 10.78.0.\(i)/24 dev eth0; ip link set eth0 up"])
            try n.assertNoDefaultRoute()
        }
        try nodes[1].exec(["nft", "-f", "-"], input: """
            table inet xgans {
              chain input {
                type filter hook input priority 0; policy accept;
                tcp dport 7021 drop comment "ans-drop"
              }
            }
            """)
        func config(_ port: Int) -> String {
            """
            resource r\(port) {
                device minor 1; disk /dev/xgt/r; meta-disk internal;
                on \(nodes[0].name) { node-id 0; address 10.78.0.1:\(port); }
                on \(nodes[1].name) { node-id 1; address 10.78.0.2:\(port); }
            }
            """
        }
        try config(7020).write(toFile: lab.dir + "/good.conf", atomically: true, encoding: .utf8)
        try config(7021).write(toFile: lab.dir + "/bad.conf", atomically: true, encoding: .utf8)
        let common = "state: preflight_passed, preflight_exec: 'ip netns exec {node}', binary: \(xgScaleBinary())"
        let r = try lab.play(["xg_scale: {\(common), drbd_config: \(lab.dir)/good.conf}",
                              "xg_scale: {\(common), drbd_config: \(lab.dir)/bad.conf}"])
        #expect(r[0]["failed"] as? Bool != true, "\(r[0])")
        #expect(r[0]["changed"] as? Bool == false)
        #expect(r[1]["failed"] as? Bool == true)
        let msg = r[1]["msg"] as? String ?? ""
        #expect(msg.contains("r7021") && msg.contains("filtered"), "\(msg)")
    }
}
