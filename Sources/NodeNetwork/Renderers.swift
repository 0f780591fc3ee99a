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

    /// A script for `ip -batch -` (lines without the leading `ip`), in an order the kernel
    /// accepts: the stages of `IPStage` (bridges and bonds created with their options, bond
    /// slaves set down and enslaved, veth pairs created, bridge ports joined, then MTUs that
    /// wait for the ports), then addresses, links up (lower before upper), and the default
    /// route last. Each kind's unit writes its lines and its ports' lines.
    public static func ipBatch(_ state: NetworkState, source: String) -> String {
        var lines: [String] = [header(source).dropLast().description]
        let kindOf = Dictionary(state.interfaces.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
        for stage in IPStage.allCases {
            for unit in InterfaceKinds.all {
                for i in state.interfaces where i.kind == unit.kind { lines += unit.ipLines(stage, i, in: state) }
                for port in state.interfaces where port.master.flatMap({ kindOf[$0] }) == unit.kind {
                    lines += unit.ipPortLines(stage, port, in: state)
                }
            }
        }
        for i in state.interfaces {
            for a in i.addresses ?? [] { lines.append("address add \(a) dev \(i.name)") }
        }
        // Up: lower layers first.
        let upOrder = state.interfaces.enumerated().sorted {
            ($0.element.kind.unit.ipUpRank($0.element), $0.offset) < ($1.element.kind.unit.ipUpRank($1.element), $1.offset)
        }
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
        for i in state.interfaces {
            var body = i.kind.unit.ifupdown2Lines(i, in: state)
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
        for i in state.interfaces {
            for netdev in i.kind.unit.networkdNetDevs(i, in: state) {
                files.append(RenderedFile(name: netdev.name, contents: head + netdev.text))
            }
        }
        for i in state.interfaces where i.master != nil {
            files.append(RenderedFile(name: "20-\(i.name).network",
                                      contents: head + networkdPort(i, in: state, linkMTU: i.kind.unit.networkdMTUInNetwork(i, in: state))))
        }
        for i in state.interfaces where i.master == nil {
            files.append(RenderedFile(name: "30-\(i.name).network",
                                      contents: head + networkdTop(i, in: state, linkMTU: i.kind.unit.networkdMTUInNetwork(i, in: state))))
        }
        return files
    }

    /// The [NetDev] section of a bridge or bond (their units add their own section).
    static func networkdNetDevSection(_ i: Interface) -> String {
        var text = "[NetDev]\nName=\(i.name)\nKind=\(i.kind.rawValue)\n"
        if let m = i.mtu { text += "MTUBytes=\(m)\n" }
        return text
    }

    /// The .network of a port; `linkMTU`: the MTU is set here, not in a .netdev. What joins
    /// it to its master is the master kind's (a master not in `state` is taken for a bridge).
    static func networkdPort(_ i: Interface, in state: NetworkState, linkMTU: Bool) -> String {
        var text = "[Match]\nName=\(i.name)\n"
        if linkMTU, let m = i.mtu { text += "\n[Link]\nMTUBytes=\(m)\n" }
        text += "\n[Network]\n"
        let master = i.master!
        text += (state[master]?.kind ?? .bridge).unit.networkdPortText(i, master: master, in: state)
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
