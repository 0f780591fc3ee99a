// What `xg-scale show` prints: the links that matter for redundancy, as a tree of masters and
// their ports. Pure functions over `NetworkState`, so they are tested without a kernel.

extension NetworkState {
    /// The links that matter for redundancy: devices, bridges, bonds and veths, and the masters
    /// they hang off. Loopback and other kinds (tun, dummy, vlan...) are left out unless they
    /// are the master of such a link. Routes are kept when their device is kept (or unnamed).
    public func redundancyRelevant() -> NetworkState {
        let wanted = Set(InterfaceKind.allCases.filter { $0 != .other })
        var keep = Set(interfaces.filter { wanted.contains($0.kind) }.map(\.name))
        for interface in interfaces where keep.contains(interface.name) {
            if let master = interface.master { keep.insert(master) }
        }
        let kept = interfaces.filter { keep.contains($0.name) }
        return NetworkState(interfaces: kept,
                            routes: routes.filter { $0.device.map(keep.contains) ?? true })
    }

    /// Human summary: masters with their ports indented under them, then the other links, then
    /// the default routes. Only what the state holds is printed (nothing is invented).
    public func summaryText() -> String {
        var lines: [String] = []
        let names = Set(interfaces.map(\.name))
        for interface in interfaces where interface.master == nil || !names.contains(interface.master!) {
            lines.append(Self.line(interface, indent: ""))
            for port in interfaces where port.master == interface.name {
                lines.append(Self.line(port, indent: "  ", arpMonitored: interface.bondState?.arp != nil))
            }
        }
        for route in routes {
            lines.append("\(route.destination) via \(route.gateway)" + (route.device.map { " dev \($0)" } ?? ""))
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    /// One link; `arpMonitored`: a slave of a bond whose ARP monitor (not MII) judges its link.
    static func line(_ i: Interface, indent: String, arpMonitored: Bool = false) -> String {
        var fields: [String] = []
        let kind = i.kind == .other ? (i.kernelKind ?? "other") : i.kind.rawValue
        fields.append(kind)
        var state = i.up ? "up" : "down"
        if let operstate = i.operstate, operstate != state { state += "(\(operstate))" }
        fields.append(state)
        if let carrier = i.carrier {
            fields.append(carrier ? "carrier" : "no-carrier")
        }
        // What each kind's unit prints of the fields it owns that `i` has: as a port first,
        // then its own settings.
        for unit in InterfaceKinds.all { fields += unit.summaryAsPort(i, arpMonitored: arpMonitored) }
        for unit in InterfaceKinds.all { fields += unit.summaryOwn(i) }
        if let addresses = i.addresses, !addresses.isEmpty { fields.append(addresses.joined(separator: " ")) }
        let name = (indent + i.name).padding(toLength: max(16, indent.count + i.name.count + 1),
                                             withPad: " ", startingAt: 0)
        return name + fields.joined(separator: "  ")
    }
}
