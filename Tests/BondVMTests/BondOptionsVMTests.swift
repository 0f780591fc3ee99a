// Every bond option of the profile against the real bonding driver (Debian 6.1 in the bonding
// VM), read back from /sys/class/net/bond0/bonding/* (not through xg-scale's reader), one boot
// (Tests/VM/scenarios/bond-options.sh): `apply` of profiles covering all options in turn (mode
// changes and down-only options on an up bond included) followed by an empty plan; the networkd
// render of the shipped ARP profile consumed by systemd-networkd 252; an `interfaces` render
// consumed by ifupdown2 3.0.0. Each gives the sysfs values the profile asks for.
import Foundation
import NodeNetwork
import Testing
import TestSupport

/// The options of `want` (and its mode) that /sys/class/net/BOND/bonding/* does not hold, one
/// line each. `sysfs`: file name → text. Names compare with sysfs's first word ("all 3"), lists
/// as sets, on/off as 1/0.
func sysfsMismatches(_ want: BondSettings, _ sysfs: [String: String]) -> [String] {
    let wanted = [(BondOption.mode, BondValue.name(want.mode))] + want.options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    return wanted.compactMap { option, value in
        guard let text = sysfs[option.rawValue] else { return "\(option.rawValue): no such sysfs file" }
        let words = text.split(separator: " ").map(String.init)
        let ok: Bool
        switch value {
        case .list(let l): ok = Set(words) == Set(l)
        case .flag(let b): ok = words == [b ? "1" : "0"]
        case .int(let n): ok = words == [String(n)]
        case .name(let s): ok = words.first == s
        }
        return ok ? nil : "\(option.rawValue): profile \(value), sysfs '\(text)'"
    }
}

/// "NAME VALUE" lines of print_bond_sysfs.
func sysfsOptions(_ section: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in section.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        out[String(parts[0])] = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
    }
    return out
}

/// Bond profiles that together set every option of the table (besides the shipped ARP one).
let optionProfiles: [(name: String, bond: String)] = [
    ("rr.yaml", """
        name: bond0
        mode: balance-rr
        miimon: 100
        updelay: 200
        use-carrier: false
        peer-notify-delay: 200
        num-unsol-na: 4
        packets-per-slave: 3
        all-slaves-active: true
        resend-igmp: 3
        min-links: 1
      """),
    ("ad.yaml", """
        name: bond0
        mode: 802.3ad
        miimon: 100
        lacp-rate: fast
        xmit-hash-policy: layer3+4
        ad-select: bandwidth
        ad-actor-sys-prio: 100
        ad-actor-system: 02:00:00:00:00:01
        ad-user-port-key: 7
      """),
    ("tlb.yaml", """
        name: bond0
        mode: balance-tlb
        miimon: 100
        tlb-dynamic-lb: false
        lp-interval: 5
        fail-over-mac: active
      """),
    ("arp-ns.yaml", """
        name: bond0
        mode: active-backup
        miimon: 0
        arp-interval: 500
        arp-ip-target: [192.0.2.1, 192.0.2.2]
        ns-ip6-target: ["2001:db8::1"]
        arp-validate: filter_backup
        arp-all-targets: all
      """),
]

