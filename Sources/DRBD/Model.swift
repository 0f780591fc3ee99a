// The DRBD configuration model: what drbdadm would act on, after inheritance.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The configuration syntax generations in use.
public enum Dialect: String, Codable, Sendable, Comparable, CaseIterable {
    case v83 = "8.3", v84 = "8.4", v9 = "9"
    public static func < (a: Dialect, b: Dialect) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
    /// Highest minor number the generation's module accepts.
    public var maxMinor: Int { self == .v83 ? 255 : (1 << 20) - 1 }
}

public enum AddressFamily: String, Codable, Sendable, CaseIterable {
    case ipv4, ipv6, ssocks, sdp
    /// ssocks and sdp carry IPv4 addresses.
    public var isIPv6: Bool { self == .ipv6 }
}

/// `address [FAMILY] IP:PORT`. `ip` is canonical (inet_ntop form).
public struct Endpoint: Hashable, Codable, Sendable, CustomStringConvertible {
    public var family: AddressFamily
    public var ip: String
    public var port: Int
    public var location: SourceLocation?

    public init(family: AddressFamily, ip: String, port: Int, location: SourceLocation? = nil) {
        self.family = family; self.ip = ip; self.port = port; self.location = location
    }
    public var isWildcard: Bool { ip == "0.0.0.0" || ip == "::" }
    /// The address without its IPv6 zone (`fe80::1` of `fe80::1%eth0`): what an interface holds.
    public var unzoned: String { IPAddress.splitZone(ip).address }
    /// The IPv6 zone (`eth0` of `fe80::1%eth0`), nil when none was written.
    public var zone: String? { IPAddress.splitZone(ip).zone }
    /// `ipv4 10.0.0.1:7788` / `ipv6 [fd00::1]:7788`, as drbdadm dump prints it.
    public var description: String {
        family.isIPv6 ? "\(family.rawValue) [\(ip)]:\(port)" : "\(family.rawValue) \(ip):\(port)"
    }
    public var hostPort: String { family.isIPv6 ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
    /// Same address and port, ignoring where they were written.
    public func sameSocket(_ o: Endpoint) -> Bool { ip == o.ip && port == o.port }
    public static func == (a: Endpoint, b: Endpoint) -> Bool {
        a.family == b.family && a.ip == b.ip && a.port == b.port
    }
    public func hash(into h: inout Hasher) { h.combine(family); h.combine(ip); h.combine(port) }
}

public enum MetaDisk: Hashable, Codable, Sendable, CustomStringConvertible {
    case `internal`
    /// `meta-disk DEV;` or `flexible-meta-disk DEV;`: the whole device, sized to the data.
    case flexible(String)
    /// `meta-disk DEV [IDX];`: 128 MiB slot number IDX of DEV.
    case indexed(String, Int)

    public var device: String? {
        switch self {
        case .internal: return nil
        case .flexible(let d), .indexed(let d, _): return d
        }
    }
    public var description: String {
        switch self {
        case .internal: return "internal"
        case .flexible(let d): return d
        case .indexed(let d, let i): return "\(d) [\(i)]"
        }
    }
    /// Size of one indexed meta-data slot.
    public static let slotBytes: UInt64 = 128 << 20
}

/// One volume of a resource on one host, after inheritance.
public struct Volume: Hashable, Codable, Sendable {
    public var number: Int
    /// Device path as written (nil for `device minor N;`).
    public var device: String?
    public var minor: Int?
    /// Backing disk; "none" for a diskless volume.
    public var disk: String?
    public var metaDisk: MetaDisk?
    public var deviceLocation: SourceLocation?
    public var diskLocation: SourceLocation?
    public var metaDiskLocation: SourceLocation?

    public init(number: Int, device: String? = nil, minor: Int? = nil, disk: String? = nil,
                metaDisk: MetaDisk? = nil) {
        self.number = number; self.device = device; self.minor = minor; self.disk = disk
        self.metaDisk = metaDisk
    }
    /// Volumes are equal when their fields are; where they were written does not count.
    public static func == (a: Volume, b: Volume) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key) }

    /// The device path udev creates: the written path, else /dev/drbdMINOR.
    public var devicePath: String? { device ?? minor.map { "/dev/drbd\($0)" } }

    /// Fields without locations (for comparing models).
    public var key: String {
        "v\(number) dev=\(devicePath ?? "-") minor=\(minor.map(String.init) ?? "-") disk=\(disk ?? "-") meta=\(metaDisk?.description ?? "-")"
    }
}

