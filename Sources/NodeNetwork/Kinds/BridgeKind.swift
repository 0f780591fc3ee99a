// The bridge, whole: from the profile's bridge section (STP, port settings), its settings
// change (STP off first when leaving the forward-delay range), its create line and how ports
// join it in each render, and what `show` prints of it and of its ports.

enum BridgeKind: KindUnit {
    static let kind = InterfaceKind.bridge

    // MARK: Desired state

    /// The bridge; it carries the host's addresses when there is no host veth.
    static func interfaces(of profile: Profile) -> [Interface] {
        let settings: BridgeSettings
        if let stp = profile.bridge.stp {
            settings = BridgeSettings(stp: true, priority: stp.priority, forwardDelay: stp.forwardDelay.map(Double.init),
                                      helloTime: stp.helloTime.map(Double.init), maxAge: stp.maxAge.map(Double.init))
        } else {
            settings = BridgeSettings(stp: false)
        }
        let addresses = profile.host.addresses.isEmpty ? nil : profile.host.addresses
        return [Interface(name: profile.bridge.name, kind: .bridge, mtu: profile.host.mtu,
                          addresses: profile.host.veth == nil ? addresses : nil, bridge: settings)]
    }

    /// The settings of `name` as a port of the profile's bridge (nil: none given).
    static func portSettings(_ name: String, of profile: Profile) -> BridgePortSettings? {
        guard let p = profile.bridge.ports[name], p.priority != nil || p.cost != nil else { return nil }
        return BridgePortSettings(priority: p.priority, cost: p.cost)
    }

    // MARK: Plan

    static func creationSettings(from want: Interface, into created: inout Interface) {
        created.bridge = want.bridge
    }

    static func changeSettings(_ want: Interface, _ cur: Interface, in plan: inout PlanBuilder) {
        guard let wb = want.bridge, let cb = cur.bridge, !matches(wb, cb) else { return }
        // The kernel applies forward-delay before stp_state and refuses a delay outside
        // 2-30 s while STP is on: turn STP off first when leaving that range with it.
        if cb.stp, !wb.stp, let d = wb.forwardDelay, !Plan.stpForwardDelayRange.contains(d) {
            plan.out.append(.setBridge(name: want.name, BridgeSettings(stp: false)))
        }
        plan.out.append(.setBridge(name: want.name, wb))
    }

    /// Same STP state, and every setting `want` gives is the same (timers within one tick).
    static func matches(_ want: BridgeSettings, _ cur: BridgeSettings) -> Bool {
        func close(_ w: Double?, _ c: Double?) -> Bool {
            guard let w else { return true }
            guard let c else { return false }
            return abs(w - c) <= Plan.timerTolerance
        }
        return want.stp == cur.stp
            && (want.priority == nil || want.priority == cur.priority)
            && close(want.forwardDelay, cur.forwardDelay)
            && close(want.helloTime, cur.helloTime)
            && close(want.maxAge, cur.maxAge)
    }

    /// "stp on priority … forward-delay …" for a step's text.
    static func describe(_ b: BridgeSettings) -> String {
        var parts = ["stp \(b.stp ? "on" : "off")"]
        if let v = b.priority { parts.append("priority \(v)") }
        if let v = b.forwardDelay { parts.append("forward-delay \(Plan.format(v))") }
        if let v = b.helloTime { parts.append("hello-time \(Plan.format(v))") }
        if let v = b.maxAge { parts.append("max-age \(Plan.format(v))") }
        return parts.joined(separator: " ")
    }

    // MARK: ip -batch

    /// Created with its STP settings; its MTU after its ports (setting it pins it: the kernel
    /// stops following the ports).
    static func ipLines(_ stage: IPStage, _ i: Interface, in state: NetworkState) -> [String] {
        switch stage {
        case .createMasters: return ["link add name \(i.name) type bridge" + (i.bridge.map(ipOptions) ?? "")]
        case .afterPorts: return i.mtu.map { ["link set dev \(i.name) mtu \($0)"] } ?? []
        default: return []
        }
    }

    /// A port's MTU first when its create did not set it (a device), then master, then its
    /// port settings.
    static func ipPortLines(_ stage: IPStage, _ port: Interface, in state: NetworkState) -> [String] {
        guard stage == .joinUpper else { return [] }
        var lines: [String] = []
        if !port.kind.unit.ipCreateCarriesMTU, let m = port.mtu { lines.append("link set dev \(port.name) mtu \(m)") }
        lines.append("link set dev \(port.name) master \(port.master!)")
        if let p = port.port, p.priority != nil || p.cost != nil {
            var line = "link set dev \(port.name) type bridge_slave"
            if let v = p.priority { line += " priority \(v)" }
            if let v = p.cost { line += " cost \(v)" }
            lines.append(line)
        }
        return lines
    }

