// The bond, whole: from the profile's bond section, its settings change (the planner's
// requests; a mode change rebuilds it without slaves), its create line and how slaves join it
// in each render, and what `show` prints of it and of its slaves. The options themselves are
// one table (BondOptionTable.swift) with their rules (BondOptions.swift) and their spelling in
// each render (BondRender.swift).

enum BondKind: KindUnit {
    static let kind = InterfaceKind.bond

    // MARK: Desired state

    /// The bond (redundancy bond only), a port of the bridge.
    static func interfaces(of profile: Profile) -> [Interface] {
        guard profile.redundancy == .bond, let bond = profile.bond else { return [] }
        let settings = BondSettings(
            mode: bond.mode.rawValue, miimon: bond.miimon, updelay: bond.updelay, downdelay: bond.downdelay,
            primary: bond.primary, primaryReselect: bond.primaryReselect?.rawValue,
            arpInterval: bond.arpInterval, arpIPTarget: bond.arpIPTarget.isEmpty ? nil : bond.arpIPTarget,
            lacpRate: bond.lacpRate?.rawValue, xmitHashPolicy: bond.xmitHashPolicy?.rawValue,
            failOverMAC: bond.failOverMAC?.rawValue, minLinks: bond.minLinks, options: bond.options)
        return [Interface(name: bond.name, kind: .bond, master: profile.bridge.name, mtu: profile.host.mtu,
                          bond: settings, port: BridgeKind.portSettings(bond.name, of: profile))]
    }

    // MARK: Plan

    static func creationSettings(from want: Interface, into created: inout Interface) {
        created.bond = want.bond
    }

    /// The requests the options need, in order. Mode and fail_over_mac only change on a bond
    /// that is down and has no slaves: its slaves are released (and those the profile does not
    /// name enslaved again afterwards); lacp_rate only while it is down, its slaves stay.
    static func changeSettings(_ want: Interface, _ cur: Interface, in plan: inout PlanBuilder) {
        guard let wb = want.bond, let cb = cur.bond else { return }
        let requests = wb.requests(from: cb)
        guard !requests.isEmpty else { return }
        let sent = Set(requests.joined())
        if sent.contains(where: \.needsNoSlaves) {
            plan.bondsToRebuild.insert(want.name)
            for slave in plan.current.interfaces where slave.master == want.name {
                plan.out.append(.releaseMaster(name: slave.name))
                if !plan.isWanted(slave.name) { plan.foreignSlaves.append(slave) }
            }
            if cur.up { plan.out.append(.setDown(name: want.name)) }
        } else if sent.contains(where: \.needsBondDown), cur.up {
            plan.out.append(.setDown(name: want.name))
        }
        plan.out.append(.setBond(name: want.name, wb, sending: requests))
    }

    /// Kernels from 6.1 leave a combined down+master request down, so a slave goes down in a
    /// step of its own before it joins; a slave released from a bond may have been closed.
    static let portsJoinDown = true

    /// "mode … miimon …" for a step's text.
    static func describe(_ b: BondSettings) -> String {
        var parts = ["mode \(b.mode)"]
        for spec in BondOptionSpec.all { if let v = b[spec.option] { parts.append(spec.describe(v)) } }
        return parts.joined(separator: " ")
    }

    // MARK: ip -batch

    /// Created with its mode and options, before it has slaves.
    static func ipLines(_ stage: IPStage, _ i: Interface, in state: NetworkState) -> [String] {
        guard stage == .createMasters else { return [] }
        var line = "link add name \(i.name)\(Renderer.ipMTU(i)) type bond"
        if let s = i.bond { line += Renderer.ipBondOptions(s) }
        return [line]
    }

    /// Slaves: down, then enslaved (the bond sets their MTU to its own).
    static func ipPortLines(_ stage: IPStage, _ port: Interface, in state: NetworkState) -> [String] {
        guard stage == .joinLower else { return [] }
        return ["link set dev \(port.name) down", "link set dev \(port.name) master \(port.master!)"]
    }

    static func ipUpRank(_ i: Interface) -> Int { 1 }

    // MARK: ifupdown2, networkd

    static func ifupdown2Lines(_ i: Interface, in state: NetworkState) -> [String] {
        let slaves = state.interfaces.filter { $0.master == i.name }.map(\.name)
        var body = ["bond-slaves \(slaves.joined(separator: " "))"]
        if let s = i.bond { body += Renderer.ifupdown2BondLines(s) }
        return body
    }

    static func networkdNetDevs(_ i: Interface, in state: NetworkState) -> [(name: String, text: String)] {
        var text = Renderer.networkdNetDevSection(i)
        if let s = i.bond { text += Renderer.networkdBondSection(s) }
        return [("10-\(i.name).netdev", text)]
    }

    static func networkdPortText(_ port: Interface, master: String, in state: NetworkState) -> String {
        var text = "Bond=\(master)\n"
        if state[master]?.bond?.primary == port.name { text += "PrimarySlave=yes\n" }
        return text
    }

    // MARK: show

    static func summaryAsPort(_ i: Interface, arpMonitored: Bool) -> [String] {
        guard let slave = i.slave else { return [] }
        var fields: [String] = []
        if let state = slave.state { fields.append(state) }
        if let mii = slave.miiStatus { fields.append((arpMonitored ? "arp-link " : "mii ") + mii) }
        if let failures = slave.linkFailureCount { fields.append("failures \(failures)") }
        return fields
    }

    /// Mode, active slave and the options that say how it fails over, then what the driver
    /// reports of its aggregator and ARP monitor.
    static func summaryOwn(_ i: Interface) -> [String] {
        var fields: [String] = []
        if let bond = i.bond {
            fields.append(bond.mode)
            if let active = bond.activeSlave { fields.append("active \(active)") }
            if let primary = bond.primary { fields.append("primary \(primary)") }
            if let miimon = bond.miimon, miimon > 0 { fields.append("miimon \(miimon)") }
            if let arp = bond.arpInterval, arp > 0 {
                fields.append("arp \(arp) " + (bond.arpIPTarget ?? []).joined(separator: ","))
            }
            if bond.mode == "802.3ad" {
                if let rate = bond.lacpRate { fields.append("lacp-rate \(rate)") }
            }
            if let policy = bond.xmitHashPolicy, ["balance-xor", "802.3ad", "balance-tlb"].contains(bond.mode) {
                fields.append("xmit-hash \(policy)")
            }
        }
        return fields + NetworkState.bondRuntimeFields(i)
    }
}

extension BondKind {
    /// A bond (as a bridge port) leads out: its slaves are the NICs.
    static func isUplink(name: String, peerNetnsID: Int?) -> Bool { true }
}
