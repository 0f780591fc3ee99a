import Foundation
import Testing
import TestSupport

/// The xg_scale module from a playbook: results a play author reads (changed, failed, msg,
/// diff), the kernel read back with `ip -j link` in the namespace.
@Suite(.serialized) struct AnsibleModuleTests {
    @Test func firstRunChangesSecondRunDoesNot() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-idem")
        defer { lab.close() }
        let task = "xg_scale: {\(lab.profileArgs), \(lab.common)}"
        let r = try lab.play([task, task])
        #expect(r[0]["failed"] as? Bool != true, "\(r[0])")
        #expect(r[0]["changed"] as? Bool == true)
        #expect((r[0]["change_requests"] as? Int ?? 0) > 0)
        #expect(r[1]["changed"] as? Bool == false, "\(r[1])")
        #expect(r[1]["change_requests"] as? Int == 0)
        #expect(try lab.isApplied())
    }

    @Test func checkModeChangesNothingAndDiffShowsThePlan() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-check")
        defer { lab.close() }
        let before = try lab.links()
        let r = try lab.play(["xg_scale: {\(lab.profileArgs), \(lab.common)}, check_mode: true, diff: true"])
        #expect(r[0]["failed"] as? Bool != true, "\(r[0])")
        #expect(r[0]["changed"] as? Bool == true)
        let diff = (r[0]["diff"] as? [String: Any])?["prepared"] as? String ?? ""
        #expect(diff.contains("create bridge xenbr0") && diff.contains("set peth0 master xenbr0"), "\(diff)")
        #expect(try lab.links() == before)
    }

    @Test func aBadProfileFailsTheTaskWithItsFileAndLine() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-bad")
        defer { lab.close() }
        let bad = lab.dir + "/bad.yaml"
        try "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbrige: {name: xenbr0}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let before = try lab.links()
        let r = try lab.play(["xg_scale: {profile: \(bad), \(lab.common)}"])
        #expect(r[0]["failed"] as? Bool == true)
        let msg = r[0]["msg"] as? String ?? ""
        #expect(msg.contains("\(bad):4:1: error: unknown key 'brige'"), "\(msg)")
        #expect(try lab.links() == before)
    }

    @Test func confirmWithinThenConfirmedKeepsTheChange() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-keep")
        defer { lab.close() }
        // The window is wide enough for ansible-playbook to reach the second task on a loaded
        // machine (a 2 s window lost that race under CI), and the wait below covers all of it.
        let window = 15.0
        let start = Date()
        let r = try lab.play(["xg_scale: {\(lab.profileArgs), \(lab.common), confirm_within: \(Int(window))}",
                              "xg_scale: {state: confirmed, \(lab.common)}"])
        #expect(r[0]["changed"] as? Bool == true, "\(r[0])")
        #expect(r[1]["failed"] as? Bool != true, "\(r[1])")
        #expect(r[1]["changed"] as? Bool == true)
        // Past the window (with margin) the change is still there: nothing reverted it.
        let rest = max(0, window - Date().timeIntervalSince(start)) + 3
        let stayed = try waitUntil(timeout: rest, interval: 0.2) { try !lab.isApplied() } == false
        #expect(stayed)
        #expect(!FileManager.default.fileExists(atPath: lab.stateDir + "/pending.json"))
    }

    @Test func confirmWithinAloneReverts() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-revert")
        defer { lab.close() }
        let before = try lab.links()
        // A window the play cannot outlast on a loaded machine, so the change is seen applied
        // before it is seen reverted (a 2 s window lost that race under CI).
        let window = 15.0
        let r = try lab.play(["xg_scale: {\(lab.profileArgs), \(lab.common), confirm_within: \(Int(window))}"])
        #expect(r[0]["changed"] as? Bool == true, "\(r[0])")
        #expect(try lab.isApplied())
        let reverted = try waitUntil(timeout: window + 20, interval: 0.2) { try lab.links() == before }
        #expect(reverted, "not reverted: \((try? lab.links()) ?? [:])")
        // Too late to confirm: the task fails with xg-scale's reason.
        let late = try lab.play(["xg_scale: {state: confirmed, \(lab.common)}"])
        #expect(late[0]["failed"] as? Bool == true, "\(late[0])")
    }

    @Test func drbdCheckFailsThePlayOnFindings() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-drbd")
        defer { lab.close() }
        let good = packageRoot().appendingPathComponent("Tests/Fixtures/drbd/xen-pair/drbd.conf").path
        let bad = lab.dir + "/drbd.conf"
        try """
            resource r0 {
              on dom0  { device /dev/drbd0; disk /dev/vg/r0; address 10.0.0.1:7789; meta-disk internal; }
              on dom0m { device /dev/drbd0; disk /dev/vg/r0; address 10.0.0.2:7789; meta-disk internal; }
            }
            resource r1 {
              on dom0  { device /dev/drbd1; disk /dev/vg/r1; address 10.0.0.1:7789; meta-disk internal; }
              on dom0m { device /dev/drbd1; disk /dev/vg/r1; address 10.0.0.2:7790; meta-disk internal; }
            }
            """.write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try lab.play([
            "xg_scale: {state: drbd_checked, drbd_config: \(good), drbd_host: dom0, drbd_no_local: true, \(lab.common)}",
            "xg_scale: {state: drbd_checked, drbd_config: \(bad), drbd_host: dom0, drbd_no_local: true, \(lab.common)}",
        ])
        #expect(r[0]["failed"] as? Bool != true, "\(r[0])")
        #expect(r[1]["failed"] as? Bool == true)
        let msg = r[1]["msg"] as? String ?? ""
        #expect(msg.contains("port-conflict") && msg.contains("\(bad):"), "\(msg)")
    }
}

/// As root, a group_vars/ or host_vars/ file anyone can write is refused like the inventory
/// itself (its owner could change what root applies), naming the file and the fix.
@Suite struct AnsibleVarsTrustTests {
    @Test func aWritableGroupVarsFileIsRefusedAsRoot() throws {
        guard try ansiblePrerequisites() else { return }
        let lab = try AnsibleLab("ans-trust")
        defer { lab.close() }
        let inv = lab.dir + "/hosts.yml"
        try "all:\n  hosts:\n    dom0: {address: 192.0.2.10/24, address6: \"2001:db8::10/64\", gateway: 192.0.2.1}\n"
            .write(toFile: inv, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: lab.dir + "/group_vars", withIntermediateDirectories: true)
        let vars = lab.dir + "/group_vars/all.yml"
        try "gateway: 192.0.2.254\n".write(toFile: vars, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: vars)
        let profile = packageRoot().appendingPathComponent("profiles/stp-two-switches.yaml").path
        let r = try lab.ns.run([xgScaleBinary(), "plan", profile, "--inventory", inv, "--node", "dom0", "--state-dir", lab.stateDir])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(vars):1:1: error: refused: the inventory vars file is writable by others"), "\(r.stderr)")
    }
}
