// The ssh transport for real: an OpenSSH sshd in each node namespace (its own config, host key
// and authorized key made by the test in a scratch folder, listening on the node's address),
// the coordinator in the switch namespace with an inventory that names each node's ssh target,
// an ssh command with the test's own config and known_hosts, and the xg-scale path.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite(.serialized) struct SSHKernelTests {
    @Test func throughARealSSHDInEveryNode() throws {
        guard try prerequisites(programs: ["/usr/sbin/sshd", "ssh", "ssh-keygen", "ss"]) else { return }
        try withLab(nodes: 3) { lab, dir in
            try Self.startSSHDs(lab, dir)
            let (a, b, c) = (lab.name(0), lab.name(1), lab.name(2))
            try """
                resource mesh {
                    device minor 0; disk /dev/xgt/mesh; meta-disk internal;
                    on \(a) { node-id 0; address 10.77.0.1:7200; }
                    on \(b) { node-id 1; address 10.77.0.2:7200; }
                    on \(c) { node-id 2; address 10.77.0.3:7200; }
                    connection-mesh { hosts \(a) \(b) \(c); }
                }
                resource pair { device minor 1; disk /dev/xgt/pair; meta-disk internal;
                    on \(a) { node-id 0; address 10.77.0.1:7201; } on \(c) { node-id 1; address 10.77.0.3:7201; } }
                """.write(toFile: dir + "/drbd.conf", atomically: true, encoding: .utf8)
            try lab.nft(2, """
                table inet xgtest {
                  chain input {
                    type filter hook input priority 0; policy accept;
                    tcp dport 7201 drop comment "via-ssh"
                  }
                }
                """)

            // The coordinator runs in the switch namespace: it reaches the nodes over the bridge only.
            let r = try lab.sw.run([xgScaleBinary(), "preflight", "--config", dir + "/drbd.conf", "--inventory", dir + "/inventory.yaml",
                                    "--timeout", "1000", "--json"])
            #expect(r.status == 2, "\(r.stderr)")
            let rep = try Report(r.stdout)
            #expect(rep.nodes.allSatisfy { $0["reachable"] as? Bool == true }, "\(rep.nodes)")
            for (x, y) in [(a, b), (b, a), (a, c), (c, a), (b, c), (c, b)] {
                #expect(rep.pair("mesh", x, y)?.result == "ok", "\(x)->\(y) \(String(describing: rep.pair("mesh", x, y)))")
            }
            #expect(rep.pair("pair", a, c)?.result == "filtered")
            #expect(rep.pair("pair", a, c)?.rule?["comment"] as? String == "via-ssh")
            #expect(rep.pair("pair", c, a)?.result == "ok")

            // The node sides are gone: nothing but sshd listens.
            for i in 0..<3 {
                #expect(waitUntil(timeout: 5) { (try? lab.listeners(i)) == ["\(lab.address(i)):22"] }, "node \(i + 1): \((try? lab.listeners(i)) ?? [])")
            }
            lab.stopChildren()
            for i in 0..<3 { #expect(try lab.listeners(i).isEmpty) }
        }
    }

    /// Keys, known_hosts and an ssh config of the test's own in `dir`; an sshd listening on each
    /// node's address; an inventory (dir/inventory.yaml) that says how to reach each node.
    static func startSSHDs(_ lab: Lab, _ dir: String) throws {
        try clientSide(lab, dir)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) // privilege separation
        for i in lab.nodes.indices {
            try """
                ListenAddress \(lab.address(i)):22
                HostKey \(dir)/host
                AuthorizedKeysFile \(dir)/authorized_keys
                PidFile none
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                """.write(toFile: dir + "/sshd-\(i)", atomically: true, encoding: .utf8)
            try lab.background(i, ["/usr/sbin/sshd", "-D", "-e", "-f", dir + "/sshd-\(i)"])
        }
        for i in lab.nodes.indices {
            #expect(waitUntil(timeout: 10) { (try? lab.listeners(i))?.contains("\(lab.address(i)):22") ?? false })
        }
        var inventory = "cluster: xgtest\nnodes:\n"
        for i in lab.nodes.indices {
            inventory += "  \(lab.name(i)): {vars: {ssh-target: \"root@\(lab.address(i))\", ssh-command: \"ssh -F \(dir)/ssh_config\", xg-scale: \"\(xgScaleBinary())\"}}\n"
        }
        try inventory.write(toFile: dir + "/inventory.yaml", atomically: true, encoding: .utf8)
    }

    static func clientSide(_ lab: Lab, _ dir: String) throws {
        try runChecked(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/client"])
        try runChecked(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/host"])
        try runChecked(["cp", dir + "/client.pub", dir + "/authorized_keys"])
        let hostKey = try String(contentsOfFile: dir + "/host.pub", encoding: .utf8)
        try lab.nodes.indices.map { "\(lab.address($0)) \(hostKey)" }.joined()
            .write(toFile: dir + "/known_hosts", atomically: true, encoding: .utf8)
        try """
            Host *
              User root
              IdentityFile \(dir)/client
              IdentitiesOnly yes
              UserKnownHostsFile \(dir)/known_hosts
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes
              LogLevel ERROR
            """.write(toFile: dir + "/ssh_config", atomically: true, encoding: .utf8)
    }
}
