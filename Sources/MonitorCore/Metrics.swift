// node_exporter textfile-collector metrics, rendered from the current state.
//
//   xgscale_link_carrier{interface}               1 carrier up, 0 down
//   xgscale_link_carrier_changes_total{interface} kernel carrier up + down count (counter)
//   xgscale_link_flapping{interface}              1 while dampened as flapping
//   xgscale_stp_port_state{bridge,interface}      0 disabled, 1 listening, 2 learning,
//                                                 3 forwarding, 4 blocking (BR_STATE_*)
//   xgscale_bond_active_slave{bond,slave}         1 for the active slave, 0 for the others
//   xgscale_bond_ad_aggregator_id{bond}           802.3ad: id of the active aggregator
//   xgscale_bond_ad_ports{bond}                   802.3ad: ports in the active aggregator
//   xgscale_bond_ad_partner{bond}                 802.3ad: 1 while a LACP partner answers
//   xgscale_bond_slave_ad_churned{bond,slave}     802.3ad: 1 while actor or partner churned
//   xgscale_bond_slave_arp_up{bond,slave}         ARP monitor: 1 link judged up, 0 down
//   xgscale_redundancy_state{group,kind}          0 ok, 1 degraded, 2 down
//   xgscale_monitor_events_dropped_total          events dropped from a full remote queue
import NodeNetwork

public enum MetricsText {
    static func label(_ v: String) -> String {
        v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func portValue(_ s: PortSTPState) -> Int {
        switch s {
        case .disabled: return 0
        case .listening: return 1
        case .learning: return 2
        case .forwarding: return 3
        case .blocking: return 4
        }
    }

    /// The textfile content (Prometheus text exposition format 0.0.4).
    public static func render(state: NetworkState, groups: [GroupStatus], flapping: Set<String>,
                              links: (Interface) -> Bool, droppedEvents: Int) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(v)\n" }
        }
        let watched = state.interfaces.filter(links).sorted { $0.name < $1.name }
        family("xgscale_link_carrier", "gauge", "Carrier of the link (1 up, 0 down).",
               watched.compactMap { i in i.carrier.map { ("{interface=\"\(label(i.name))\"}", $0 ? 1 : 0) } })
        family("xgscale_link_carrier_changes_total", "counter",
               "Carrier changes counted by the kernel (carrier up + down count).",
               watched.compactMap { i in
                   guard let u = i.carrierUpCount, let d = i.carrierDownCount else { return nil }
                   return ("{interface=\"\(label(i.name))\"}", u + d)
               })
        family("xgscale_link_flapping", "gauge", "1 while the link is dampened as flapping.",
               watched.map { ("{interface=\"\(label($0.name))\"}", flapping.contains($0.name) ? 1 : 0) })
        let ports = state.interfaces.filter { $0.port?.state != nil && $0.master != nil }
            .sorted { ($0.master!, $0.name) < ($1.master!, $1.name) }
        family("xgscale_stp_port_state", "gauge",
               "STP state of a bridge port: 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking.",
               ports.map { ("{bridge=\"\(label($0.master!))\",interface=\"\(label($0.name))\"}",
                            portValue($0.port!.state!)) })
        var slaves: [(String, Int)] = []
        for b in state.interfaces.filter({ $0.kind == .bond }).sorted(by: { $0.name < $1.name }) {
            for s in state.interfaces.filter({ $0.master == b.name }).sorted(by: { $0.name < $1.name }) {
                slaves.append(("{bond=\"\(label(b.name))\",slave=\"\(label(s.name))\"}",
                               b.bond?.activeSlave == s.name ? 1 : 0))
            }
        }
        family("xgscale_bond_active_slave", "gauge", "1 for the bond's active slave, 0 for the others.",
               slaves)
        bondRuntime(state, family)
        family("xgscale_redundancy_state", "gauge", "Redundancy of a group: 0 ok, 1 degraded, 2 down.",
               groups.sorted { $0.name < $1.name }.map {
                   ("{group=\"\(label($0.name))\",kind=\"\($0.kind.rawValue)\"}", $0.state.metricValue)
               })
        family("xgscale_monitor_events_dropped_total", "counter",
               "Events dropped because the remote syslog queue was full.", [("", droppedEvents)])
        return out
    }
}

extension MetricsText {
    /// The 802.3ad and ARP-monitor gauges (families are written even when empty).
    static func bondRuntime(_ state: NetworkState,
                            _ family: (String, String, String, [(String, Int)]) -> Void) {
        let bonds = state.interfaces.filter { $0.kind == .bond }.sorted { $0.name < $1.name }
        func bondLabel(_ b: Interface) -> String { "{bond=\"\(label(b.name))\"}" }
        let ad = bonds.compactMap { b in b.bondState?.ad.map { (b, $0) } }
        family("xgscale_bond_ad_aggregator_id", "gauge", "802.3ad: id of the bond's active aggregator.",
               ad.compactMap { b, a in a.aggregatorID.map { (bondLabel(b), $0) } })
        family("xgscale_bond_ad_ports", "gauge", "802.3ad: ports in the bond's active aggregator.",
               ad.compactMap { b, a in a.numPorts.map { (bondLabel(b), $0) } })
        family("xgscale_bond_ad_partner", "gauge", "802.3ad: 1 while a LACP partner answers, 0 none.",
               ad.map { b, a in (bondLabel(b), a.hasPartner ? 1 : 0) })
        var churn: [(String, Int)] = [], arp: [(String, Int)] = []
        for b in bonds {
            for s in state.interfaces.filter({ $0.master == b.name }).sorted(by: { $0.name < $1.name }) {
                let l = "{bond=\"\(label(b.name))\",slave=\"\(label(s.name))\"}"
                if let lacp = s.slave?.lacp, lacp.actorChurnState != nil || lacp.partnerChurnState != nil {
                    churn.append((l, lacp.churned ? 1 : 0))
                }
                if b.bondState?.arp != nil, let mii = s.slave?.miiStatus { arp.append((l, mii == "up" ? 1 : 0)) }
            }
        }
        family("xgscale_bond_slave_ad_churned", "gauge",
               "802.3ad: 1 while the slave's actor or partner churn state is churned.", churn)
        family("xgscale_bond_slave_arp_up", "gauge",
               "ARP monitor: 1 when it judges the slave's link up, 0 down.", arp)
    }
}
