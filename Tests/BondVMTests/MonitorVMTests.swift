// `xg-scale monitor` on a real bond (the bonding VM, one boot): an active-backup bond over two
// veths with miimon; cut the active slave's peer, then restore it.
import Foundation
import Testing
import TestSupport

@Suite("Monitor in the bonding VM", .serialized)
struct MonitorVMTests {
    @Test("monitor --json reports the failover with old/new active slave, DEGRADED, then OK")
    func bondFailoverIsReported() throws {
        guard try BondVM.available() else { return }
        let r = try BondVM.boot(scenarioFile: "monitor-bond-failover.sh")
        #expect(r.status == 0, "scenario failed: \(r.stderr)\n\(r.stdout)")
        let s = BondVM.sections(r.stdout)
        let first = try #require(s["active"]?.trimmingCharacters(in: .whitespacesAndNewlines))
        let other = first == "veth0" ? "veth1" : "veth0"
        #expect(s["active-after-cut"]?.trimmingCharacters(in: .whitespacesAndNewlines) == other)
        #expect(s["exit"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "SIGTERM must exit 0")

        let events: [[String: Any]] = (s["events"] ?? "").split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        func kind(_ e: [String: Any]) -> String { e["event"] as? String ?? "" }
        let redundancy = events.filter { kind($0) == "redundancy" && $0["group"] as? String == "bond0" }
        #expect(redundancy.map { "\($0["from"] as? String ?? "-")>\($0["to"] as? String ?? "-")" }
                == ["->ok", "ok>degraded", "degraded>ok"], "\(redundancy)")
        #expect(redundancy.first?["kind"] as? String == "bond")
        #expect(redundancy.dropFirst().first?["severity"] as? String == "err")
        #expect(redundancy.last?["severity"] as? String == "notice")

        let failover = try #require(events.first { kind($0) == "bond-failover" }, "events: \(events)")
        #expect(failover["group"] as? String == "bond0")
        #expect(failover["from"] as? String == first)
        #expect(failover["to"] as? String == other)
        #expect(failover["severity"] as? String == "warning")

        // The cut slave: carrier down and MII down, each before DEGRADED; then back.
        let degradedAt = try #require(events.firstIndex { kind($0) == "redundancy" && $0["to"] as? String == "degraded" })
        let downAt = events.firstIndex { kind($0) == "link-down" && $0["interface"] as? String == first }
        #expect(downAt != nil && downAt! < degradedAt, "\(events.map(kind))")
        #expect(events.contains { kind($0) == "bond-slave" && $0["interface"] as? String == first
                && $0["from"] as? String == "up" && $0["to"] as? String == "down" })
        #expect(events.contains { kind($0) == "link-up" && $0["interface"] as? String == first })
        #expect(events.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true })

        // No /dev/log in the VM: said once, and the monitor went on.
        let stderr = s["stderr"] ?? ""
        #expect(stderr.components(separatedBy: "no local syslog socket /dev/log").count == 2, "stderr: \(stderr)")
    }
}
