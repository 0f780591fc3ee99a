// Renderers: desired NetworkState -> configuration text. Pure functions; the same state gives
// byte-identical output.

public enum RenderFormat: String, Sendable, CaseIterable {
    case ip, interfaces, networkd, json
}

/// One rendered file (networkd renders several).
public struct RenderedFile: Sendable, Equatable {
    public var name: String
    public var contents: String
    public init(name: String, contents: String) { self.name = name; self.contents = contents }
}

public enum Renderer {
    /// Render `state` in `format`. `source` names the profile (and node) in header comments.
    /// Throws the first `RenderRefusal` when `format` cannot carry a bond option of `state`.
    public static func render(_ state: NetworkState, format: RenderFormat, source: String) throws -> [RenderedFile] {
        if let refusal = refusals(state, format: format).first { throw refusal }
        switch format {
        case .ip: return [RenderedFile(name: "ip.batch", contents: ipBatch(state, source: source))]
        case .interfaces: return [RenderedFile(name: "interfaces", contents: interfaces(state, source: source))]
        case .networkd: return networkd(state, source: source)
        case .json: return [RenderedFile(name: "state.json", contents: try JSONOutput.string(state))]
        }
    }

    /// Everything on stdout: one file as is; several each preceded by `# FILE: NAME`.
    public static func joined(_ files: [RenderedFile]) -> String {
        if files.count == 1 { return files[0].contents }
        return files.map { "# FILE: \($0.name)\n" + $0.contents }.joined(separator: "\n")
    }

