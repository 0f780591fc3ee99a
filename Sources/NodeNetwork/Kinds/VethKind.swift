// The veth pair, whole: from the profile's host veth and guest veths, created and deleted as
// a pair in the plan, written once per pair in the renders (from the end that is not a bridge
// port), and its peer in `show`.

enum VethKind: KindUnit {
    static let kind = InterfaceKind.veth
    /// No settings of its own: the planner skips `changeSettings` for veths.
    static let plansSettings = false

    // MARK: Desired state

    /// The host pair (its host end carries the addresses), then the guest pairs of
    /// `bridge.veths`; the peer of each is a bridge port, the other end stays free.
    static func interfaces(of profile: Profile) -> [Interface] {
        var interfaces: [Interface] = []
        // Sized once and appended to in place (no two-element array per pair, no regrowth of
        // an array of large values as the pairs come).
        interfaces.reserveCapacity(2 * (profile.bridge.veths.count + 1))
        let addresses = profile.host.addresses.isEmpty ? nil : profile.host.addresses
        if let veth = profile.host.veth {
            appendPair(veth, addresses: addresses, of: profile, to: &interfaces)
        }
        for veth in profile.bridge.veths {
            appendPair(veth, addresses: nil, of: profile, to: &interfaces)
        }
        return interfaces
    }

    /// The two ends of a pair: the free end (with `addresses`), then the bridge port.
    static func appendPair(_ veth: VethProfile, addresses: [String]?, of profile: Profile, to interfaces: inout [Interface]) {
        let mtu = profile.host.mtu, bridge = profile.bridge.name
        interfaces.append(Interface(name: veth.name, kind: .veth, mtu: mtu, addresses: addresses, peer: veth.peer))
        interfaces.append(Interface(name: veth.peer, kind: .veth, master: bridge, mtu: mtu, peer: veth.name,
                                    port: BridgeKind.portSettings(veth.peer, of: profile)))
    }

    // MARK: Plan

    static func creationSettings(from want: Interface, into created: inout Interface) {
        created.peer = want.peer
    }

    /// Creating or deleting one end makes or removes both.
    static func partner(of i: Interface) -> String? { i.peer }

    static func createSummary(_ i: Interface) -> String {
        var bytes: [UInt8] = []
        appendCreateSummary(i, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "create veth NAME peer PEER" appended as bytes (apply's progress lines).
    static func appendCreateSummary(_ i: Interface, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "create veth ".utf8)
        bytes.append(contentsOf: i.name.utf8)
        bytes.append(contentsOf: " peer ".utf8)
        bytes.append(contentsOf: (i.peer ?? "?").utf8)
    }

    // MARK: Renders

    /// Whether `v` is the end its pair is written from: the first of the two in `state`.
    static func leads(_ v: Interface, in state: NetworkState) -> Bool {
        for other in state.interfaces {
            if other.name == v.name { return true }
            if other.kind == .veth, other.peer == v.name { return false }
        }
        return true
    }

    /// The two ends of the pair `v` leads, in the order the renders write them: the end that is
    /// not a bridge port first (the peer is nil when `state` does not hold it).
    static func ends(_ v: Interface, peerName: String, in state: NetworkState) -> (first: Interface, second: Interface?) {
        let peer = state[peerName]
        return (v.master != nil && peer != nil && peer!.master == nil) ? (peer!, v) : (v, peer)
    }

    /// The pair, created once with both MTUs, before the peer joins the bridge.
    static func ipLines(_ stage: IPStage, _ v: Interface, in state: NetworkState) -> [String] {
        guard stage == .createLinks, let peerName = v.peer, leads(v, in: state) else { return [] }
        let (first, second) = ends(v, peerName: peerName, in: state)
        var line = "link add name \(first.name)\(Renderer.ipMTU(first)) type veth peer name \(peerName == first.name ? v.name : peerName)"
        if let second { line += Renderer.ipMTU(second) }
        return [line]
    }

    /// A port end comes up with the ports, a free end after the bridge.
    static func ipUpRank(_ i: Interface) -> Int { i.master != nil ? 2 : 4 }

    static func ifupdown2Lines(_ i: Interface, in state: NetworkState) -> [String] {
        ["link-type veth"] + (i.peer.map { ["veth-peer-name \($0)"] } ?? [])
    }

    /// One .netdev per pair, named after its first end. [Peer] takes Name= and MACAddress= only
    /// (systemd 252 warns "Unknown key 'MTUBytes' in section [Peer]"): the second end's MTU goes
    /// in its own .network.
    static func networkdNetDevs(_ v: Interface, in state: NetworkState) -> [(name: String, text: String)] {
        guard let peerName = v.peer, leads(v, in: state) else { return [] }
        let (first, second) = ends(v, peerName: peerName, in: state)
        var text = "[NetDev]\nName=\(first.name)\nKind=veth\n"
        if let m = first.mtu { text += "MTUBytes=\(m)\n" }
        text += "\n[Peer]\nName=\(second?.name ?? peerName)\n"
        return [("10-\(first.name).netdev", text)]
    }

    /// The second end of a pair: its MTU is not in the pair's .netdev.
    static func networkdMTUInNetwork(_ v: Interface, in state: NetworkState) -> Bool {
        let lead = leads(v, in: state) ? v : state.interfaces.first { $0.kind == .veth && $0.peer == v.name }
        guard let lead, let peerName = lead.peer else { return false }
        let (_, second) = ends(lead, peerName: peerName, in: state)
        return (second?.name ?? peerName) == v.name
    }

    // MARK: show

    static func summaryOwn(_ i: Interface) -> [String] {
        i.peer.map { ["peer \($0)"] } ?? []
    }
}
