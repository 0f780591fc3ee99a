// Profile -> the network state the node should have (the same types `show` reads back).

extension Profile {
    /// The desired state: each kind's interfaces from the bottom of the stack up (its unit reads
    /// its part of the profile): the uplinks, enslaved to the bridge (stp) or the bond (bond);
    /// the bond, a port of the bridge; the bridge; the optional host veth pair (host end carries
    /// the addresses, peer is a bridge port) and the guest veth pairs of `bridge.veths`. Then
    /// the default route. The MTU is on every interface; fields only the kernel knows are nil.
    public func desiredState() -> NetworkState {
        let interfaces = InterfaceKinds.stacked.flatMap { $0.interfaces(of: self) }
        var routes: [Route] = []
        if let gateway = host.gateway {
            routes.append(Route(destination: "default", gateway: gateway, device: hostInterface))
        }
        return NetworkState(interfaces: interfaces, routes: routes)
    }
}
