import Foundation
import Testing
import TestSupport

/// address-not-local and port-in-use against the real kernel, inside a throwaway namespace.
@Suite(.serialized) struct LocalChecksTests {
    /// A TCP listener held by python3 inside the namespace; stopped by `stop()`.
    final class Listener {
        let process = Process()
        init(ns: Namespace, ip: String, port: Int) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip", "netns", "exec", ns.name, "python3", "-c",
                                 "import socket,time\ns=socket.socket(socket.AF_INET6 if ':' in '\(ip)' else socket.AF_INET)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('\(ip)', \(port)))\ns.listen()\ntime.sleep(60)"]
            try process.run()
        }
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func addressNotLocalAndPortInUseWithRealListeners() throws {
        guard try prerequisites(root: true, programs: ["ip", "python3"]) else { return }
        let ns = try Namespace("drbd")
        defer { ns.close() }
        try ns.assertNoDefaultRoute()
        try ns.exec(["ip", "addr", "add", "10.77.0.1/32", "dev", "lo"])
        try ns.exec(["ip", "addr", "add", "fd77::1/128", "dev", "lo"])
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let conf = d + "/drbd.conf"
        try """
            resource clean { device /dev/drbd1 minor 1; disk /dev/vg/clean; meta-disk internal;
              on a { address 10.77.0.1:7700; } on b { address 10.77.0.2:7700; } }
            resource held { device /dev/drbd2 minor 2; disk /dev/vg/held; meta-disk internal;
              on a { address 10.77.0.1:7788; } on b { address 10.77.0.2:7788; } }
            resource wild { device /dev/drbd3 minor 3; disk /dev/vg/wild; meta-disk internal;
              on a { address 10.77.0.1:7789; } on b { address 10.77.0.2:7789; } }
            resource v6 { device /dev/drbd4 minor 4; disk /dev/vg/v6; meta-disk internal;
              on a { address ipv6 [fd77::1]:7790; } on b { address ipv6 [fd77::2]:7790; } }
            resource away { device /dev/drbd5 minor 5; disk /dev/vg/away; meta-disk internal;
              on a { address 10.77.0.9:7791; } on b { address 10.77.0.2:7791; } }

            """.write(toFile: conf, atomically: true, encoding: .utf8)
        let check = [xgScaleBinary(), "drbd", "check", "--config", conf, "--host", "a", "--json"]

        // Without listeners: only the address that is not on the namespace's interfaces.
        let quiet = try ns.run(check)
        #expect(quiet.status == 2, "\(quiet.stderr)")
        let q = try JSONSerialization.jsonObject(with: Data(quiet.stdout.utf8)) as! [String: [[String: Any]]]
        #expect(q["findings"]!.map { "\($0["check"]!) \($0["resource"]!)" } == ["address-not-local away"])

        let specific = try Listener(ns: ns, ip: "10.77.0.1", port: 7788)
        let wildcard = try Listener(ns: ns, ip: "0.0.0.0", port: 7789)
        let v6 = try Listener(ns: ns, ip: "::", port: 7790)
        defer { specific.stop(); wildcard.stop(); v6.stop() }
        let up = try waitUntil(timeout: 10) {
            let t = try ns.exec(["cat", "/proc/net/tcp", "/proc/net/tcp6"]).stdout
            return [":1E6C ", ":1E6D ", ":1E6E "].allSatisfy { t.contains($0) }
        }
        #expect(up, "listeners did not come up")

        let busy = try ns.run(check)
        #expect(busy.status == 2)
        let b = try JSONSerialization.jsonObject(with: Data(busy.stdout.utf8)) as! [String: [[String: Any]]]
        let got = b["findings"]!.map { "\($0["check"]!) \($0["resource"]!)" }.sorted()
        #expect(got == ["address-not-local away", "port-in-use held", "port-in-use v6", "port-in-use wild"], "\(busy.stdout)")
        let msgs = b["findings"]!.compactMap { $0["message"] as? String }
        #expect(msgs.contains { $0.contains("0.0.0.0:7789") && $0.contains("python3") })
        // The same config, checked without the local part, is clean apart from nothing local.
        let nolocal = try ns.run(check + ["--no-local"])
        #expect(nolocal.status == 0, "\(nolocal.stdout)")
    }
}
