// The `interfaces` render applied by Debian's ifupdown2 (unpacked by setup-ifupdown2.sh, never
// installed) inside a throwaway namespace with a private /run and /var/tmp: `ifup -a` succeeds,
// `ifquery --check` passes every attribute, and the kernel has what the profile asked for.
import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

let ifupdown2 = ProcessInfo.processInfo.environment["XG_IFUPDOWN2"] ?? "/opt/ifupdown2"

func ifupdown2Available() throws -> Bool {
    guard try prerequisites(root: true, programs: ["ip", "unshare", "/usr/bin/python3"]) else { return false }
    return try prerequisite(FileManager.default.fileExists(atPath: ifupdown2 + "/bin/ifup"),
                            "ifupdown2 in \(ifupdown2): run Tests/RenderKernelTests/setup-ifupdown2.sh")
}

@Suite(.serialized) struct InterfacesKernelTests {
    /// `vethpeer` replaces the dotted Xen name vif0.0, which ifupdown2 reads as a VLAN.
    @Test(arguments: ["stp-two-switches.yaml", "stp-bridge-address.yaml"])
    func ifupdown2AppliesTheInterfacesRender(_ name: String) throws {
        guard try ifupdown2Available() else { return }
        var profile = try loadExample(name)
        if profile.host.veth != nil {
            profile.host.veth?.peer = "vethpeer"
            profile.bridge.ports["vethpeer"] = profile.bridge.ports.removeValue(forKey: "vif0.0")
        }
        let desired = profile.desiredState()
        #expect(Renderer.interfacesCaveats(desired).isEmpty)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgs-ifupdown2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("interfaces").path
        try Renderer.interfaces(desired, source: name).write(toFile: file, atomically: true, encoding: .utf8)

        let ns = try Namespace("ifupdown2")
        defer { ns.close() }
        try makeUplinks(profile, in: ns)
        // A private mount namespace: ifupdown2's lock and state files stay out of the host's /run.
        let script = """
            set -e
            mount -t tmpfs none /run; mount -t tmpfs none /var/tmp; mkdir -p /run/network /var/tmp/network
            /usr/bin/python3 \(ifupdown2)/bin/ifup -i \(file) -a
            /usr/bin/python3 \(ifupdown2)/bin/ifquery -i \(file) -a --check
            """
        let r = try ns.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script])
        #expect(r.status == 0, "ifupdown2 failed:\n\(r.stdout)\n\(r.stderr)")
        #expect(!r.stdout.contains("[fail]"), "\(r.stdout)")
        try expectKernelMatches(desired, in: ns)
    }
}
