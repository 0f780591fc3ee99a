// `xg-scale drbd ready` follows a real DRBD device's role: the VM's Debian 6.1 kernel loads its own
// drbd.ko (8.4), a loop device backs resource r0 with internal meta-data, drbd-utils' 8.4 tools
// (from the host root, read-only) bring it up with a peer that never connects, then make it
// primary (--force), secondary, and take it down. After each step the scenario prints the
// command's JSON verdict and exit status, and the kernel's own /proc/drbd line for minor 0.
import Foundation
import Testing
import TestSupport

@Suite("drbd ready on a real DRBD in the VM", .serialized)
struct DrbdReadyVMTests {
    struct Step {
        var verdict: [String: Any]
        var exit: String
        var proc: String
    }

    static func steps(_ output: String) -> [String: Step] {
        var out: [String: Step] = [:]
        for (name, text) in BondVM.sections(output) {
            let lines = text.split(separator: "\n").map(String.init)
            guard let exitAt = lines.firstIndex(where: { $0.hasPrefix("exit=") }) else { continue }
            let json = lines[..<exitAt].joined(separator: "\n")
            let verdict = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
            out[name] = Step(verdict: verdict, exit: String(lines[exitAt].dropFirst(5)),
                             proc: lines[(exitAt + 1)...].joined(separator: "\n"))
        }
        return out
    }

    @Test("ready only while Primary and UpToDate; not before up, as Secondary, or after down")
    func readyFollowsTheRealDevice() throws {
        guard try BondVM.available() else { return }
        guard try prerequisites(root: false, programs: ["/usr/lib/drbd/drbdsetup-84", "/usr/sbin/drbdmeta"]) else { return }
        let r = try BondVM.boot(scenarioFile: "drbd-ready.sh", timeout: 240, hostRoot: true)
        #expect(r.status == 0, "scenario failed: \(r.stderr)\n\(r.stdout)")
        let s = Self.steps(r.stdout)
        #expect(Set(s.keys) == ["before-up", "up-secondary", "primary", "secondary", "down"], "\(r.stdout)")

        let before = try #require(s["before-up"])
        #expect(before.exit == "2")
        #expect(before.verdict["ready"] as? Bool == false)
        #expect((before.verdict["reason"] as? String)?.contains("not up") == true)
        #expect(before.proc.contains("not configured"))

        let up = try #require(s["up-secondary"])
        #expect(up.proc.contains("ro:Secondary/Unknown"), "kernel: \(up.proc)")
        #expect(up.exit == "2")
        #expect(up.verdict["role"] as? String == "Secondary")

        let primary = try #require(s["primary"])
        #expect(primary.proc.contains("ro:Primary/Unknown") && primary.proc.contains("ds:UpToDate/"), "kernel: \(primary.proc)")
        #expect(primary.exit == "0", "\(primary.verdict)")
        #expect(primary.verdict["ready"] as? Bool == true)
        #expect(primary.verdict["source"] as? String == "/proc/drbd")

        let secondary = try #require(s["secondary"])
        #expect(secondary.proc.contains("ro:Secondary/"), "kernel: \(secondary.proc)")
        #expect(secondary.exit == "2")
        #expect(secondary.verdict["ready"] as? Bool == false)

        let down = try #require(s["down"])
        #expect(down.proc.contains("not configured"), "kernel: \(down.proc)")
        #expect(down.exit == "2")
        #expect((down.verdict["reason"] as? String)?.contains("not up") == true)
    }
}