    static func ipUpRank(_ i: Interface) -> Int { 3 }
    static let ipCreateCarriesMTU = false

    /// " stp_state … priority …" for `ip link add … type bridge` (timers in centiseconds).
    static func ipOptions(_ s: BridgeSettings) -> String {
        var line = " stp_state \(s.stp ? 1 : 0)"
        if let p = s.priority { line += " priority \(p)" }
        if let v = s.forwardDelay { line += " forward_delay \(Int((v * 100).rounded()))" }
        if let v = s.helloTime { line += " hello_time \(Int((v * 100).rounded()))" }
        if let v = s.maxAge { line += " max_age \(Int((v * 100).rounded()))" }
        return line
    }

    // MARK: ifupdown2, networkd

    static func ifupdown2Lines(_ i: Interface, in state: NetworkState) -> [String] {
        let portIfaces = state.interfaces.filter { $0.master == i.name }
        var body = ["bridge-ports \(portIfaces.isEmpty ? "none" : portIfaces.map(\.name).joined(separator: " "))"]
        if let s = i.bridge {
            body.append("bridge-stp \(s.stp ? "on" : "off")")
            if let v = s.priority { body.append("bridge-bridgeprio \(v)") }
            if let v = s.forwardDelay { body.append("bridge-fd \(Renderer.number(v))") }
            if let v = s.helloTime { body.append("bridge-hello \(Renderer.number(v))") }
            if let v = s.maxAge { body.append("bridge-maxage \(Renderer.number(v))") }
        }
        let prios = portIfaces.compactMap { p in p.port?.priority.map { "\(p.name)=\($0)" } }
        let costs = portIfaces.compactMap { p in p.port?.cost.map { "\(p.name)=\($0)" } }
        if !prios.isEmpty { body.append("bridge-portprios \(prios.joined(separator: " "))") }
        if !costs.isEmpty { body.append("bridge-pathcosts \(costs.joined(separator: " "))") }
        return body
    }

    static func networkdNetDevs(_ i: Interface, in state: NetworkState) -> [(name: String, text: String)] {
        var text = Renderer.networkdNetDevSection(i)
        if let s = i.bridge {
            text += "\n[Bridge]\nSTP=\(s.stp ? "yes" : "no")\n"
            if let v = s.priority { text += "Priority=\(v)\n" }
            if let v = s.forwardDelay { text += "ForwardDelaySec=\(Renderer.number(v))\n" }
            if let v = s.helloTime { text += "HelloTimeSec=\(Renderer.number(v))\n" }
            if let v = s.maxAge { text += "MaxAgeSec=\(Renderer.number(v))\n" }
        }
        return [("10-\(i.name).netdev", text)]
    }

    static func networkdPortText(_ port: Interface, master: String, in state: NetworkState) -> String {
        var text = "Bridge=\(master)\n"
        if let p = port.port, p.priority != nil || p.cost != nil {
            text += "\n[Bridge]\n"
            if let v = p.priority { text += "Priority=\(v)\n" }
            if let v = p.cost { text += "Cost=\(v)\n" }
        }
        return text
    }

    // MARK: show

    static func summaryAsPort(_ i: Interface, arpMonitored: Bool) -> [String] {
        guard let port = i.port else { return [] }
        var fields: [String] = []
        if let state = port.state { fields.append("stp \(state.rawValue)") }
        if let priority = port.priority { fields.append("prio \(priority)") }
        if let cost = port.cost { fields.append("cost \(cost)") }
        return fields
    }

    static func summaryOwn(_ i: Interface) -> [String] {
        guard let bridge = i.bridge else { return [] }
        var fields = [bridge.stp ? "stp on" + (bridge.stpMode == "user" ? " (user)" : "") : "stp off"]
        if let priority = bridge.priority { fields.append("prio \(priority)") }
        var timers: [String] = []
        if let v = bridge.forwardDelay { timers.append("forward-delay \(NetworkState.seconds(v))") }
        if let v = bridge.helloTime { timers.append("hello \(NetworkState.seconds(v))") }
        if let v = bridge.maxAge { timers.append("max-age \(NetworkState.seconds(v))") }
        if !timers.isEmpty { fields.append(timers.joined(separator: " ")) }
        if let id = bridge.bridgeID, let root = bridge.rootID {
            fields.append(id == root ? "root (id \(id))" : "root \(root)"
                          + (bridge.rootPort.map { " via port \($0)" } ?? ""))
        }
        if bridge.topologyChange == true { fields.append("topology-change") }
        return fields
    }
}

extension BridgeKind {
    /// A bridge is never an uplink (of another bridge).
    static func isUplink(name: String, peerNetnsID: Int?) -> Bool { false }
}
