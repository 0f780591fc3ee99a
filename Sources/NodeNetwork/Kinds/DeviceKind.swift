// Devices (physical NICs, or whatever link exists under an uplink's name) and the kinds
// xg-scale only reads: neither is ever created, and they carry no settings of their own.

enum DeviceKind: KindUnit {
    static let kind = InterfaceKind.device
    static let plansSettings = false

    /// The uplinks, enslaved to the bond (redundancy bond) or the bridge (stp; with their port
    /// settings).
    static func interfaces(of profile: Profile) -> [Interface] {
        let master = profile.redundancy == .bond ? (profile.bond?.name ?? profile.bridge.name) : profile.bridge.name
        return profile.uplinks.map { uplink in
            Interface(name: uplink, kind: .device, master: master, mtu: profile.host.mtu,
                      port: profile.redundancy == .stp ? BridgeKind.portSettings(uplink, of: profile) : nil)
        }
    }

    /// A missing device is a cable or driver to check, not something to make.
    static let isCreated = false

    /// An uplink is whatever link exists under that name (a NIC, a veth in a lab, a Xen vif...).
    static let takesAnyExistingLink = true

    /// Its MTU is a line of its own: before it joins a bridge, or after the ports when free.
    static let ipCreateCarriesMTU = false

    static func ipLines(_ stage: IPStage, _ i: Interface, in state: NetworkState) -> [String] {
        guard stage == .afterPorts, i.master == nil, let m = i.mtu else { return [] }
        return ["link set dev \(i.name) mtu \(m)"]
    }

    static func ipUpRank(_ i: Interface) -> Int { 0 }

    /// No .netdev: its MTU goes in its .network.
    static func networkdMTUInNetwork(_ i: Interface, in state: NetworkState) -> Bool { true }

    /// A NIC leads out; Xen's vifN.M and tap devices (Ethernet links without a kind, like a NIC)
    /// lead to guests.
    static func isUplink(name: String, peerNetnsID: Int?) -> Bool {
        !(name.hasPrefix("vif") || name.hasPrefix("tap"))
    }
}

/// A kind the kernel has and xg-scale only reads (dummy, tun, vlan...: `Interface.kernelKind`).
enum OtherKind: KindUnit {
    static let kind = InterfaceKind.other
    static let plansSettings = false
    static let isCreated = false
    static func ipUpRank(_ i: Interface) -> Int { 5 }
}