func bondProfileText(_ bond: String, host: String = "  veth: {name: veth0, peer: vif0.0}\n  addresses: [\"${address}\"]\n  gateway: ${gateway}\n") -> String {
    "version: 1\nredundancy: bond\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0, stp: off}\nbond:\n"
        + bond.split(separator: "\n").map { "  " + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
        + "\nhost:\n" + host
}

extension BondVMTests {
    @Test("every bond option: apply, networkd and ifupdown2 set what the profile says in sysfs; plan is empty after apply")
    func everyBondOptionReachesSysfs() throws {
        guard try BondVM.available() else { return }
        let shipped = packageRoot().appendingPathComponent("profiles")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xg-bondopt-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files = ["bond-arp-two-switches.yaml", "inventory.yaml"].map { shipped.appendingPathComponent($0) }
        for p in optionProfiles {
            try bondProfileText(p.bond).write(to: dir.appendingPathComponent(p.name), atomically: true, encoding: .utf8)
            files.append(dir.appendingPathComponent(p.name))
        }
        let order = ["bond-arp-two-switches.yaml"] + optionProfiles.map(\.name)
        try order.joined(separator: "\n").write(to: dir.appendingPathComponent("order"), atomically: true, encoding: .utf8)
        files.append(dir.appendingPathComponent("order"))
        // networkd: the shipped ARP profile's render; ifupdown2: options it applies.
        let inv = ["--inventory", shipped.appendingPathComponent("inventory.yaml").path, "--node", "dom0"]
        let nd = dir.appendingPathComponent("networkd")
        try runChecked([xgScaleBinary(), "render", shipped.appendingPathComponent("bond-arp-two-switches.yaml").path]
                       + inv + ["--format", "networkd", "--output", nd.path])
        files += try FileManager.default.contentsOfDirectory(at: nd, includingPropertiesForKeys: nil)
        let ifupProfile = dir.appendingPathComponent("ifup.yml")
        try bondProfileText(ifupBond, host: "  addresses: [\"${address}\"]\n").write(to: ifupProfile, atomically: true, encoding: .utf8)
        let interfaces = try runChecked([xgScaleBinary(), "render", ifupProfile.path] + inv + ["--format", "interfaces"]).stdout
        try interfaces.write(to: dir.appendingPathComponent("interfaces"), atomically: true, encoding: .utf8)
        files.append(dir.appendingPathComponent("interfaces"))

        let r = try BondVM.boot(scenarioFile: "bond-options.sh", files: files, timeout: 600, hostRoot: true)
        #expect(r.status == 0, "scenario failed: \(r.stderr)")
        let s = BondVM.sections(r.stdout)
        for name in order {
            let text = try String(contentsOf: files.first { $0.lastPathComponent == name }!, encoding: .utf8)
            let want = try desiredBond(text, file: name)
            #expect(s["apply \(name) status"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                    "apply \(name): \(s["apply \(name) stderr"] ?? r.stderr)")
            let mismatches = sysfsMismatches(want, sysfsOptions(s["sysfs \(name)"] ?? ""))
            #expect(mismatches.isEmpty, "apply \(name):\n\(mismatches.joined(separator: "\n"))")
            #expect(s["proc \(name)"]?.contains("Slave Interface: peth1") == true, "\(name): \(s["proc \(name)"] ?? "")")
            let plan = s["plan \(name)"] ?? ""
            #expect(plan.contains("\"in-sync\" : true") || plan.contains("\"in-sync\":true"), "plan after apply of \(name) is not empty:\n\(plan)")
        }
        let arp = try desiredBond(try String(contentsOf: files[0], encoding: .utf8), file: "bond-arp-two-switches.yaml")
        #expect((s["networkd log"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "systemd-networkd warned: \(s["networkd log"] ?? "")")
        let viaNetworkd = sysfsMismatches(arp, sysfsOptions(s["networkd sysfs"] ?? ""))
        #expect(viaNetworkd.isEmpty, "networkd render:\n\(viaNetworkd.joined(separator: "\n"))")
        let ifup = try desiredBond(try String(contentsOf: ifupProfile, encoding: .utf8), file: "ifup.yml")
        #expect(s["ifup status"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "ifup: \(s["ifup log"] ?? "")")
        let viaIfup = sysfsMismatches(ifup, sysfsOptions(s["ifup sysfs"] ?? ""))
        #expect(viaIfup.isEmpty, "interfaces render through ifupdown2:\n\(viaIfup.joined(separator: "\n"))\n\(interfaces)")
    }
}

/// A bond with the options ifupdown2 3.0.0 applies beyond the common ones.
let ifupBond = """
    name: bond0
    mode: 802.3ad
    miimon: 100
    lacp-rate: fast
    xmit-hash-policy: layer3+4
    min-links: 1
    use-carrier: false
    num-grat-arp: 3
    ad-actor-sys-prio: 100
    ad-actor-system: 02:00:00:00:00:01
    """

/// The bond settings the profile text asks for (node dom0 of profiles/inventory.yaml).
func desiredBond(_ text: String, file: String) throws -> BondSettings {
    let dir = packageRoot().appendingPathComponent("profiles")
    let inventory = try Inventory.parse(text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8),
                                        file: "inventory.yaml")
    let state = try ProfileLoader.load(text: text, file: file, variables: inventory.variables(forNode: "dom0")).profile.desiredState()
    return try #require(state["bond0"]?.bond)
}
