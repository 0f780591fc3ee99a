// Propose the next free port, minor and meta-disk index for a new resource, and render its
// section in the configuration's dialect.

public struct AllocationRequest: Sendable {
    public var name: String
    public var hosts: [String]
    public var portRange: ClosedRange<Int> = 7788...7999
    /// Backing disk; `{name}` is replaced by the resource name. nil: derived from the existing
    /// resources when they all name their disk after the resource.
    public var disk: String?
    /// nil or "internal": internal meta-data; otherwise an external device to take an index on.
    public var meta: String?
    /// Addresses given on the command line, by host.
    public var addresses: [String: String] = [:]
    public var dialect: Dialect?
    public init(name: String, hosts: [String]) { self.name = name; self.hosts = hosts }
}

public struct AllocatedHost: Codable, Sendable, Equatable {
    public var name: String
    public var address: String
    public var family: AddressFamily
    public var nodeID: Int?
    /// Why this address (given, the only one known, or on the other hosts' network).
    public var addressReason: String
    enum CodingKeys: String, CodingKey { case name, address, family, nodeID = "node-id", addressReason = "address-reason" }
}

public struct Allocation: Codable, Sendable, Equatable {
    public var name: String
    public var port: Int
    public var minor: Int
    public var device: String
    public var disk: String
    public var metaDisk: String
    public var metaIndex: Int?
    public var dialect: Dialect
    public var hosts: [AllocatedHost]
    public var text: String
    enum CodingKeys: String, CodingKey {
        case name, port, minor, device, disk, dialect, hosts, text
        case metaDisk = "meta-disk", metaIndex = "meta-index"
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(port, forKey: .port)
        try c.encode(minor, forKey: .minor); try c.encode(device, forKey: .device)
        try c.encode(disk, forKey: .disk); try c.encode(metaDisk, forKey: .metaDisk)
        try c.encode(metaIndex, forKey: .metaIndex); try c.encode(dialect, forKey: .dialect)
        try c.encode(hosts, forKey: .hosts); try c.encode(text, forKey: .text)
    }
}

/// A request that cannot be served, with the fix.
public struct AllocationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var fix: String
    public var description: String { "error: \(message) (fix: \(fix))" }
}

