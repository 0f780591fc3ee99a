// apply --persist on the real kernel, into temp directories (never /etc): written after a
// verified apply, kept by confirm, put back byte for byte by rollback and the watchdog, never
// written by a failing apply, and refused (kernel unchanged) over a foreign file or stanza.
// ifupdown2's `ifquery --check` accepts the persisted interfaces file in the namespace. Root.
import Foundation
import Testing
import TestSupport

/// A temp folder for --persist-path, removed by `close`.
final class PersistDir {
    let path = NSTemporaryDirectory() + "xgp-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    func close() { try? FileManager.default.removeItem(atPath: path) }
    func bytes(_ name: String) -> Data? { FileManager.default.contents(atPath: path + "/" + name) }
    func files(_ dir: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + dir)) ?? []).sorted()
    }
}

/// The stp-two-switches example with the dotted Xen peer renamed (ifupdown2 reads vif0.0 as a VLAN).
func persistProfile(_ lab: Lab) throws -> [String] {
    let edited = try lab.editedProfile("stp-two-switches.yaml", [("vif0.0", "vethpeer")])
    return Lab.profileArgs(edited)
}

@Suite(.serialized) struct PersistKernelTests {
    @Test func confirmKeepsThePersistedInterfacesFileAndIfupdown2AcceptsIt() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("persist"); defer { lab.close() }
        let dir = try PersistDir(); defer { dir.close() }
        let target = dir.path + "/interfaces.d/xg-scale"
        let r = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "interfaces", "--persist-path", target,
                                                               "--confirm-within", "30", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["persisted"] as? [String] == [target])
        #expect(try lab.xg(["confirm"]).status == 0)
        let text = try #require(dir.bytes("interfaces.d/xg-scale").map { String(decoding: $0, as: UTF8.self) })
        let rendered = try run([xgScaleBinary(), "render"] + persistProfile(lab) + ["--format", "interfaces"])
        #expect(text == rendered.stdout, "the persisted file is the render")
        #expect(text.contains("iface xenbr0"))
        try expectIfqueryChecks(lab, file: target)
        // Already in sync: nothing changes in the kernel, the files are still written.
        let r2 = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "networkd", "--persist-path", dir.path + "/nd", "--json"])
        #expect(r2.status == 0, "\(r2.stderr)")
        let json2 = try JSONSerialization.jsonObject(with: Data(r2.stdout.utf8)) as? [String: Any]
        #expect(json2?["in-sync"] as? Bool == true)
        #expect((json2?["persisted"] as? [String])?.count == dir.files("nd").count && dir.files("nd").count > 0)
    }

    @Test func rollbackRestoresThePreviousBytesExactly() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("persistrb"); defer { lab.close() }
        let dir = try PersistDir(); defer { dir.close() }
        let target = dir.path + "/xg-scale"
        let previous = Data("# Rendered by xg-scale from an older profile.\niface old0 inet manual\n\n".utf8)
        try previous.write(to: URL(fileURLWithPath: target))
        let kernelBefore = try lab.kernelLinks()
        let r = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "interfaces", "--persist-path", target,
                                                               "--confirm-within", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(dir.bytes("xg-scale") != previous, "apply wrote the render")
        #expect(try lab.xg(["rollback"]).status == 0)
        #expect(dir.bytes("xg-scale") == previous, "rollback puts the previous bytes back")
        #expect(dir.files() == ["xg-scale"], "no temp file left")
        #expect(try lab.linkNames() == Set(linkNamesOf(kernelBefore)), "kernel back too")
    }

    @Test func rollbackRemovesAFileThatDidNotExist() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("persistnx"); defer { lab.close() }
        let dir = try PersistDir(); defer { dir.close() }
        let r = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "networkd", "--persist-path", dir.path,
                                                               "--confirm-within", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(dir.files().contains("10-xg-scale-xenbr0.netdev"), "\(dir.files())")
        #expect(dir.files().allSatisfy { $0.contains("-xg-scale-") })
        #expect(try lab.xg(["rollback"]).status == 0)
        #expect(dir.files().isEmpty, "every file the apply created is removed: \(dir.files())")
    }

    @Test func theWatchdogRestoresThePersistedFile() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("persistwd"); defer { lab.close() }
        let dir = try PersistDir(); defer { dir.close() }
        let target = dir.path + "/xg-scale"
        let r = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "interfaces", "--persist-path", target,
                                                               "--confirm-within", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(dir.bytes("xg-scale") != nil)
        let reverted = try waitUntil(timeout: 20, interval: 0.1) {
            !FileManager.default.fileExists(atPath: lab.stateDir + "/pending.json")
        }
        #expect(reverted, "the watchdog did not run")
        #expect(dir.bytes("xg-scale") == nil, "the file that did not exist is removed again")
        #expect(!(try lab.linkNames()).contains("xenbr0"), "kernel restored with it")
    }

    @Test func aFailingApplyWritesNothing() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("persistf"); defer { lab.close() }
        let dir = try PersistDir(); defer { dir.close() }
        let r = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "networkd", "--persist-path", dir.path, "--json"],
                           env: ["XG_SCALE_FAULT_STEP": "3"])
        #expect(r.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["persisted"] as? [String] == [])
        #expect(dir.files().isEmpty, "\(dir.files())")
    }

    @Test func aForeignStanzaOrFileIsRefusedAndTheKernelIsUnchanged() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("persistc"); defer { lab.close() }
        let dir = try PersistDir(); defer { dir.close() }
        try FileManager.default.createDirectory(atPath: dir.path + "/interfaces.d", withIntermediateDirectories: true)
        let foreign = "auto lo\niface lo inet loopback\n\niface xenbr0 inet manual\n"
        try foreign.write(toFile: dir.path + "/interfaces", atomically: true, encoding: .utf8)
        let before = try lab.kernelLinks()
        let r = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "interfaces",
                                                               "--persist-path", dir.path + "/interfaces.d/xg-scale"])
        #expect(r.status == 1)
        #expect(r.stderr.contains(dir.path + "/interfaces:4"), "names file and line: \(r.stderr)")
        #expect(r.stderr.contains("fix:"))
        #expect(try lab.kernelLinks() == before, "nothing changed")
        #expect(dir.files("interfaces.d").isEmpty)
        // A PATH that exists without xg-scale's header is not ours either.
        let mine = dir.path + "/mine"
        try "iface eth9 inet manual\n".write(toFile: mine, atomically: true, encoding: .utf8)
        let r2 = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "interfaces", "--persist-path", mine])
        #expect(r2.status == 1 && r2.stderr.contains(mine), "\(r2.stderr)")
        #expect(try String(contentsOfFile: mine, encoding: .utf8) == "iface eth9 inet manual\n")
        // A foreign networkd file matching one of the profile's names.
        let nd = dir.path + "/nd"
        try FileManager.default.createDirectory(atPath: nd, withIntermediateDirectories: true)
        try "[Match]\nName=peth0\n\n[Network]\nDHCP=yes\n".write(toFile: nd + "/50-admin.network", atomically: true, encoding: .utf8)
        let r3 = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "networkd", "--persist-path", nd])
        #expect(r3.status == 1 && r3.stderr.contains(nd + "/50-admin.network:2"), "\(r3.stderr)")
        #expect(dir.files("nd") == ["50-admin.network"])
        // The wrong kind of path: networkd into a file, interfaces onto a directory.
        let r4 = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "networkd", "--persist-path", mine])
        #expect(r4.status == 1 && r4.stderr.contains("not a directory"), "\(r4.stderr)")
        let r5 = try lab.xg(["apply"] + persistProfile(lab) + ["--persist", "interfaces", "--persist-path", nd])
        #expect(r5.status == 1 && r5.stderr.contains("is a directory"), "\(r5.stderr)")
        #expect(try lab.kernelLinks() == before, "nothing changed")
    }

    /// ifupdown2's `ifquery --check` on the persisted file, in the lab namespace, private /run.
    func expectIfqueryChecks(_ lab: Lab, file: String) throws {
        let ifupdown2 = ProcessInfo.processInfo.environment["XG_IFUPDOWN2"] ?? "/opt/ifupdown2"
        guard try prerequisite(FileManager.default.fileExists(atPath: ifupdown2 + "/bin/ifquery"),
                               "ifupdown2 in \(ifupdown2): run Tests/RenderKernelTests/setup-ifupdown2.sh") else { return }
        let script = """
            set -e
            mount -t tmpfs none /run; mount -t tmpfs none /var/tmp; mkdir -p /run/network /var/tmp/network
            /usr/bin/python3 \(ifupdown2)/bin/ifquery -i \(file) -a --check
            """
        let r = try lab.ns.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script])
        #expect(r.status == 0, "ifquery --check failed:\n\(r.stdout)\n\(r.stderr)")
        #expect(!r.stdout.contains("[fail]"), "\(r.stdout)")
    }
}

func linkNamesOf(_ ipJSON: String) -> [String] {
    let list = (try? JSONSerialization.jsonObject(with: Data(ipJSON.utf8))) as? [[String: Any]] ?? []
    return list.compactMap { $0["ifname"] as? String }
}
