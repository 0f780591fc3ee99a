// Conflict checks over a Configuration. Pure: facts about the local machine (interfaces,
// sockets, device sizes, the module's minor_count) come in as values from the engine.

/// The names of every check: those of `Checker`, in the order they run, then the preflight's.
public enum CheckName: String, CaseIterable, Codable, Sendable {
    case parseError = "parse-error"
    case duplicateResource = "duplicate-resource"
    case unknownHost = "unknown-host"
    case portConflict = "port-conflict"
    case minorConflict = "minor-conflict"
    case metaIndexConflict = "meta-index-conflict"
    case diskConflict = "disk-conflict"
    case minorCount = "minor-count"
    case metaDiskTooSmall = "meta-disk-too-small"
    case addressNotLocal = "address-not-local"
    case portInUse = "port-in-use"
    /// Not run by `Checker`: the cluster preflight's, from a node's ephemeral port range (a
    /// port an outgoing connection may take before DRBD binds it).
    case portEphemeral = "port-ephemeral"
}

public enum Checker {
    /// Every finding for a loaded configuration.
    public static func check(_ loaded: LoadResult, options: CheckOptions) -> [Finding] {
        var out = loaded.errors.map {
            Finding(.error, .parseError, resource: nil, host: nil, at: $0.location,
                    "column \($0.location.column): \($0.message)", fix: $0.fix)
        }
        guard let config = loaded.configuration else { return out }
        out += duplicateResources(config)
        out += unknownHost(config, options)
        out += portConflicts(config, inputs: options.inputs)
        out += perHostConflicts(config, inputs: options.inputs)
        out += minorCount(config, options)
        if let local = options.local, let host = options.host {
            out += metaDiskTooSmall(config, host: host, local)
            let own = ownEndpoints(config, host: host, local)
            out += addressNotLocal(config, own, host: host, local)
            out += portInUse(config, own, host: host, local)
        }
        return out
    }

    public static func check(_ config: Configuration, options: CheckOptions) -> [Finding] {
        check(LoadResult(configuration: config, errors: []), options: options)
    }

    static func duplicateResources(_ c: Configuration) -> [Finding] {
        var first: [String: SourceLocation] = [:]
        first.reserveCapacity(c.resources.count)
        var out: [Finding] = []
        for r in c.resources {
            if let f = first[r.name] {
                out.append(Finding(.error, .duplicateResource, resource: r.name, host: nil, at: r.location,
                                   "resource \(r.name) is already defined at \(f.file):\(f.line)",
                                   fix: "rename one of them or delete the duplicate"))
            } else { first[r.name] = r.location }
        }
        return out
    }

    static func unknownHost(_ c: Configuration, _ o: CheckOptions) -> [Finding] {
        guard let host = o.host, !c.resources.isEmpty else { return [] }
        if c.resources.contains(where: { !$0.sections(for: host).isEmpty }) { return [] }
        // A floating section whose address is on this machine is this host's.
        if let local = o.local,
           c.resources.contains(where: { $0.hosts.contains { $0.kind == .floating && local.addresses.contains($0.address?.unzoned ?? "") } }) {
            return []
        }
        let known = c.hostNames
        // Floating sections are matched by address, not name: without facts about this machine
        // there is nothing to compare them with, so a configuration using them is not refused.
        let floating = c.resources.flatMap { $0.hosts.filter { $0.kind == .floating } }
        if o.local == nil, !floating.isEmpty { return [] }
        let loc = c.resources[0].location
        return [Finding(.error, .unknownHost, resource: nil, host: host,
                        at: SourceLocation(file: c.files.first ?? loc.file, line: 1, column: 1),
                        "no resource has a section for this host (\(hostList(known, floating)))",
                        fix: known.isEmpty ? "run the check on a machine that holds one of the floating addresses, or pass \(o.inputs.noLocal) to check from a coordinator"
                                           : "pass \(o.inputs.host) with one of those names, or add 'on \(host) { ... }' sections")]
    }

