// Profile -> the network state the node should have (the same types `show` reads back).

extension Profile {
    /// The desired state: uplinks enslaved to the bridge (stp) or the bond (bond), the bond a port
    /// of the bridge, the optional veth pair (host end carries the addresses, peer is a bridge
    /// port), the guest veth pairs of `bridge.veths` (peer is a bridge port), the default route,
    /// and the MTU on every interface. Fields only the kernel knows are nil.
    public func desiredState() -> NetworkState {
        var interfaces: [Interface] = []
        let mtu = host.mtu
        func portSettings(_ name: String) -> BridgePortSettings? {
            guard let p = bridge.ports[name], p.priority != nil || p.cost != nil else { return nil }
            return BridgePortSettings(priority: p.priority, cost: p.cost)
        }
        let uplinkMaster = redundancy == .bond ? (bond?.name ?? bridge.name) : bridge.name
        for uplink in uplinks {
            interfaces.append(Interface(name: uplink, kind: .device, master: uplinkMaster, mtu: mtu,
                                        port: redundancy == .stp ? portSettings(uplink) : nil))
        }
        if redundancy == .bond, let bond {
            let settings = BondSettings(
                mode: bond.mode.rawValue, miimon: bond.miimon, updelay: bond.updelay, downdelay: bond.downdelay,
                primary: bond.primary, primaryReselect: bond.primaryReselect?.rawValue,
                arpInterval: bond.arpInterval, arpIPTarget: bond.arpIPTarget.isEmpty ? nil : bond.arpIPTarget,
                lacpRate: bond.lacpRate?.rawValue, xmitHashPolicy: bond.xmitHashPolicy?.rawValue,
                failOverMAC: bond.failOverMAC?.rawValue, minLinks: bond.minLinks, options: bond.options)
            interfaces.append(Interface(name: bond.name, kind: .bond, master: bridge.name, mtu: mtu, bond: settings,
                                        port: portSettings(bond.name)))
        }
        let stpSettings: BridgeSettings
        if let stp = bridge.stp {
            stpSettings = BridgeSettings(stp: true, priority: stp.priority, forwardDelay: stp.forwardDelay.map(Double.init),
                                         helloTime: stp.helloTime.map(Double.init), maxAge: stp.maxAge.map(Double.init))
        } else {
            stpSettings = BridgeSettings(stp: false)
        }
        let addresses = host.addresses.isEmpty ? nil : host.addresses
        interfaces.append(Interface(name: bridge.name, kind: .bridge, mtu: mtu,
                                    addresses: host.veth == nil ? addresses : nil, bridge: stpSettings))
        if let veth = host.veth {
            interfaces.append(Interface(name: veth.name, kind: .veth, mtu: mtu, addresses: addresses, peer: veth.peer))
            interfaces.append(Interface(name: veth.peer, kind: .veth, master: bridge.name, mtu: mtu, peer: veth.name,
                                        port: portSettings(veth.peer)))
        }
        // Guest veth pairs (bridge.veths): the peer is a bridge port, the other end stays free.
        for veth in bridge.veths {
            interfaces.append(Interface(name: veth.name, kind: .veth, mtu: mtu, peer: veth.peer))
            interfaces.append(Interface(name: veth.peer, kind: .veth, master: bridge.name, mtu: mtu, peer: veth.name,
                                        port: portSettings(veth.peer)))
        }
        var routes: [Route] = []
        if let gateway = host.gateway {
            routes.append(Route(destination: "default", gateway: gateway, device: hostInterface))
        }
        return NetworkState(interfaces: interfaces, routes: routes)
    }
}
