import Foundation
import Testing
import TestSupport

/// `--inventory` with an Ansible inventory, from the command line.
@Suite struct AnsibleInventoryCLITests {
    /// profiles/inventory.yaml written as an Ansible inventory, dom0m's vars in host_vars/.
    static func ansibleCopy() throws -> URL {
        let dir = try temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("host_vars"), withIntermediateDirectories: true)
        try """
            all:
              vars: {gateway: 192.0.2.1, cluster: xen1}
              children:
                xen1:
                  hosts:
                    dom0: {address: 192.0.2.10/24, address6: "2001:db8::10/64"}
                    dom0m:
            """.write(to: dir.appendingPathComponent("inventory.yaml"), atomically: true, encoding: .utf8)
        try "address: 192.0.2.11/24\naddress6: \"2001:db8::11/64\"\n"
            .write(to: dir.appendingPathComponent("host_vars/dom0m.yml"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test(arguments: ["dom0", "dom0m"]) func rendersAsTheSameInventoryInXgScaleFormat(_ node: String) throws {
        let dir = try Self.ansibleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        for profile in try exampleProfiles() {
            let ours = try xgScale(["render", "profiles/\(profile)", "--inventory", "profiles/inventory.yaml", "--node", node, "--format", "ip"])
            let theirs = try xgScale(["render", "profiles/\(profile)", "--inventory", dir.path + "/inventory.yaml", "--node", node,
                                      "--inventory-format", "ansible", "--format", "ip"])
            #expect(ours.status == 0 && theirs.status == 0, "\(theirs.stderr)")
            #expect(theirs.stdout == ours.stdout, "\(profile) for \(node)")
        }
    }

    @Test func aForcedFormatOrAnUnknownHostIsOneClearError() throws {
        let dir = try Self.ansibleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = dir.path + "/inventory.yaml"
        let wrong = try xgScale(["validate", "profiles/stp-two-switches.yaml", "--inventory", inv, "--node", "dom0", "--inventory-format", "xg-scale"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("\(inv):1:1: error: unknown key 'all' at the top level"), "\(wrong.stderr)")
        let unknown = try xgScale(["validate", "profiles/stp-two-switches.yaml", "--inventory", inv, "--node", "dom9"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no node 'dom9' in \(inv) (fix: use one of: dom0, dom0m)"), "\(unknown.stderr)")
        let alone = try xgScale(["validate", "profiles/stp-two-switches.yaml", "--inventory-format", "ansible"])
        #expect(alone.status != 0 && alone.stderr.contains("--inventory-format needs --inventory FILE"), "\(alone.stderr)")
    }
}
