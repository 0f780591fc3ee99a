// The monitor and `show` on what the bonding driver decides: the ARP monitor across two switches
// (monitor-arp-failover.sh) and a LACP partner replaced (monitor-lacp-partner.sh). One boot each,
// in the serialized "Monitor in the bonding VM" suite.
import Foundation
import Testing
import TestSupport

/// The JSON lines of a scenario section, as objects.
func jsonLines(_ text: String?) -> [[String: Any]] {
    (text ?? "").split(separator: "\n").compactMap {
        (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
    }
}

/// The interface `name` of a `show --json` section.
func shownInterface(_ text: String?, _ name: String) throws -> [String: Any] {
    let json = try #require(try JSONSerialization.jsonObject(with: Data((text ?? "").utf8)) as? [String: Any])
    let list = try #require(json["interfaces"] as? [[String: Any]])
    return try #require(list.first { $0["name"] as? String == name }, "no \(name) in show --json")
}

extension MonitorVMTests {
    @Test("ARP monitor: the far side of the active switch dies, the cable stays up; failover, arp-link warning")
    func arpMonitorFailsOverWhereMiimonDoesNot() throws {
        guard try BondVM.available() else { return }
        let r = try BondVM.boot(scenarioFile: "monitor-arp-failover.sh")
        #expect(r.status == 0, "scenario failed: \(r.stderr)\n\(r.stdout)")
        let s = BondVM.sections(r.stdout)
        let trim = { (k: String) in s[k]?.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(trim("before") == "active peth0 node2 q0")
        // Our bond left the dead path; node2's miimon-only bond stayed on it (its cable is up).
        #expect(trim("after") == "active peth1 node2 q0")
        #expect(trim("carrier") == "peth0 1 q0 1")
        let proc = BondingProc(s["proc"] ?? "")
        #expect(proc.activeSlave == "peth1")
        #expect(proc.slave("peth0")?.miiStatus == "down")
        #expect(proc.slave("peth1")?.miiStatus == "up")
        let node2 = BondingProc(s["proc-node2"] ?? "")
        #expect(node2.activeSlave == "q0" && node2.slave("q0")?.miiStatus == "up")

        // show --json: the ARP monitor's settings and the link state it judged per slave.
        let bond = try shownInterface(s["show-after"], "bond0")
        let arp = try #require((bond["bond-state"] as? [String: Any])?["arp"] as? [String: Any], "\(bond)")
        #expect(arp["interval"] as? Int == 100)
        #expect(arp["targets"] as? [String] == ["10.0.0.1", "10.0.0.2"])
        #expect(arp["validate"] as? String == "all")
        #expect(arp["all-targets"] as? String == "any")
        let peth0 = try shownInterface(s["show-after"], "peth0")
        #expect((peth0["slave"] as? [String: Any])?["mii-status"] as? String == "down")
        #expect(peth0["carrier"] as? Bool == true)
        #expect(s["show-text"]?.contains("arp-link down") == true, "\(s["show-text"] ?? "")")
        #expect(s["show-text"]?.contains("arp-validate all") == true)

        let events = jsonLines(s["events"])
        func kind(_ e: [String: Any]) -> String { e["event"] as? String ?? "" }
        let arpDown = try #require(events.first { kind($0) == "arp-link" && $0["interface"] as? String == "peth0" },
                                   "events: \(events)")
        #expect(arpDown["from"] as? String == "up" && arpDown["to"] as? String == "down")
        #expect(arpDown["severity"] as? String == "warning")
        #expect(arpDown["carrier"] as? String == "up" && arpDown["monitor"] as? String == "arp")
        #expect(arpDown["validate"] as? String == "all")
        // Not the cable: no link-down of peth0, no MII bond-slave event for it.
        #expect(!events.contains { ["link-down", "bond-slave"].contains(kind($0)) && $0["interface"] as? String == "peth0" })
        let failover = events.filter { kind($0) == "bond-failover" }
        #expect(failover.first?["from"] as? String == "peth0", "\(failover)")
        #expect(failover.last?["to"] as? String == "peth1")
        #expect(failover.allSatisfy { $0["severity"] as? String == "warning" })
        #expect(events.firstIndex { kind($0) == "arp-link" }! < events.firstIndex { kind($0) == "bond-failover" }!)
        #expect(s["exit"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}

/// The first "KEY: value" of a /proc/net/bonding text (the Active Aggregator Info comes before
/// the slaves), or every one with `all`.
func procValues(_ text: String?, _ key: String) -> [String] {
    (text ?? "").split(separator: "\n").compactMap { line -> String? in
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix(key + ":") else { return nil }
        return String(t.dropFirst(key.count + 1)).trimmingCharacters(in: .whitespaces)
    }
}

extension MonitorVMTests {
    /// show --json of one step agrees with /proc/net/bonding/bond0 of the same step.
    func checkLACPShow(_ s: [String: String], step: String, partnerMAC: String) throws {
        let proc = s["proc-\(step)"]
        let bond = try shownInterface(s["show-\(step)"], "bond0")
        let ad = try #require((bond["bond-state"] as? [String: Any])?["ad"] as? [String: Any], "\(step): \(bond)")
        #expect(ad["partner-mac"] as? String == partnerMAC, "\(step)")
        #expect(procValues(proc, "Partner Mac Address").first == partnerMAC, "\(step)")
        #expect((ad["partner-key"] as? Int).map(String.init) == procValues(proc, "Partner Key").first, "\(step)")
        #expect((ad["actor-key"] as? Int).map(String.init) == procValues(proc, "Actor Key").first, "\(step)")
        let aggregator = procValues(proc, "Aggregator ID").first
        #expect((ad["aggregator-id"] as? Int).map(String.init) == aggregator, "\(step)")
        #expect(ad["num-ports"] as? Int == 2 && procValues(proc, "Number of ports").first == "2", "\(step)")
        for (k, name) in ["peth0", "peth1"].enumerated() {
            let slave = try shownInterface(s["show-\(step)"], name)["slave"] as? [String: Any]
            let lacp = try #require(slave?["lacp"] as? [String: Any], "\(step) \(name)")
            // /proc lists "Aggregator ID" once for the bond, then once per slave.
            #expect((lacp["aggregator-id"] as? Int).map(String.init) == procValues(proc, "Aggregator ID")[k + 1])
            #expect(lacp["actor-oper-port-state"] as? Int == 63 && lacp["partner-oper-port-state"] as? Int == 63)
            #expect(lacp["actor-churn-state"] as? String == procValues(proc, "Actor Churn State")[k], "\(step) \(name)")
            #expect(lacp["partner-churn-state"] as? String == procValues(proc, "Partner Churn State")[k])
            #expect(slave?["perm-hwaddr"] as? String == procValues(proc, "Permanent HW addr")[k])
        }
    }

    @Test("LACP partner replaced: show reports the new partner MAC and key, monitor logs lacp-partner")
    func lacpPartnerChangeIsSeen() throws {
        guard try BondVM.available() else { return }
        let r = try BondVM.boot(scenarioFile: "monitor-lacp-partner.sh")
        #expect(r.status == 0, "scenario failed: \(r.stderr)\n\(r.stdout)")
        let s = BondVM.sections(r.stdout)
        try checkLACPShow(s, step: "first", partnerMAC: "02:00:00:00:00:aa")
        try checkLACPShow(s, step: "reconfigured", partnerMAC: "02:00:00:00:00:bb")
        try checkLACPShow(s, step: "rebooted", partnerMAC: "02:00:00:00:00:cc")
        let firstKey = try #require(procValues(s["proc-first"], "Partner Key").first)
        let lastKey = try #require(procValues(s["proc-rebooted"], "Partner Key").first)
        #expect(firstKey != lastKey, "the rebooted switch has another port key")
        #expect(s["show-text"]?.contains("partner 02:00:00:00:00:aa key \(firstKey)") == true, "\(s["show-text"] ?? "")")

        let events = jsonLines(s["events"])
        let partner = events.filter { $0["event"] as? String == "lacp-partner" }
        // The reconfigured switch (cables up): straight from one partner to the other, a warning.
        let moved = try #require(partner.first, "events: \(events)")
        #expect(moved["from"] as? String == "02:00:00:00:00:aa key \(firstKey)")
        #expect((moved["to"] as? String)?.hasPrefix("02:00:00:00:00:bb key ") == true)
        #expect(moved["severity"] as? String == "warning" && moved["group"] as? String == "bond0")
        #expect(moved["partner-mac"] as? String == "02:00:00:00:00:bb")
        // The rebooted one: ends on the new partner; from none (its ports went down) it is a
        // notice, from the old partner a warning.
        let last = try #require(partner.last)
        #expect(last["to"] as? String == "02:00:00:00:00:cc key \(lastKey)")
        #expect(last["severity"] as? String == (last["from"] as? String == "none" ? "notice" : "warning"))
        #expect(partner.allSatisfy { $0["from"] as? String != $0["to"] as? String })
        #expect(s["exit"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
