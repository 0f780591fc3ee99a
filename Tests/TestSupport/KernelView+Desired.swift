// Compare a namespace's kernel state, read independently (KernelView), with a desired NetworkState:
// what a user would check with `ip -d link`, `ip addr`, `ip route`, `bridge link` and sysfs.
import Foundation
import NodeNetwork

extension KernelView {
    /// Every way the kernel differs from `desired`, one line each ("veth0 mtu: want 1500, kernel 9000").
    /// Links the desired state does not name are ignored; default routes must be exactly the
    /// desired ones; each desired interface's global addresses must be exactly its addresses.
    /// `sysfsFrom`: when given, the bridge timers and port settings are also checked in sysfs.
    public func differences(from desired: NetworkState, sysfsFrom ns: Namespace? = nil) throws -> [String] {
        var out: [String] = []
        for want in desired.interfaces {
            guard let have = links[want.name] else {
                out.append("\(want.name) missing (kernel has \(links.keys.sorted()))"); continue
            }
            out += linkDifferences(want, have)
            if let ns { out += try KernelView.sysfsDifferences(want, in: ns) }
        }
        let wantRoutes = Set(desired.routes.filter { $0.destination == "default" }
            .map { "\($0.gateway) dev \($0.device ?? "-")" })
        if wantRoutes != defaultRoutes {
            out.append("default routes: want \(wantRoutes.sorted()), kernel \(defaultRoutes.sorted())")
        }
        return out
    }

    func linkDifferences(_ want: Interface, _ have: KernelLink) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ what: String, _ w: T, _ h: T) {
            if w != h { out.append("\(want.name) \(what): want \(w), kernel \(h)") }
        }
        // Uplinks (.device) are veths standing in for NICs in the tests: their kind is not checked.
        if want.kind != .device { check("kind", want.kind.rawValue, have.kind ?? "none") }
        check("up", want.up, have.up)
        check("master", want.master ?? "-", have.master ?? "-")
        if let mtu = want.mtu { check("mtu", mtu, have.mtu) }
        if let peer = want.peer { check("peer", peer, have.peer ?? "-") }
        check("addresses", Set(want.addresses ?? []), Set(have.addresses))
        if let b = want.bridge {
            guard let k = have.bridge else { out.append("\(want.name) is not a bridge"); return out }
            check("stp", b.stp, k.stp)
            if let v = b.priority { check("bridge priority", v, k.priority) }
            if let v = b.forwardDelay { check("forward-delay", v, k.forwardDelay) }
            if let v = b.helloTime { check("hello-time", v, k.helloTime) }
            if let v = b.maxAge { check("max-age", v, k.maxAge) }
        }
        if let b = want.bond {
            guard let k = have.bondData else { out.append("\(want.name) is not a bond"); return out }
            out += KernelView.bondDifferences(want.name, b, k)
        }
        if let p = want.port {
            guard let k = have.port else { out.append("\(want.name) is not a bridge port"); return out }
            if let v = p.priority { check("port priority", v, k.priority) }
            if let v = p.cost { check("port cost", v, k.cost) }
        }
        return out
    }

    /// Bond options as `ip -d` names them (IFLA_INFO_DATA): mode, MII timers, primary, LACP...
    static func bondDifferences(_ name: String, _ b: BondSettings, _ k: [String: String]) -> [String] {
        let wanted: [(String, String?)] = [
            ("mode", b.mode), ("miimon", b.miimon.map(String.init)), ("updelay", b.updelay.map(String.init)),
            ("downdelay", b.downdelay.map(String.init)), ("primary", b.primary),
            ("primary_reselect", b.primaryReselect), ("arp_interval", b.arpInterval.map(String.init)),
            ("arp_ip_target", b.arpIPTarget.map { $0.sorted().joined(separator: " ") }),
            ("ad_lacp_rate", b.lacpRate), ("xmit_hash_policy", b.xmitHashPolicy),
            ("fail_over_mac", b.failOverMAC), ("min_links", b.minLinks.map(String.init)),
        ]
        return wanted.compactMap { key, value in
            guard let value, k[key] != value else { return nil }
            return "\(name) bond \(key): want \(value), kernel \(k[key] ?? "absent")"
        }
    }

    /// The same bridge and port settings read from /sys/class/net (centiseconds for timers).
    static func sysfsDifferences(_ want: Interface, in ns: Namespace) throws -> [String] {
        var out: [String] = []
        func check(_ what: String, _ w: String, _ h: String?) {
            if w != h { out.append("\(want.name) sysfs \(what): want \(w), kernel \(h ?? "absent")") }
        }
        if let b = want.bridge {
            let s = try sysfs(ns, want.name, "bridge")
            check("stp_state", b.stp ? "1" : "0", s["stp_state"])
            if let v = b.priority { check("priority", "\(v)", s["priority"]) }
            if let v = b.forwardDelay { check("forward_delay", "\(Int((v * 100).rounded()))", s["forward_delay"]) }
            if let v = b.helloTime { check("hello_time", "\(Int((v * 100).rounded()))", s["hello_time"]) }
            if let v = b.maxAge { check("max_age", "\(Int((v * 100).rounded()))", s["max_age"]) }
        }
        if let p = want.port {
            let s = try sysfs(ns, want.name, "brport")
            if let v = p.priority { check("port priority", "\(v)", s["priority"]) }
            if let v = p.cost { check("path_cost", "\(v)", s["path_cost"]) }
        }
        return out
    }
}
