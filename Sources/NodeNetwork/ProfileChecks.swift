// The profile's cross-field rules: redundancy against its sections, bridge ports, names used
// twice, STP timers.
import Yams

extension ProfileParser {
    // MARK: - Cross-field rules

    mutating func checkRedundancy(_ redundancy: Located<Redundancy>?, bridge: BridgeDraft?, bondEntry: Entry?) {
        guard let redundancy else { return }
        switch redundancy.value {
        case .stp:
            if let bondEntry {
                reader.error(bondEntry.keyLocation, "a bond section does not belong with redundancy stp",
                             fix: "remove the bond section, or set 'redundancy: bond'")
            }
            if let bridge {
                if bridge.stpLocation == nil {
                    reader.error(bridge.location, "redundancy stp needs bridge.stp",
                                 fix: "add 'stp: {forward-delay: 4}' under bridge (or set 'redundancy: bond')")
                } else if !bridge.stpEnabled, !reader.hasErrorAt(bridge.stpLocation!) {
                    reader.error(bridge.stpLocation!, "redundancy stp needs STP on, but bridge.stp is off",
                                 fix: "turn it on (e.g. 'stp: {forward-delay: 4}'), or set 'redundancy: bond'")
                }
            }
        case .bond:
            if bondEntry == nil {
                reader.error(redundancy.location, "redundancy bond needs a bond section",
                             fix: "add 'bond: {name: bond0, mode: active-backup, miimon: 100}'")
            }
            if let bridge, let stpLocation = bridge.stpLocation, bridge.stpEnabled {
                reader.error(stpLocation, "bridge.stp must be absent or off with redundancy bond (the bond already makes the uplinks one port)",
                             fix: "remove bridge.stp or write 'stp: off'")
            }
        }
    }

    mutating func checkPorts(bridge: BridgeDraft?, redundancy: Redundancy?, uplinks: [Located<String>]?, bond: BondDraft?,
                             host: HostDraft) {
        guard let bridge, !bridge.ports.isEmpty, let redundancy else { return }
        var valid: [String] = []
        switch redundancy {
        case .stp: valid = uplinks?.map(\.value) ?? []
        case .bond: if let n = bond?.name?.value { valid = [n] }
        }
        if let peer = host.veth?.peer?.value { valid.append(peer) }
        valid += bridge.veths.compactMap { $0.peer?.value }
        let validSet = Set(valid), uplinkSet = Set(uplinks?.map(\.value) ?? [])
        for port in bridge.ports where !validSet.contains(port.name.value) {
            let what = uplinkSet.contains(port.name.value)
                ? "'\(port.name.value)' is enslaved to the bond, not to the bridge"
                : "'\(port.name.value)' is not a port of bridge \(bridge.name?.value ?? "")"
            reader.error(port.name.location, "bridge.ports: \(what)",
                         fix: valid.isEmpty ? "remove it" : "key ports by one of: \(listing(valid))")
        }
    }

    mutating func checkDuplicateNames(uplinks: [Located<String>]?, bridge: BridgeDraft?, bond: BondDraft?, host: HostDraft) {
        // Roles ("bridge.veths[3].peer") are spelled only for a message: a guest veth's role is
        // its index and end until then.
        enum Role {
            case named(String)
            case guestVeth(Int, peer: Bool)
            var text: String {
                switch self {
                case .named(let role): return role
                case .guestVeth(let i, let peer): return "bridge.veths[\(i)].\(peer ? "peer" : "name")"
                }
            }
        }
        var seen: [String: (Role, SourceLocation)] = [:]
        seen.reserveCapacity((uplinks?.count ?? 0) + 4 + 2 * (bridge?.veths.count ?? 0))
        func check(_ role: Role, _ v: Located<String>?) {
            guard let v else { return }
            if let first = seen[v.value] {
                reader.error(v.location, "\(role.text): interface name '\(v.value)' is already used by \(first.0.text) (line \(first.1.line))",
                             fix: "give each interface its own name")
            } else {
                seen[v.value] = (role, v.location)
            }
        }
        for u in uplinks ?? [] { check(.named("uplinks"), u) }
        check(.named("bridge.name"), bridge?.name)
        check(.named("bond.name"), bond?.name)
        check(.named("host.veth.name"), host.veth?.name)
        check(.named("host.veth.peer"), host.veth?.peer)
        for (i, v) in (bridge?.veths ?? []).enumerated() {
            check(.guestVeth(i, peer: false), v.name)
            check(.guestVeth(i, peer: true), v.peer)
        }
    }

    mutating func checkSTPTimers(_ bridge: BridgeDraft?) {
        guard let bridge, bridge.stpEnabled else { return }
        let s = bridge.stp
        // The kernel checks each timer's range only; IEEE 802.1D also asks
        // 2 x (forward-delay - 1) >= max-age >= 2 x (hello-time + 1). Breaking it risks loops.
        let fd = s.forwardDelay ?? STPProfile.kernelForwardDelay
        let hello = s.helloTime ?? STPProfile.kernelHelloTime
        let maxAge = s.maxAge ?? STPProfile.kernelMaxAge
        let loc = bridge.stpFieldLocations["max-age"] ?? bridge.stpFieldLocations["forward-delay"]
            ?? bridge.stpFieldLocations["hello-time"] ?? bridge.stpLocation ?? bridge.location
        if 2 * (fd - 1) < maxAge {
            reader.warning(loc, "bridge.stp: max-age \(maxAge) exceeds 2 x (forward-delay \(fd) - 1) = \(2 * (fd - 1)) (IEEE 802.1D); the kernel accepts it, but a port may forward before stale information ages out",
                           fix: "lower max-age to \(2 * (fd - 1)) or raise forward-delay to \((maxAge + 1) / 2 + 1)")
        }
        if maxAge < 2 * (hello + 1) {
            reader.warning(loc, "bridge.stp: max-age \(maxAge) is below 2 x (hello-time \(hello) + 1) = \(2 * (hello + 1)) (IEEE 802.1D); a single lost hello can age out the root",
                           fix: "raise max-age to \(2 * (hello + 1)) or lower hello-time")
        }
    }
}
