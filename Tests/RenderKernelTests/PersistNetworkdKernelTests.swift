// `apply --persist networkd` writes files systemd-networkd 252 accepts: the apply runs in one
// throwaway namespace (persisting into a temp directory, never /etc), then networkd builds the
// node from exactly those files in a fresh namespace (the NetworkdKernelTests harness). Root.
import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

extension NetworkdKernelTests {
    @Test func systemdNetworkd252AcceptsTheFilesApplyPersisted() throws {
        guard try prerequisites(root: true, programs: ["ip", "bridge", "unshare", "mount", "chown"],
                                files: [networkdBinary]) else { return }
        let name = "stp-two-switches.yaml"
        let profile = try loadExample(name)
        let ns = try Namespace("persistnd")
        defer { ns.close() }
        try makeUplinks(profile, in: ns)
        let tmp = NSTemporaryDirectory() + "xgpn-\(ns.name)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let dir = tmp + "/network"
        let profiles = packageRoot().appendingPathComponent("profiles").path
        let r = try run(["ip", "netns", "exec", ns.name, xgScaleBinary(), "apply", profiles + "/" + name,
                         "--inventory", profiles + "/inventory.yaml", "--node", "dom0", "--state-dir", tmp + "/state",
                         "--persist", "networkd", "--persist-path", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(!names.isEmpty && names.allSatisfy { $0.contains("-xg-scale-") }, "\(names)")
        let files = try names.map { RenderedFile(name: $0, contents: try String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) }
        try expectNetworkdBuilds(profile.desiredState(), uplinks: profile.uplinks, name: name, files: files)
    }
}
