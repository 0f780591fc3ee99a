import Foundation
import Testing
import TestSupport
@testable import Preflight

/// The preflight's ssh reads ansible_host, ansible_user and ansible_port from an Ansible
/// inventory (with host_vars/ beside it), as `ansible` itself would connect.
@Suite struct AnsibleAccessTests {
    @Test func sshTargetAndPortComeFromAnsibleVars() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xg-ansible-access-\(getpid())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("host_vars"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inventory = dir.appendingPathComponent("hosts.yml").path
        try """
            all:
              vars: {ansible_user: admin}
              children:
                xen:
                  hosts:
                    n1: {ansible_host: 192.0.2.7, ansible_port: 2222}
                    n2:
                    n3: {ssh-target: ops@n3.example.net}
            """.write(toFile: inventory, atomically: true, encoding: .utf8)
        try "ansible_user: root\n".write(to: dir.appendingPathComponent("host_vars/n2.yml"), atomically: true, encoding: .utf8)
        let t = try Inputs.transport({ var o = ClusterOptions(configPath: "/x", selfPath: "/x"); o.inventoryPath = inventory; return o }())
        #expect(try t.argv(for: "n1") == ["ssh", "-p", "2222", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-T",
                                          "admin@192.0.2.7", "xg-scale", "preflight-node"])
        #expect(try t.argv(for: "n2").suffix(3) == ["root@n2", "xg-scale", "preflight-node"])
        #expect(try t.argv(for: "n3").suffix(3) == ["ops@n3.example.net", "xg-scale", "preflight-node"])

        try "all:\n  hosts:\n    n1: {ansible_port: ssh}\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        let e = try #require(throws: PreflightError.self) { _ = try Inputs.access(inventory) }
        #expect(e.description.hasPrefix("\(inventory):3: error: ansible_port of n1 is 'ssh'"))
    }
}