    /// "hosts in the configuration: a, b; floating addresses: 10.0.0.1, ..." (the parts that exist).
    static func hostList(_ names: [String], _ floating: [HostSection]) -> String {
        var parts: [String] = []
        if !names.isEmpty { parts.append("hosts in the configuration: " + names.joined(separator: ", ")) }
        let ips = Array(Set(floating.compactMap { $0.address?.ip })).sorted()
        if !ips.isEmpty { parts.append("floating addresses, none of them on this machine: " + ips.joined(separator: ", ")) }
        return parts.isEmpty ? "the configuration has no host sections" : parts.joined(separator: "; ")
    }

    private struct Use {
        var resource: String
        var volume: Int
        var location: SourceLocation
    }

    private struct MachineNumber: Hashable {
        var machine: String
        var number: Int
    }

    private struct MachineText: Hashable {
        var machine: String
        var text: String
    }

    static func perHostConflicts(_ c: Configuration, inputs: InputNames) -> [Finding] {
        // Size the tables once (about one volume per host section) instead of growing them.
        var claims = VolumeClaims(estimate: c.resources.reduce(0) { $0 + $1.hosts.count }, inputs: inputs)
        var seenHere: [MachineNumber] = []
        for r in c.resources {
            seenHere.removeAll(keepingCapacity: true)
            for h in r.hosts {
                for m in h.machineKeys {
                    for v in h.volumes {
                        // A machine's volume counts once per resource (few: a linear scan).
                        let tag = MachineNumber(machine: m, number: v.number)
                        if seenHere.contains(tag) { continue }
                        seenHere.append(tag)
                        claims.claim(v, of: r.name, in: h, machine: m)
                    }
                }
            }
        }
        return claims.findings
    }

    /// What the volumes on each machine have taken so far (minors, backing disks, meta-disk
    /// devices and their index slots); taking what another volume has is a finding.
    private struct VolumeClaims {
        var minors: [MachineNumber: Use] = [:]
        var metas: [MachineText: Use] = [:]      // (machine, "dev[idx]")
        var metaDevs: [MachineText: (Use, Bool)] = [:] // (machine, dev) -> (first use, flexible)
        var disks: [MachineText: Use] = [:]
        var findings: [Finding] = []
        let inputs: InputNames

        init(estimate: Int, inputs: InputNames) {
            self.inputs = inputs
            minors.reserveCapacity(estimate)
            disks.reserveCapacity(estimate)
        }

        /// Volume `v` of resource `r`, in host section `h`, on machine `m`.
        mutating func claim(_ v: Volume, of r: String, in h: HostSection, machine m: String) {
            let vl = v.deviceLocation ?? h.location
            if let minor = v.minor {
                if let u = minors[MachineNumber(machine: m, number: minor)] {
                    findings.append(Finding(.error, .minorConflict, resource: r, host: m, at: vl,
                                            "minor \(minor) (volume \(v.number)) is already used by resource \(u.resource) volume \(u.volume) (\(u.location.file):\(u.location.line))",
                                            fix: "use a free minor, e.g. from '\(inputs.allocate)'"))
                } else { minors[MachineNumber(machine: m, number: minor)] = Use(resource: r, volume: v.number, location: vl) }
            }
            if let d = v.disk, d != "none" {
                let dl = v.diskLocation ?? h.location
                if let u = disks[MachineText(machine: m, text: d)] {
                    findings.append(Finding(.error, .diskConflict, resource: r, host: m, at: dl,
                                            "backing disk \(d) (volume \(v.number)) is already used by resource \(u.resource) volume \(u.volume) (\(u.location.file):\(u.location.line))",
                                            fix: "give each volume its own backing disk"))
                } else { disks[MachineText(machine: m, text: d)] = Use(resource: r, volume: v.number, location: dl) }
            }
            if let meta = v.metaDisk, let dev = meta.device {
                claimMeta(meta, dev, use: Use(resource: r, volume: v.number, location: v.metaDiskLocation ?? h.location),
                          machine: m)
            }
        }

