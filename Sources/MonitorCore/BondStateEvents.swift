// 802.3ad and ARP-monitor events: what the bonding driver decided, compared between two states.
// Pure: the states and the time come in, events go out.
import Foundation
import NodeNetwork

extension Classifier {
    /// LACP partner, aggregator, slave membership and churn events for the bonds of `only` (nil:
    /// all) and the bonds whose slaves are in `only`.
    static func bondStateEvents(_ old: NetworkState, _ new: NetworkState, only: Set<String>?,
                                oldIndex: [String: Int], newIndex: [String: Int],
                                at now: Date) -> [MonitorEvent] {
        var bonds: [String] = []
        for name in only.map({ Array($0).sorted() }) ?? new.interfaces.map(\.name) {
            guard let k = newIndex[name] else { continue }
            let n = new.interfaces[k]
            let bond = n.kind == .bond ? n.name : n.slave != nil ? n.master : nil
            if let bond, !bonds.contains(bond) { bonds.append(bond) }
        }
        var events: [MonitorEvent] = []
        for name in bonds {
            guard let k = newIndex[name], let j = oldIndex[name],
                  new.interfaces[k].kind == .bond, old.interfaces[j].kind == .bond else { continue }
            let o = old.interfaces[j], n = new.interfaces[k]
            events += BondStateEvents.bond(o, n, at: now)
            for slave in new.interfaces where slave.master == name {
                guard let i = oldIndex[slave.name], old.interfaces[i].master == name else { continue }
                events += BondStateEvents.slave(old.interfaces[i], slave, oldBond: o, newBond: n, at: now)
            }
        }
        return events
    }
}

/// The classification itself, one bond or one slave at a time.
public enum BondStateEvents {
    /// "MAC key N" of a partner, "none" without one.
    static func partner(_ ad: BondADInfo?) -> String {
        guard let ad, ad.hasPartner else { return "none" }
        return "\(ad.partnerMAC!) key \(ad.partnerKey.map(String.init) ?? "?")"
    }

    /// Partner and active aggregator changes of one 802.3ad bond.
    public static func bond(_ o: Interface, _ n: Interface, at now: Date) -> [MonitorEvent] {
        guard let was = o.bondState?.ad, let ad = n.bondState?.ad else { return [] }
        var events: [MonitorEvent] = []
        let from = partner(was), to = partner(ad)
        if from != to {
            // A partner appearing where there was none is good news; any other change is a
            // switch replaced, rebooted or mis-cabled.
            let severity: Severity = !was.hasPartner ? .notice : .warning
            var fields = ["bond": n.name]
            if let mac = ad.partnerMAC { fields["partner-mac"] = mac }
            events.append(MonitorEvent(time: now, event: .lacpPartner, severity: severity,
                                       interface: n.name, group: n.name, from: from, to: to,
                                       counters: ad.partnerKey.map { ["partner-key": $0] } ?? [:],
                                       fields: fields))
        }
        let ports = ad.numPorts ?? 0, before = was.numPorts ?? 0
        if was.aggregatorID != ad.aggregatorID || ports != before {
            let needed = max(n.bond?.minLinks ?? 1, 1)
            let severity: Severity = ports < needed ? .crit
                : (was.aggregatorID != ad.aggregatorID || ports < before) ? .warning : .notice
            events.append(MonitorEvent(
                time: now, event: .lacpAggregator, severity: severity, interface: n.name, group: n.name,
                from: was.aggregatorID.map(String.init) ?? "none", to: ad.aggregatorID.map(String.init) ?? "none",
                counters: ["ports": ports, "ports-before": before, "min-links": needed]))
        }
        return events
    }

    /// Aggregator membership and churn of one slave of an 802.3ad bond.
    public static func slave(_ o: Interface, _ n: Interface, oldBond: Interface, newBond: Interface,
                             at now: Date) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        func inActive(_ s: Interface, _ b: Interface) -> Bool? {
            guard let id = s.slave?.lacp?.aggregatorID, let active = b.bondState?.ad?.aggregatorID else { return nil }
            return id == active
        }
        if let was = inActive(o, oldBond), let now_ = inActive(n, newBond), was != now_ {
            events.append(MonitorEvent(
                time: now, event: .lacpSlave, severity: now_ ? .notice : .warning,
                interface: n.name, group: newBond.name, from: was ? "active-aggregator" : "other-aggregator",
                to: now_ ? "active-aggregator" : "other-aggregator",
                counters: ["aggregator-id": n.slave?.lacp?.aggregatorID ?? 0,
                           "active-aggregator-id": newBond.bondState?.ad?.aggregatorID ?? 0]))
        }
        if let a = o.slave?.lacp, let b = n.slave?.lacp, (a.actorChurnState != nil && b.actorChurnState != nil)
            || (a.partnerChurnState != nil && b.partnerChurnState != nil), a.churned != b.churned {
            events.append(MonitorEvent(
                time: now, event: .lacpChurn, severity: b.churned ? .warning : .notice,
                interface: n.name, group: newBond.name, from: a.churned ? "churned" : "none",
                to: b.churned ? "churned" : "none",
                fields: ["actor-churn-state": b.actorChurnState ?? "unknown",
                         "partner-churn-state": b.partnerChurnState ?? "unknown"]))
        }
        return events
    }

    /// A slave's link judged by its bond's ARP monitor while its carrier is up: the ARP monitor
    /// decided, not the cable (nil: an MII change, reported as bond-slave).
    public static func arpLink(_ o: Interface, _ n: Interface, bond: Interface?, at now: Date) -> MonitorEvent? {
        guard let arp = bond?.bondState?.arp, n.carrier != false,
              let from = o.slave?.miiStatus, let to = n.slave?.miiStatus, from != to else { return nil }
        let severity: Severity = to == "down" ? .warning : to == "up" ? .notice : .info
        return MonitorEvent(time: now, event: .arpLink, severity: severity, interface: n.name,
                            group: n.master, from: from, to: to,
                            counters: ["arp-interval": arp.interval],
                            fields: ["carrier": "up", "monitor": "arp", "targets": arp.targets.joined(separator: ","),
                                     "validate": arp.validate ?? "unknown"])
    }
}

extension MonitorEvent {
    /// The syslog sentence of the 802.3ad and ARP-monitor events.
    var bondStateSummary: String {
        let i = interface ?? "?", g = group ?? "?", f = from ?? "?", t = to ?? "?"
        switch event {
        case .lacpPartner:
            return "\(g): LACP partner changed \(f) -> \(t)"
        case .lacpAggregator:
            let ports = counters["ports"] ?? 0, needed = counters["min-links"] ?? 1
            return "\(g): active aggregator \(f) -> \(t), \(ports) port(s)"
                + (ports < needed ? ", below min-links \(needed)" : "")
        case .lacpSlave:
            return "\(g) slave \(i): " + (t == "active-aggregator" ? "joined" : "left") + " the active aggregator"
                + " (aggregator \(counters["aggregator-id"] ?? 0), active \(counters["active-aggregator-id"] ?? 0))"
        case .lacpChurn:
            return "\(g) slave \(i): LACP churn \(f) -> \(t) (actor \(fields["actor-churn-state"] ?? "?"), "
                + "partner \(fields["partner-churn-state"] ?? "?"))"
        case .arpLink:
            return "\(g) slave \(i): ARP monitor says link \(t) (was \(f)); carrier up: "
                + "the ARP monitor decided, not the cable"
        default:
            return "\(i): \(event.rawValue)"
        }
    }
}