/// A host section of a resource: `on NAME... {}`, `floating ADDR {}`, `stacked-on-top-of RES {}`.
public struct HostSection: Hashable, Codable, Sendable {
    public enum Kind: Hashable, Codable, Sendable {
        case on
        case floating
        case stacked(lower: String)
    }
    public var kind: Kind
    /// Host names this section applies to (`on A B {}` gives two; a stacked section gets the
    /// lower resource's hosts; a floating section none).
    public var names: [String]
    public var nodeID: Int?
    public var address: Endpoint?
    public var volumes: [Volume]
    public var location: SourceLocation
    public var options: [String] = []

    /// How findings name this section's host: the first name, `floating IP`, or `stacked R`.
    public var label: String {
        switch kind {
        case .on: return names.joined(separator: " ")
        case .floating: return "floating \(address?.ip ?? "?")"
        case .stacked(let r): return names.isEmpty ? "stacked-on-top-of \(r)" : names.joined(separator: " ")
        }
    }
    /// The keys that identify machines for conflict checks.
    public var machineKeys: [String] {
        switch kind {
        case .floating: return ["floating \(address?.ip ?? "?")"]
        case .on, .stacked: return names.isEmpty ? [label] : names
        }
    }
}

/// `host NAME [address ...] [port N]` inside `connection` or `path`.
public struct ConnectionHost: Hashable, Codable, Sendable {
    public var name: String
    public var address: Endpoint?
    public var port: Int?
    public var location: SourceLocation
}

public struct Connection: Hashable, Codable, Sendable {
    public var name: String?
    /// Each path: the host statements in it. A connection without `path` has one implicit path.
    public var paths: [[ConnectionHost]]
    public var location: SourceLocation
}

public struct Resource: Hashable, Codable, Sendable {
    public var name: String
    public var location: SourceLocation
    public var hosts: [HostSection]
    public var connections: [Connection]
    /// `connection-mesh { hosts A B C; }` lists.
    public var meshes: [[String]]
    /// Options kept as opaque text (net, disk, options, handlers, protocol, ...).
    public var options: [String]
    /// The same options by section (`net`, `disk`, ...; statements outside a section under
    /// "resource"): KEY → VALUE, a flag without value as "yes" (as drbdadm dump-xml prints it).
    public var sections: [String: [String: String]] = [:]
    public var stackedOn: String? {
        for h in hosts { if case .stacked(let r) = h.kind { return r } }
        return nil
    }

    /// Host sections that apply to `host`.
    public func sections(for host: String) -> [HostSection] {
        hosts.filter { $0.names.contains(host) }
    }

    /// Every endpoint a machine of this resource binds: section addresses and connection/path
    /// `host X address` statements, as (machine key, endpoint, section label).
    public var endpoints: [(machine: String, endpoint: Endpoint, label: String)] {
        var out: [(String, Endpoint, String)] = []
        // Few endpoints per resource: a linear scan beats building string keys.
        func add(_ m: String, _ e: Endpoint, _ label: String) {
            for o in out where o.1.port == e.port && o.0 == m && o.1.ip == e.ip { return }
            out.append((m, e, label))
        }
        for h in hosts { if let a = h.address { for m in h.machineKeys { add(m, a, h.label) } } }
        for c in connections {
            for p in c.paths {
                for ch in p {
                    var e = ch.address
                    if e == nil, let port = ch.port,
                       let base = hosts.first(where: { $0.names.contains(ch.name) })?.address {
                        e = base; e!.port = port; e!.location = ch.location
                    }
                    if let e { add(ch.name, e, ch.name) }
                }
            }
        }
        return out
    }
}

public struct Configuration: Codable, Sendable {
    /// The main file, then every included file in the order read.
    public var files: [String]
    public var resources: [Resource]
    /// `global {}` and `common {}` contents as opaque text.
    public var global: [String]
    public var common: [String]
    public var dialect: Dialect
    /// Number of `skip {}` sections ignored.
    public var skipped: Int

    /// All machine names that appear in a host section (sorted).
    public var hostNames: [String] {
        Array(Set(resources.flatMap { $0.hosts.flatMap(\.names) })).sorted()
    }
}