        /// A meta-disk on device `dev`: the whole device (flexible, internal to it) conflicts with
        /// any other use of it; an index slot conflicts with the same slot.
        mutating func claimMeta(_ meta: MetaDisk, _ dev: String, use: Use, machine m: String) {
            let ml = use.location
            var flexible = false
            var idx: Int?
            if case .indexed(_, let i) = meta { idx = i } else { flexible = true }
            let devKey = MachineText(machine: m, text: dev)
            if let (u, uf) = metaDevs[devKey], flexible || uf {
                findings.append(Finding(.error, .metaIndexConflict, resource: use.resource, host: m, at: ml,
                                        "meta-disk \(dev) is already used by resource \(u.resource) volume \(u.volume) (\(u.location.file):\(u.location.line)) and one of them uses the whole device",
                                        fix: "use a separate meta device, or indexed slots 'meta-disk \(dev) [N]' for both"))
                return
            }
            if let i = idx {
                let k = MachineText(machine: m, text: "\(dev)[\(i)]")
                if let u = metas[k] {
                    findings.append(Finding(.error, .metaIndexConflict, resource: use.resource, host: m, at: ml,
                                            "meta-disk \(dev) index \(i) is already used by resource \(u.resource) volume \(u.volume) (\(u.location.file):\(u.location.line))",
                                            fix: "use a free index on \(dev), e.g. from '\(inputs.allocate) \(inputs.meta) \(dev)'"))
                } else { metas[k] = use }
            }
            if metaDevs[devKey] == nil { metaDevs[devKey] = (use, flexible) }
        }
    }

    static func minorCount(_ c: Configuration, _ o: CheckOptions) -> [Finding] {
        var out: [Finding] = []
        let cap = c.dialect.maxMinor
        var perMachine: [String: (count: Int, last: SourceLocation, resource: String)] = [:]
        var counted = Set<MachineNumber>()
        counted.reserveCapacity(c.resources.reduce(0) { $0 + $1.hosts.count })
        for r in c.resources {
            for h in r.hosts {
                for v in h.volumes {
                    guard let minor = v.minor else { continue }
                    let loc = v.deviceLocation ?? h.location
                    for m in h.machineKeys where counted.insert(MachineNumber(machine: m, number: minor)).inserted {
                        let n = perMachine[m]?.count ?? 0
                        perMachine[m] = (n + 1, loc, r.name)
                        if minor > cap {
                            out.append(Finding(.error, .minorCount, resource: r.name, host: m, at: loc,
                                               "minor \(minor) is above \(cap), the highest minor DRBD \(c.dialect.rawValue) accepts",
                                               fix: "use a minor from 0 to \(cap)"))
                        } else if c.dialect == .v83, let mc = o.minorCount, minor >= mc {
                            out.append(Finding(.error, .minorCount, resource: r.name, host: m, at: loc,
                                               "minor \(minor) is not below the module's minor_count \(mc); DRBD 8.3 refuses it",
                                               fix: "load drbd with minor_count=\(min(255, minor + 1)) or more, or use a lower minor"))
                        }
                    }
                }
            }
        }
        if let mc = o.minorCount {
            for m in perMachine.keys.sorted() {
                let p = perMachine[m]!
                guard p.count > mc else { continue }
                // 8.3 refuses devices beyond minor_count; 8.4 and 9 treat it as a sizing hint.
                out.append(Finding(c.dialect == .v83 ? .error : .warning, .minorCount, resource: p.resource, host: m, at: p.last,
                                   "\(p.count) DRBD devices on this host, more than the module's minor_count \(mc)",
                                   fix: "load drbd with minor_count=\(min(c.dialect == .v83 ? 255 : 1 << 20, p.count)) (options drbd minor_count=N in /etc/modprobe.d)"))
            }
        }
        return out
    }

    static func metaDiskTooSmall(_ c: Configuration, host: String, _ local: LocalFacts) -> [Finding] {
        var highest: [String: (Int, String, SourceLocation)] = [:]
        var order: [String] = []
        for r in c.resources {
            for h in r.sections(for: host) {
                for v in h.volumes {
                    if case .indexed(let dev, let i)? = v.metaDisk {
                        if highest[dev] == nil { order.append(dev) }
                        if (highest[dev]?.0 ?? -1) < i { highest[dev] = (i, r.name, v.metaDiskLocation ?? h.location) }
                    }
                }
            }
        }
        var out: [Finding] = []
        for dev in order {
            let (i, res, loc) = highest[dev]!
            guard let size = local.sizeOf(dev) else { continue }
            let need = MetaDisk.slotBytes * UInt64(i + 1)
            if size < need {
                out.append(Finding(.error, .metaDiskTooSmall, resource: res, host: host, at: loc,
                                   "meta-disk \(dev) has \(size) bytes, index \(i) needs \(need) (128 MiB x \(i + 1))",
                                   fix: "grow \(dev) to at least \(need >> 20) MiB or use a lower index"))
            }
        }
        return out
    }

