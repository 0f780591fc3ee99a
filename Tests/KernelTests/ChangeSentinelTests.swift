// ChangeSentinel on the real kernel: apply reads the state ahead while it reads its profile, and
// keeps that read only if the sentinel heard of no change since. Each kind of change the state
// read covers (links, IPv4/IPv6 addresses, default routes), made by the probe itself or by `ip`
// from outside, must end the quiet; reads alone must not.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ChangeSentinelTests {
    /// A namespace with a veth pair, up, for addresses and a route through it.
    func lab() throws -> Namespace {
        let ns = try Namespace("sentinel")
        try ns.exec(["ip", "link", "add", "a0", "type", "veth", "peer", "name", "a1"])
        try ns.exec(["ip", "link", "set", "a0", "up"])
        try ns.exec(["ip", "link", "set", "a1", "up"])
        return ns
    }

    @Test func readsAloneKeepItQuietEachChangeEndsIt() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try lab()
        defer { ns.close() }
        let script = """
            sentinel
            sentinel-quiet
            read
            links
            sentinel-quiet
            down a0
            sentinel-quiet
            sentinel
            sentinel-quiet
            add-address a1 192.0.2.5/24
            sentinel-quiet
            sentinel
            add-address a1 2001:db8::5/64
            sentinel-quiet
            sentinel
            add-route 192.0.2.1 a1
            sentinel-quiet
            sentinel
            mtu a1 1400
            sentinel-quiet
            """
        let (report, status) = try probe(ns, script)
        #expect(status == 0, "\(report.error ?? "")")
        #expect(report.quiet == [true, true, false, true, false, false, false, false])
        // The probe's changes really happened (iproute2 as the oracle).
        let a1 = try ipJSON(ns, ["-d", "address", "show", "a1"]).first
        #expect(a1?["mtu"] as? Int == 1400)
        let route = try ipJSON(ns, ["route", "show", "default"]).first
        #expect(route?["gateway"] as? String == "192.0.2.1")
    }

    @Test func aChangeByAnotherProcessEndsTheQuiet() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try lab()
        defer { ns.close() }
        // The probe opens its sentinel and says so; then `ip` (from the test) changes the
        // namespace, and only then does the probe ask again: its script comes through a pipe
        // the test writes in two parts.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["ip", "netns", "exec", ns.name,
                           buildProductsDirectory().appendingPathComponent("netlink-probe").path]
        let input = Pipe(), output = Pipe()
        probe.standardInput = input
        probe.standardOutput = output
        try probe.run()
        input.fileHandleForWriting.write(Data("sentinel\nsentinel-quiet\n".utf8))
        // Time for the probe to open its sentinel (if it opened it after the change, it would
        // answer true twice and the test would fail, not pass).
        Thread.sleep(forTimeInterval: 1)
        try ns.exec(["ip", "link", "set", "a1", "alias", "someone else's"])
        input.fileHandleForWriting.write(Data("sentinel-quiet\n".utf8))
        try input.fileHandleForWriting.close()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        let report = try JSONDecoder().decode(ProbeReport.self, from: text)
        #expect(probe.terminationStatus == 0, "\(report.error ?? "")")
        #expect(report.quiet == [true, false])
    }
}
