// `drbd show`: the parsed model as a script reads it. Pure: built from a Configuration.

/// `{"resources":[...]}`: every key always present, null where a value is absent.
public struct ShowReport: Encodable, Sendable {
    public var resources: [ShownResource]

    public init(_ c: Configuration) {
        resources = c.resources.map(ShownResource.init)
    }
}

public struct ShownResource: Encodable, Sendable {
    public struct Host: Encodable, Sendable {
        /// The section's host names joined by a blank (`on A B`), null for a floating section.
        public var name: String?
        public var address: String?
        public var port: Int?
        public var family: String?
        public var nodeID: Int?
        enum CodingKeys: String, CodingKey { case name, address, port, family, nodeID = "node-id" }
        public func encode(to e: any Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(address, forKey: .address)
            try c.encode(port, forKey: .port); try c.encode(family, forKey: .family)
            try c.encode(nodeID, forKey: .nodeID)
        }
    }
    public struct Vol: Encodable, Sendable {
        /// The host section's label: its names, `floating IP` or `stacked-on-top-of R`.
        /// `device` is the path as written: null for `device minor N;` (udev's /dev/drbdN).
        public var host: String
        public var volume: Int
        public var device: String?
        public var minor: Int?
        public var disk: String?
        public var metaDisk: String?
        public var metaIndex: Int?
        enum CodingKeys: String, CodingKey {
            case host, volume, device, minor, disk, metaDisk = "meta-disk", metaIndex = "meta-index"
        }
        public func encode(to e: any Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(host, forKey: .host); try c.encode(volume, forKey: .volume)
            try c.encode(device, forKey: .device); try c.encode(minor, forKey: .minor)
            try c.encode(disk, forKey: .disk); try c.encode(metaDisk, forKey: .metaDisk)
            try c.encode(metaIndex, forKey: .metaIndex)
        }
    }
    public struct PathHost: Encodable, Sendable {
        public var name: String
        public var address: String?
        public var port: Int?
        public var family: String?
        public func encode(to e: any Encoder) throws {
            var c = e.container(keyedBy: Host.CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(address, forKey: .address)
            try c.encode(port, forKey: .port); try c.encode(family, forKey: .family)
        }
    }
    public struct Conn: Encodable, Sendable {
        /// The host names of the connection, in order of first mention.
        public var hosts: [String]
        /// Each path: its `host NAME [address ...] [port N]` statements.
        public var paths: [[PathHost]]
    }

    public var name: String
    public var file: String
    public var line: Int
    public var hosts: [Host]
    public var volumes: [Vol]
    public var connections: [Conn]
    public var options: [String: [String: String]]

    init(_ r: Resource) {
        name = r.name; file = r.location.file; line = r.location.line
        hosts = r.hosts.map { h in
            Host(name: h.kind == .floating ? nil : h.label, address: h.address?.ip, port: h.address?.port,
                 family: h.address?.family.rawValue, nodeID: h.nodeID)
        }
        volumes = r.hosts.flatMap { h in
            h.volumes.map { v in
                var index: Int?
                if case .indexed(_, let i) = v.metaDisk { index = i }
                // A stacked device without meta-disk keeps its meta data internally (drbdadm's default).
                var meta = v.metaDisk.map { $0.device ?? "internal" }
                if meta == nil, case .stacked = h.kind { meta = "internal" }
                return Vol(host: h.label, volume: v.number, device: v.device, minor: v.minor, disk: v.disk,
                           metaDisk: meta, metaIndex: index)
            }
        }
        connections = r.connections.map { c in
            var names: [String] = []
            for p in c.paths { for h in p where !names.contains(h.name) { names.append(h.name) } }
            return Conn(hosts: names, paths: c.paths.map { p in
                p.map { PathHost(name: $0.name, address: $0.address?.ip, port: $0.address?.port ?? $0.port,
                                 family: $0.address?.family.rawValue) }
            })
        }
        options = r.sections
    }

    /// A readable summary: the resource, then one line per host and per volume.
    public var text: String {
        var out = "resource \(name)  (\(file):\(line))\n"
        for h in hosts {
            let addr = h.address.map { a in h.family == "ipv6" ? "[\(a)]:\(h.port ?? 0)" : "\(a):\(h.port ?? 0)" } ?? "no address"
            out += "  host \(h.name ?? "floating")  \(addr)\(h.nodeID.map { "  node-id \($0)" } ?? "")\n"
        }
        for v in volumes {
            let meta = v.metaDisk.map { m in v.metaIndex.map { "\(m) [\($0)]" } ?? m } ?? "-"
            out += "  volume \(v.volume) on \(v.host)  \(v.device ?? v.minor.map { "/dev/drbd\($0)" } ?? "-") minor \(v.minor.map(String.init) ?? "-")  disk \(v.disk ?? "-")  meta-disk \(meta)\n"
        }
        for c in connections { out += "  connection \(c.hosts.joined(separator: " ")) (\(c.paths.count) path\(c.paths.count == 1 ? "" : "s"))\n" }
        for (section, opts) in options.sorted(by: { $0.key < $1.key }) {
            out += "  \(section): " + opts.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: "; ") + "\n"
        }
        return out
    }
}