    /// This host's own endpoints: its `on` sections and its `host` statements in connections.
    static func ownEndpoints(_ c: Configuration, host: String, _ local: LocalFacts)
        -> [(resource: String, endpoint: Endpoint, multiHost: Bool)]
    {
        var out: [(String, Endpoint, Bool)] = []
        for r in c.resources {
            let mentions = r.hosts.contains { $0.names.contains(host) }
                || r.connections.contains { $0.paths.contains { $0.contains { $0.name == host } } }
            if mentions {
                let multi = r.hosts.contains { $0.names.count > 1 && $0.names.contains(host) }
                for e in r.endpoints where e.machine == host {
                    out.append((r.name, e.endpoint, multi))
                }
            }
            for h in r.hosts where h.kind == .floating {
                if let a = h.address, local.addresses.contains(a.unzoned) { out.append((r.name, a, false)) }
            }
        }
        return out
    }

    static func addressNotLocal(_ c: Configuration, _ own: [(resource: String, endpoint: Endpoint, multiHost: Bool)],
                                host: String, _ local: LocalFacts) -> [Finding] {
        var out: [Finding] = []
        for (res, e, multi) in own where !e.isWildcard {
            if !local.addresses.contains(e.unzoned) {
                out.append(Finding(multi ? .warning : .error, .addressNotLocal, resource: res, host: host,
                                   at: e.location ?? SourceLocation(file: c.files.first ?? "", line: 0, column: 0),
                                   "address \(e.ip) is on none of this host's interfaces" + (multi ? " (the section names several hosts; it may belong to another one now)" : ""),
                                   fix: "add \(e.ip) to an interface (ip addr add \(e.ip)/PREFIX dev IFACE) or correct the address"))
            }
        }
        return out
    }

    static func covers(_ s: LocalSocket, _ e: Endpoint) -> Bool {
        guard s.port == e.port else { return false }
        if s.ip == e.unzoned || e.isWildcard { return true }
        if s.ip == "0.0.0.0" { return !e.family.isIPv6 }
        if s.ip == "::" { return true } // a dual-stack listener also holds the IPv4 port
        if s.ip.hasPrefix("::ffff:") { return String(s.ip.dropFirst(7)) == e.unzoned }
        return false
    }

    private struct ResourceSocket: Hashable {
        var resource: String
        var ip: String
        var port: Int
    }

    static func portInUse(_ c: Configuration, _ own: [(resource: String, endpoint: Endpoint, multiHost: Bool)],
                          host: String, _ local: LocalFacts) -> [Finding] {
        var out: [Finding] = []
        // Only the ports some local socket holds can be in use: skip the rest without a scan.
        let held = Set(local.sockets.lazy.filter { !$0.isKernelSocket && $0.state != "TIME_WAIT" }.map(\.port))
        if held.isEmpty { return [] }
        var seen = Set<ResourceSocket>()
        for (res, e, _) in own where held.contains(e.port) {
            guard seen.insert(ResourceSocket(resource: res, ip: e.ip, port: e.port)).inserted else { continue }
            for s in local.sockets where !s.isKernelSocket && s.state != "TIME_WAIT" && covers(s, e) {
                let who = s.owner.map { " by \($0)" } ?? " (uid \(s.uid), inode \(s.inode))"
                let addr = s.ipv6 ? "[\(s.ip)]:\(s.port)" : "\(s.ip):\(s.port)"
                out.append(Finding(.error, .portInUse, resource: res, host: host,
                                   at: e.location ?? SourceLocation(file: c.files.first ?? "", line: 0, column: 0),
                                   "port \(e.port) of \(e.hostPort) is held by a \(s.state) socket on \(addr)\(who) that is not DRBD's",
                                   fix: "stop that service or give resource \(res) another port"))
                break
            }
        }
        return out
    }
}