public enum Allocator {
    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } && s.unicodeScalars.allSatisfy(\.isASCII)
    }

    /// `sockets` are the listeners on this machine (a port held there is not offered).
    public static func allocate(_ req: AllocationRequest, in config: Configuration,
                                sockets: [LocalSocket] = []) throws(AllocationError) -> Allocation {
        guard isName(req.name) else {
            throw AllocationError(message: "'\(req.name)' is not a usable resource name",
                                  fix: "use letters, digits, '-', '_' and '.' only")
        }
        if let r = config.resources.first(where: { $0.name == req.name }) {
            throw AllocationError(message: "resource \(req.name) already exists (\(r.location.file):\(r.location.line))",
                                  fix: "choose another name")
        }
        guard req.hosts.count >= 2, Set(req.hosts).count == req.hosts.count else {
            throw AllocationError(message: "--hosts needs at least two different host names",
                                  fix: "pass --hosts A,B[,C]")
        }
        for h in req.hosts where !isName(h) {
            throw AllocationError(message: "'\(h)' is not a usable host name", fix: "pass host names as in 'uname -n'")
        }
        let dialect = req.dialect ?? config.dialect
        if dialect < .v9 && req.hosts.count > 2 {
            throw AllocationError(message: "DRBD \(dialect.rawValue) resources have exactly two hosts, \(req.hosts.count) given",
                                  fix: "pass two hosts, or move the configuration to DRBD 9 syntax")
        }
        // Addresses: command line first, else the host's address in existing resources on the
        // network of the other hosts' chosen addresses.
        var fixed: [String: Endpoint] = [:]
        for h in req.hosts {
            guard let text = req.addresses[h] else { continue }
            let v6 = text.contains(":")
            let raw = v6 && text.hasPrefix("[") ? String(text.dropFirst().dropLast()) : text
            guard let ip = IPAddress.canonical(raw, ipv6: v6) else {
                throw AllocationError(message: "--address \(h)=\(text) is not an IP address",
                                      fix: "pass --address \(h)=10.0.0.1 or --address \(h)=fd00::1")
            }
            fixed[h] = Endpoint(family: v6 ? .ipv6 : .ipv4, ip: ip, port: 0)
        }
        let choices = try AddressChooser.choose(hosts: req.hosts, fixed: fixed, in: config)
        let addrs = choices.map(\.endpoint)
        // Port: free on every host's address (and any wildcard there), anywhere in the config, and locally.
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
                                  fix: "pass a wider --port-range")
        }
        // Minor: free on every host, so the device has the same name everywhere.
        var minors = Set<Int>()
        var metaIdx = Set<Int>()
        var metaWhole = false
        let metaDev = (req.meta == nil || req.meta == "internal") ? nil : req.meta
        var disksInUse = Set<String>()
        for r in config.resources {
            for h in r.hosts where h.machineKeys.contains(where: req.hosts.contains) {
                for v in h.volumes {
                    if let m = v.minor { minors.insert(m) }
                    if let d = v.disk { disksInUse.insert(d) }
                    if let md = metaDev, v.metaDisk?.device == md {
                        if case .indexed(_, let i)? = v.metaDisk { metaIdx.insert(i) } else { metaWhole = true }
                    }
                }
            }
        }
        guard let minor = (0...dialect.maxMinor).first(where: { !minors.contains($0) }) else {
            throw AllocationError(message: "no free minor on these hosts", fix: "remove unused resources")
        }
        var metaIndex: Int?
        if let md = metaDev {
            if metaWhole {
                throw AllocationError(message: "meta device \(md) is used whole (flexible) by an existing resource",
                                      fix: "pass another --meta device or --meta internal")
            }
            metaIndex = (0...).first { !metaIdx.contains($0) }
        }
        // Disk.
        var disk = req.disk
        if disk == nil {
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
            if all, prefixes.count == 1 { disk = prefixes.first! + "{name}" }
        }
        guard let diskPattern = disk else {
            throw AllocationError(message: "no --disk given, and the existing disks do not follow one '/dev/VG/RESOURCE' pattern",
                                  fix: "pass --disk /dev/VG/\(req.name)")
        }
        let diskPath = diskPattern.replacingAll("{name}", with: req.name)
        try checkWord(diskPath, option: "--disk", example: "/dev/vg0/\(req.name)", allowing: "none")
        if let md = metaDev { try checkWord(md, option: "--meta", example: "/dev/sdb1", allowing: "internal") }
        if disksInUse.contains(diskPath) {
            throw AllocationError(message: "backing disk \(diskPath) is already used on these hosts",
                                  fix: "pass another --disk")
        }
        let meta: MetaDisk = metaDev.map { .indexed($0, metaIndex!) } ?? .internal
        let hosts = req.hosts.enumerated().map { i, h in
            AllocatedHost(name: h, address: addrs[i].ip, family: addrs[i].family, nodeID: dialect == .v9 ? i : nil,
                          addressReason: choices[i].reason)
        }
        // Where the configuration offered a choice, say which address was taken and why.
        let why = req.hosts.indices.filter { choices[$0].chosen }
            .map { "# address of \(req.hosts[$0]): \(addrs[$0].ip), \(choices[$0].reason)\n" }.joined()
        let text = why + render(name: req.name, hosts: hosts, port: port, minor: minor, disk: diskPath,
                          meta: meta, dialect: dialect, commonHasProtocol: config.common.contains { $0.contains("protocol") })
        try checkRendered(text, name: req.name)
        return Allocation(name: req.name, port: port, minor: minor, device: "/dev/drbd\(minor)",
                          disk: diskPath, metaDisk: meta.description, metaIndex: metaIndex,
                          dialect: dialect, hosts: hosts, text: text)
    }

    /// Refuse a value that would not stay one word of drbd.conf: whitespace or a control
    /// character (a newline ends the statement), ';', '{', '}', quotes, '#' or '\\'. Paths must
    /// be absolute.
    static func checkWord(_ value: String, option: String, example: String, allowing keyword: String) throws(AllocationError) {
        if value == keyword { return }
        let shown = value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        var found: [String] = []
        for c in value.unicodeScalars where c.value < 0x21 || c.value == 0x7F || (0x80...0x9F).contains(c.value)
            || c.properties.isWhitespace || ";{}\"'#\\".unicodeScalars.contains(c) {
            let what = c == "\n" ? "a newline" : c == " " ? "a space" : c.value < 0x20 || c.value >= 0x7F ? "a control character"
                : c.properties.isWhitespace ? "whitespace" : "'\(c)'"
            if !found.contains(what) { found.append(what) }
        }
        if !found.isEmpty {
            let list = found.count == 1 ? found[0] : found.dropLast().joined(separator: ", ") + " and " + found.last!
            throw AllocationError(message: "\(option) '\(shown)' contains \(list), which drbd.conf would read as syntax",
                                  fix: "pass a plain device path without blanks, ';', braces, quotes or '#', e.g. \(option) \(example)")
        }
        guard value.hasPrefix("/") else {
            throw AllocationError(message: "\(option) '\(shown)' is not an absolute device path",
                                  fix: "pass e.g. \(option) \(example) (or \(option) \(keyword))")
        }
    }

    /// The printed section must read back as exactly this one resource: nothing a value carried
    /// may have added a statement.
    static func checkRendered(_ text: String, name: String) throws(AllocationError) {
        let back = ConfigLoader.load(text: text, name: "allocated.res")
        guard back.errors.isEmpty, let c = back.configuration, c.resources.map(\.name) == [name] else {
            throw AllocationError(message: "the section for \(name) does not read back as one resource",
                                  fix: "report this: a value reached drbd.conf unchecked")
        }
    }

    /// The resource section, ready for /etc/drbd.d/NAME.res.
    public static func render(name: String, hosts: [AllocatedHost], port: Int, minor: Int, disk: String,
                              meta: MetaDisk, dialect: Dialect, commonHasProtocol: Bool) -> String {
        func addr(_ h: AllocatedHost) -> String {
            h.family.isIPv6 ? "ipv6 [\(h.address)]:\(port)" : "\(dialect == .v83 ? "" : "ipv4 ")\(h.address):\(port)"
        }
        var t = "resource \(name) {\n"
        switch dialect {
        case .v83:
            if !commonHasProtocol { t += "  protocol C;\n" }
            for h in hosts {
                t += "  on \(h.name) {\n"
                t += "    device    /dev/drbd\(minor);\n"
                t += "    disk      \(disk);\n"
                t += "    address   \(addr(h));\n"
                t += "    meta-disk \(meta);\n"
                t += "  }\n"
            }
        case .v84, .v9:
            t += "  device    /dev/drbd\(minor) minor \(minor);\n"
            t += "  disk      \(disk);\n"
            t += "  meta-disk \(meta);\n"
            for h in hosts {
                t += "  on \(h.name) {\n"
                if let n = h.nodeID { t += "    node-id   \(n);\n" }
                t += "    address   \(addr(h));\n"
                t += "  }\n"
            }
            if dialect == .v9 && hosts.count > 2 {
                t += "  connection-mesh {\n    hosts \(hosts.map(\.name).joined(separator: " "));\n  }\n"
            }
        }
        return t + "}\n"
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound]; out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of s: String) -> Range<Substring.Index>? {
        guard !s.isEmpty, count >= s.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
            i = index(after: i)
        }
        return nil
    }
}
