// The steps of Allocator.allocate: the request's names, the addresses given, the free port,
// what the hosts already use (minors, meta-disk indexes, backing disks) and the backing disk.

extension Allocator {
    /// The resource name is usable and new; two or more different, usable host names.
    static func checkNames(_ req: AllocationRequest, in config: Configuration) throws(AllocationError) {
        guard isName(req.name) else {
            throw AllocationError(message: "'\(req.name)' is not a usable resource name",
                                  fix: "use letters, digits, '-', '_' and '.' only")
        }
        if let r = config.resources.first(where: { $0.name == req.name }) {
            throw AllocationError(message: "resource \(req.name) already exists (\(r.location.file):\(r.location.line))",
                                  fix: "choose another name")
        }
        guard req.hosts.count >= 2, Set(req.hosts).count == req.hosts.count else {
            throw AllocationError(message: "\(req.inputs.hosts) needs at least two different host names",
                                  fix: "pass \(req.inputs.hosts) A,B[,C]")
        }
        for h in req.hosts where !isName(h) {
            throw AllocationError(message: "'\(h)' is not a usable host name", fix: "pass host names as in 'uname -n'")
        }
    }

    /// The addresses given in the request, by host (port 0: not chosen yet).
    static func givenAddresses(_ req: AllocationRequest) throws(AllocationError) -> [String: Endpoint] {
        var fixed: [String: Endpoint] = [:]
        for h in req.hosts {
            guard let text = req.addresses[h] else { continue }
            let v6 = text.contains(":")
            let raw = v6 && text.hasPrefix("[") ? String(text.dropFirst().dropLast()) : text
            guard let ip = IPAddress.canonical(raw, ipv6: v6) else {
                let address = req.inputs.address
                throw AllocationError(message: "\(address) \(h)=\(text) is not an IP address",
                                      fix: "pass \(address) \(h)=10.0.0.1 or \(address) \(h)=fd00::1")
            }
            fixed[h] = Endpoint(family: v6 ? .ipv6 : .ipv4, ip: ip, port: 0)
        }
        return fixed
    }

    /// The first port of the range free on every host's address (and any wildcard there),
    /// anywhere in the configuration, and among this machine's listeners.
    static func freePort(_ req: AllocationRequest, addresses addrs: [Endpoint], in config: Configuration,
                         sockets: [LocalSocket]) throws(AllocationError) -> Int {
        var taken = Set<Int>()
        for r in config.resources {
            for e in r.endpoints {
                let p = e.endpoint.port
                if req.hosts.contains(e.machine) || addrs.contains(where: { $0.ip == e.endpoint.ip }) { taken.insert(p) }
            }
        }
        for s in sockets where !s.isKernelSocket && s.state != "TIME_WAIT" {
            if addrs.contains(where: { Checker.covers(s, Endpoint(family: $0.family, ip: $0.ip, port: s.port)) }) {
                taken.insert(s.port)
            }
        }
        guard let port = req.portRange.first(where: { !taken.contains($0) }) else {
            throw AllocationError(message: "every port in \(req.portRange.lowerBound)-\(req.portRange.upperBound) is taken on these hosts",
                                  fix: "pass a wider \(req.inputs.portRange)")
        }
        return port
    }

    /// What the requested hosts already use: minors, backing disks, and on the meta device
    /// asked for, its indexes (or that a resource uses it whole).
    struct Usage {
        var minors = Set<Int>()
        var metaIndexes = Set<Int>()
        var metaWhole = false
        var disks = Set<String>()

        init(of hosts: [String], in config: Configuration, metaDevice: String?) {
            for r in config.resources {
                for h in r.hosts where h.machineKeys.contains(where: hosts.contains) {
                    for v in h.volumes {
                        if let m = v.minor { minors.insert(m) }
                        if let d = v.disk { disks.insert(d) }
                        if let md = metaDevice, v.metaDisk?.device == md {
                            if case .indexed(_, let i)? = v.metaDisk { metaIndexes.insert(i) } else { metaWhole = true }
                        }
                    }
                }
            }
        }
    }

    /// The backing disk: as requested (`{name}` replaced), or the one pattern every existing
    /// resource follows; one word of drbd.conf, not in use on these hosts.
    static func backingDisk(_ req: AllocationRequest, in config: Configuration, metaDevice metaDev: String?,
                            inUse: Set<String>) throws(AllocationError) -> String {
        guard let diskPattern = req.disk ?? derivedDiskPattern(config) else {
            throw AllocationError(message: "no \(req.inputs.disk) given, and the existing disks do not follow one '/dev/VG/RESOURCE' pattern",
                                  fix: "pass \(req.inputs.disk) /dev/VG/\(req.name)")
        }
        let diskPath = diskPattern.replacingAll("{name}", with: req.name)
        try checkWord(diskPath, option: req.inputs.disk, example: "/dev/vg0/\(req.name)", allowing: "none")
        if let md = metaDev { try checkWord(md, option: req.inputs.meta, example: "/dev/sdb1", allowing: "internal") }
        if inUse.contains(diskPath) {
            throw AllocationError(message: "backing disk \(diskPath) is already used on these hosts",
                                  fix: "pass another \(req.inputs.disk)")
        }
        return diskPath
    }

    /// `/dev/VG/{name}` when every disk of every `on` section is /dev/VG/RESOURCE for one VG.
    static func derivedDiskPattern(_ config: Configuration) -> String? {
        var prefixes = Set<String>()
        var all = true
        for r in config.resources {
            for h in r.hosts where h.kind == .on {
                for v in h.volumes {
                    guard let d = v.disk, d != "none" else { continue }
                    if d.hasSuffix("/" + r.name) { prefixes.insert(String(d.dropLast(r.name.count))) } else { all = false }
                }
            }
        }
        return all && prefixes.count == 1 ? prefixes.first! + "{name}" : nil
    }
}