    static func header(_ source: String, comment: String = "#") -> String {
        RenderedHeader.line(source: source, comment: comment)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    // MARK: - ip -batch

    static func ipMTU(_ i: Interface) -> String { i.mtu.map { " mtu \($0)" } ?? "" }

    /// " stp_state … priority …" for `ip link add … type bridge` (timers in centiseconds).
    static func ipBridgeOptions(_ s: BridgeSettings) -> String {
        var line = " stp_state \(s.stp ? 1 : 0)"
        if let p = s.priority { line += " priority \(p)" }
        if let v = s.forwardDelay { line += " forward_delay \(Int((v * 100).rounded()))" }
        if let v = s.helloTime { line += " hello_time \(Int((v * 100).rounded()))" }
        if let v = s.maxAge { line += " max_age \(Int((v * 100).rounded()))" }
        return line
    }

    /// veth pairs: created once, from the end that is not a bridge port.
    static func ipVethPairs(_ state: NetworkState) -> [String] {
        var lines: [String] = [], created = Set<String>()
        for v in state.interfaces where v.kind == .veth && !created.contains(v.name) {
            guard let peerName = v.peer else { continue }
            let peer = state[peerName]
            let (first, second) = (v.master != nil && peer?.master == nil && peer != nil) ? (peer!, v) : (v, peer)
            var line = "link add name \(first.name)\(ipMTU(first)) type veth peer name \(peerName == first.name ? v.name : peerName)"
            if let second { line += ipMTU(second) }
            lines.append(line)
            created.insert(v.name); created.insert(peerName)
        }
        return lines
    }

    /// A script for `ip -batch -` (lines without the leading `ip`), in an order the kernel
    /// accepts: bridges and bonds are created with their options (a bond's mode can only be set
    /// while it has no slaves), slaves are set down before they are enslaved, veth pairs are
    /// created before the peer joins the bridge, then addresses, links up (lower before upper),
    /// and the default route last.
    public static func ipBatch(_ state: NetworkState, source: String) -> String {
        var lines: [String] = [header(source).dropLast().description]
        let bridges = state.interfaces.filter { $0.kind == .bridge }
        let bonds = state.interfaces.filter { $0.kind == .bond }
        let bridgeNames = Set(bridges.map(\.name)), bondNames = Set(bonds.map(\.name))
        let mtu = ipMTU

        for b in bridges { lines.append("link add name \(b.name) type bridge" + (b.bridge.map(ipBridgeOptions) ?? "")) }
        for b in bonds {
            var line = "link add name \(b.name)\(mtu(b)) type bond"
            if let s = b.bond { line += ipBondOptions(s) }
            lines.append(line)
        }
        // Bond slaves: down, then enslave (the bond sets their MTU to its own).
        for i in state.interfaces where i.master.map(bondNames.contains) == true {
            lines.append("link set dev \(i.name) down")
            lines.append("link set dev \(i.name) master \(i.master!)")
        }
        lines += ipVethPairs(state)
        // Bridge ports.
        for i in state.interfaces where i.master.map(bridgeNames.contains) == true {
            if i.kind == .device, let m = i.mtu { lines.append("link set dev \(i.name) mtu \(m)") }
            lines.append("link set dev \(i.name) master \(i.master!)")
            if let p = i.port, p.priority != nil || p.cost != nil {
                var line = "link set dev \(i.name) type bridge_slave"
                if let v = p.priority { line += " priority \(v)" }
                if let v = p.cost { line += " cost \(v)" }
                lines.append(line)
            }
        }
        // Bridge MTU after its ports (setting it pins it; the kernel stops following the ports).
        for b in bridges { if let m = b.mtu { lines.append("link set dev \(b.name) mtu \(m)") } }
        for i in state.interfaces where i.kind == .device && i.master == nil {
            if let m = i.mtu { lines.append("link set dev \(i.name) mtu \(m)") }
        }
        for i in state.interfaces {
            for a in i.addresses ?? [] { lines.append("address add \(a) dev \(i.name)") }
        }
        // Up: lower layers first.
        func rank(_ i: Interface) -> Int {
            switch i.kind {
            case .device: return 0
            case .bond: return 1
            case .veth: return i.master != nil ? 2 : 4
            case .bridge: return 3
            case .other: return 5
            }
        }
        let upOrder = state.interfaces.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
        for (_, i) in upOrder where i.up { lines.append("link set dev \(i.name) up") }
        for r in state.routes {
            var line = "route add \(r.destination) via \(r.gateway)"
            if let d = r.device { line += " dev \(d)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - /etc/network/interfaces (ifupdown2)

    /// Debian ifupdown2 stanzas. Several `address` lines in one stanza and `link-type veth` need
    /// ifupdown2 (classic ifupdown would need one `inet6` stanza per family and pre-up commands).
    public static func interfaces(_ state: NetworkState, source: String) -> String {
        var out = header(source)
        let slaves: (String) -> [String] = { master in state.interfaces.filter { $0.master == master }.map(\.name) }
        for i in state.interfaces {
            var body: [String] = []
            switch i.kind {
            case .bond:
                body.append("bond-slaves \(slaves(i.name).joined(separator: " "))")
                if let s = i.bond { body += ifupdown2BondLines(s) }
            case .bridge:
                let ports = slaves(i.name)
                body.append("bridge-ports \(ports.isEmpty ? "none" : ports.joined(separator: " "))")
                if let s = i.bridge {
                    body.append("bridge-stp \(s.stp ? "on" : "off")")
                    if let v = s.priority { body.append("bridge-bridgeprio \(v)") }
                    if let v = s.forwardDelay { body.append("bridge-fd \(number(v))") }
                    if let v = s.helloTime { body.append("bridge-hello \(number(v))") }
                    if let v = s.maxAge { body.append("bridge-maxage \(number(v))") }
                }
                let portIfaces = state.interfaces.filter { $0.master == i.name }
                let prios = portIfaces.compactMap { p in p.port?.priority.map { "\(p.name)=\($0)" } }
                let costs = portIfaces.compactMap { p in p.port?.cost.map { "\(p.name)=\($0)" } }
                if !prios.isEmpty { body.append("bridge-portprios \(prios.joined(separator: " "))") }
                if !costs.isEmpty { body.append("bridge-pathcosts \(costs.joined(separator: " "))") }
            case .veth:
                body.append("link-type veth")
                if let p = i.peer { body.append("veth-peer-name \(p)") }
            case .device, .other:
                break
            }
            for a in i.addresses ?? [] { body.append("address \(a)") }
            for r in state.routes where r.device == i.name && r.destination == "default" { body.append("gateway \(r.gateway)") }
            if let m = i.mtu { body.append("mtu \(m)") }
            let method = (i.addresses ?? []).isEmpty ? "manual" : "static"
            out += "\nauto \(i.name)\niface \(i.name) inet \(method)\n"
            out += body.map { "    \($0)\n" }.joined()
        }
        return out
    }

    /// What ifupdown2 would misread in `state`: it takes a dotted name (vif0.0) for a VLAN
    /// RAW.VID and fails on the missing raw device, although it configures the rest.
    public static func interfacesCaveats(_ state: NetworkState) -> [String] {
        state.interfaces.filter { $0.name.contains(".") }.map {
            "ifupdown2 reads '\($0.name)' as VLAN \($0.name.split(separator: ".").last ?? "") of '\($0.name.split(separator: ".").first ?? "")' and reports an error for it (fix: use a name without '.' on nodes configured by ifupdown2)"
        }
    }

    // MARK: - systemd-networkd

    /// `.netdev` files for the bridge, bond and veth pair (10-*), `.network` files for the ports
    /// (20-*) and for the interfaces that carry addresses or have no master (30-*).
    /// Every key is one systemd 252 (Debian 12) reads without a warning; man xg-scale-profile(5)
    /// lists the version each key needs.
    public static func networkd(_ state: NetworkState, source: String) -> [RenderedFile] {
        let head = header(source)
        var files: [RenderedFile] = []
        var peerEnds = Set<String>()
        var vethDone = Set<String>()
        for i in state.interfaces {
            switch i.kind {
            case .bridge, .bond:
                files.append(RenderedFile(name: "10-\(i.name).netdev", contents: head + networkdNetDev(i)))
            case .veth:
                // One .netdev per pair, named after the end that is not a bridge port.
                guard !vethDone.contains(i.name), let peerName = i.peer else { continue }
                let peer = state[peerName]
                let (first, second) = (i.master != nil && peer != nil && peer!.master == nil) ? (peer!, i) : (i, peer)
                let secondName = second?.name ?? peerName
                vethDone.formUnion([i.name, peerName])
                peerEnds.insert(secondName)
                // [Peer] takes Name= and MACAddress= only (systemd 252 warns "Unknown key
                // 'MTUBytes' in section [Peer]"): the peer's MTU goes in its own .network.
                var text = head + "[NetDev]\nName=\(first.name)\nKind=veth\n"
                if let m = first.mtu { text += "MTUBytes=\(m)\n" }
                text += "\n[Peer]\nName=\(secondName)\n"
                files.append(RenderedFile(name: "10-\(first.name).netdev", contents: text))
            case .device, .other:
                continue
            }
        }
        for i in state.interfaces where i.master != nil {
            files.append(RenderedFile(name: "20-\(i.name).network",
                                      contents: head + networkdPort(i, in: state, linkMTU: i.kind == .device || peerEnds.contains(i.name))))
        }
        for i in state.interfaces where i.master == nil {
            files.append(RenderedFile(name: "30-\(i.name).network",
                                      contents: head + networkdTop(i, in: state, linkMTU: i.kind == .device || peerEnds.contains(i.name))))
        }
        return files
    }

    /// The [NetDev] and [Bridge] or [Bond] sections of a bridge or bond.
    static func networkdNetDev(_ i: Interface) -> String {
        func ms(_ v: Int) -> String { "\(v)ms" }
        var text = "[NetDev]\nName=\(i.name)\nKind=\(i.kind.rawValue)\n"
        if let m = i.mtu { text += "MTUBytes=\(m)\n" }
        if let s = i.bridge {
            text += "\n[Bridge]\nSTP=\(s.stp ? "yes" : "no")\n"
            if let v = s.priority { text += "Priority=\(v)\n" }
            if let v = s.forwardDelay { text += "ForwardDelaySec=\(number(v))\n" }
            if let v = s.helloTime { text += "HelloTimeSec=\(number(v))\n" }
            if let v = s.maxAge { text += "MaxAgeSec=\(number(v))\n" }
        }
        if let s = i.bond { text += networkdBondSection(s) }
        return text
    }

    /// The .network of a bridge port or bond slave; `linkMTU`: the MTU is set here, not in a .netdev.
    static func networkdPort(_ i: Interface, in state: NetworkState, linkMTU: Bool) -> String {
        var text = "[Match]\nName=\(i.name)\n"
        if linkMTU, let m = i.mtu { text += "\n[Link]\nMTUBytes=\(m)\n" }
        text += "\n[Network]\n"
        if state[i.master!]?.kind == .bond {
            text += "Bond=\(i.master!)\n"
            if state[i.master!]?.bond?.primary == i.name { text += "PrimarySlave=yes\n" }
        } else {
            text += "Bridge=\(i.master!)\n"
        }
        if let p = i.port, p.priority != nil || p.cost != nil {
            text += "\n[Bridge]\n"
            if let v = p.priority { text += "Priority=\(v)\n" }
            if let v = p.cost { text += "Cost=\(v)\n" }
        }
        return text
    }

    /// The .network of an interface without a master: its addresses and gateway, or none.
    static func networkdTop(_ i: Interface, in state: NetworkState, linkMTU: Bool) -> String {
        var text = "[Match]\nName=\(i.name)\n"
        if linkMTU, let m = i.mtu { text += "\n[Link]\nMTUBytes=\(m)\n" }
        text += "\n[Network]\n"
        let addresses = i.addresses ?? []
        if addresses.isEmpty {
            text += "LinkLocalAddressing=no\nConfigureWithoutCarrier=yes\n"
        }
        for a in addresses { text += "Address=\(a)\n" }
        for r in state.routes where r.device == i.name && r.destination == "default" { text += "Gateway=\(r.gateway)\n" }
        return text
    }
}
