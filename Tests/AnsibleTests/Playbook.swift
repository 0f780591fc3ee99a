// Runs contrib/ansible's xg_scale module through ansible-playbook against localhost
// (connection local); every xg-scale the module starts runs under `ip netns exec` in a
// throwaway namespace whose uplinks are veths, so nothing touches the machine's own network.
import Foundation
import Testing
import TestSupport

/// A namespace with uplinks peth0/peth1, a private state dir, and a scratch folder for playbooks.
final class AnsibleLab {
    let ns: Namespace
    let dir: String
    var stateDir: String { dir + "/state" }

    init(_ tag: String) throws {
        ns = try Namespace(tag)
        dir = NSTemporaryDirectory() + "xgans-\(ns.name)"
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        for u in ["peth0", "peth1"] { try ns.exec(["ip", "link", "add", u, "type", "veth", "peer", "name", u + "p"]) }
        try ns.assertNoDefaultRoute()
    }

    func close() {
        // A watchdog left by a failed test must not outlive it.
        if let data = FileManager.default.contents(atPath: stateDir + "/pending.json"),
           let p = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let pid = p["watchdog-pid"] as? Int { kill(pid_t(pid), SIGKILL) }
        ns.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The example profile for node dom0 of the example inventory, as module arguments.
    var profileArgs: String {
        let p = packageRoot().appendingPathComponent("profiles").path
        return "profile: \(p)/stp-two-switches.yaml, inventory: \(p)/inventory.yaml, node: dom0"
    }

    /// Module arguments common to every task: the namespace, state dir and binary.
    var common: String { "netns: \(ns.name), state_dir: \(stateDir), binary: \(xgScaleBinary())" }

    /// Run one play of `tasks` (YAML mappings: module arguments and task keywords), each task
    /// registered and allowed to fail; returns each task's registered result.
    func play(_ tasks: [String]) throws -> [[String: Any]] {
        let out = dir + "/results.json"
        try? FileManager.default.removeItem(atPath: out)
        var yaml = """
            - hosts: localhost
              connection: local
              gather_facts: false
              vars: {ansible_python_interpreter: "{{ ansible_playbook_python }}"}
              tasks:

            """
        for (i, t) in tasks.enumerated() {
            yaml += "    - {\(t), register: r\(i), ignore_errors: true}\n"
        }
        let all = (0..<tasks.count).map { "r\($0)" }.joined(separator: ", ")
        yaml += "    - {copy: {content: \"{{ [\(all)] | to_json }}\", dest: \(out)}}\n"
        try yaml.write(toFile: dir + "/play.yml", atomically: true, encoding: .utf8)
        let r = try run(["ansible-playbook", "-i", "localhost,", dir + "/play.yml"], environment: [
            "ANSIBLE_LIBRARY": packageRoot().appendingPathComponent("contrib/ansible/library").path,
            "ANSIBLE_LOCAL_TEMP": dir + "/tmp", "ANSIBLE_REMOTE_TEMP": dir + "/tmp",
            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
        ])
        guard let data = FileManager.default.contents(atPath: out),
              let results = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw TestSupportError.commandFailed("ansible-playbook", r)
        }
        return results
    }

    /// The links of the namespace as the kernel lists them: name → master ("-" for none).
    func links() throws -> [String: String] {
        let r = try ns.exec(["ip", "-j", "link", "show"])
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.compactMap { l in
            (l["ifname"] as? String).map { ($0, l["master"] as? String ?? "-") }
        })
    }

    /// The example profile's bridge is there with both uplinks in it.
    func isApplied() throws -> Bool {
        let l = try links()
        return l["xenbr0"] != nil && l["peth0"] == "xenbr0" && l["peth1"] == "xenbr0"
    }
}

/// Whether the Ansible tests can run here: root, ip, ansible-playbook.
func ansiblePrerequisites() throws -> Bool {
    try prerequisites(root: true, programs: ["ip", "ansible-playbook"])
}
