// Profiles and inventories as hostile input to the CLI (issue 15, items 3 and 6): only regular
// files are read, output is capped for humans, root reads only trusted files, and a render
// never carries a second command into `ip -batch`.
import Foundation
import Testing
import TestSupport

@Suite struct BoundedInputCLITests {
    let base = "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: br0, stp: {forward-delay: 4, max-age: 6}}\n"

    @Test func aFIFOIsRefusedAtOnceNamingIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("p.yaml").path
        try runChecked(["mkfifo", fifo])
        // (timeout only guards the test run against the old hang; the refusal is immediate.)
        let r = try run(["timeout", "20", xgScaleBinary(), "validate", fifo])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "\(fifo):1:1: error: refused: the profile is not a regular file (a FIFO, device or directory) (fix: give the path of a regular file)\n")
        let inv = try run(["timeout", "20", xgScaleBinary(), "validate", packageRoot().path + "/profiles/stp-two-switches.yaml",
                           "--inventory", fifo, "--node", "dom0"])
        #expect(inv.status == 1)
        #expect(inv.stderr.contains("\(fifo):1:1: error: refused: the inventory is not a regular file"), "\(inv.stderr)")
        let dev = try run(["timeout", "20", xgScaleBinary(), "validate", "/dev/zero"])
        #expect(dev.status == 1)
        #expect(dev.stderr.contains("not a regular file"), "\(dev.stderr)")
    }

    @Test func humanOutputShowsTheFirstFiftyThenCountsTheRest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.yaml").path
        let addresses = (0..<120).map { "    - 10.0.\($0).1\n" }.joined() // no prefix: 120 errors
        try (base + "host:\n  addresses:\n" + addresses).write(toFile: path, atomically: true, encoding: .utf8)
        let r = try run([xgScaleBinary(), "validate", path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 51, "\(lines.count) lines")
        #expect(lines.prefix(50).allSatisfy { $0.hasPrefix(path + ":") && $0.contains(": error: host.addresses[") })
        #expect(lines.last == "and 70 more diagnostics (validate --json lists all)")
        let j = try run([xgScaleBinary(), "validate", "--json", path])
        #expect(j.status == 1)
        let obj = try #require(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect((obj["diagnostics"] as? [Any])?.count == 120)
    }

    /// As root, apply and plan act on the profile: one writable by others is refused, naming the
    /// file and the fix; render and validate (read only) still read it.
    @Test func asRootAnUntrustedProfileIsRefusedByPlanButNotByValidate() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // plan only reads, and the refusal comes first; still, it runs in a namespace of its own.
        let ns = try Namespace("trust")
        defer { ns.close() }
        let path = dir.appendingPathComponent("p.yaml").path
        try (base + "host: {addresses: [192.0.2.10/24]}\n").write(toFile: path, atomically: true, encoding: .utf8)
        try runChecked(["chmod", "0666", path])
        let plan = try ns.run([xgScaleBinary(), "plan", path, "--state-dir", dir.appendingPathComponent("state").path])
        #expect(plan.status == 1, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.isEmpty)
        #expect(plan.stderr.contains("\(path):1:1: error: refused: the profile is writable by others (mode 666)"), "\(plan.stderr)")
        #expect(plan.stderr.contains("(fix: chown root '\(path)' && chmod go-w '\(path)')"), "\(plan.stderr)")
        let validate = try run([xgScaleBinary(), "validate", path])
        #expect(validate.status == 0, "\(validate.stderr)")
        let render = try run([xgScaleBinary(), "render", path, "--format", "ip"])
        #expect(render.status == 0, "\(render.stderr)")
        // Owned by another user: refused as well.
        try runChecked(["chmod", "0644", path])
        try runChecked(["chown", "65534", path])
        let other = try ns.run([xgScaleBinary(), "plan", path, "--state-dir", dir.appendingPathComponent("state").path])
        #expect(other.status == 1)
        #expect(other.stderr.contains("the profile is owned by uid 65534, not by root"), "\(other.stderr)")
    }

    /// A file name that holds newlines and a command ends up in the render's header comment:
    /// fed to the real `ip -batch` in a throwaway namespace, it runs no extra command.
    @Test func aHostileFileNameInTheHeaderRunsNothingUnderIPBatch() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p\nlink add evil0 type dummy\n#.yaml").path
        try (base + "host: {addresses: [192.0.2.10/24]}\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try run([xgScaleBinary(), "render", path, "--format", "ip"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("# Rendered by xg-scale from p\\nlink add evil0 type dummy\\n#.yaml."))
        let ns = try Namespace("hdr")
        defer { ns.close() }
        try ns.assertNoDefaultRoute()
        for uplink in ["peth0", "peth1"] {
            try ns.exec(["ip", "link", "add", uplink, "type", "veth", "peer", "name", uplink + "p"])
        }
        let batch = try ns.run(["ip", "-batch", "-"], input: r.stdout)
        #expect(batch.status == 0, "\(batch.stderr)")
        let names = try ns.exec(["ip", "-j", "link", "show"]).stdout
        let list = try #require(try JSONSerialization.jsonObject(with: Data(names.utf8)) as? [[String: Any]])
        let ifnames = Set(list.compactMap { $0["ifname"] as? String })
        #expect(ifnames.contains("br0"), "\(ifnames)")
        #expect(!ifnames.contains("evil0"), "\(ifnames)")
    }
}
