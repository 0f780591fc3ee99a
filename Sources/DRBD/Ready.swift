// `xg-scale drbd ready`: may a VM whose disk is this DRBD resource start here? The state comes
// from the kernel as drbd-utils report it — `drbdsetup status --json` (DRBD 9) or /proc/drbd
// (8.3, 8.4) — and the judgement is pure: ready when every volume of the resource is Primary here
// with an UpToDate disk, and no peer is Primary too unless the resource allows two primaries.

/// One volume of a resource as the kernel reports it.
public struct DeviceState: Codable, Sendable, Equatable {
    public var volume: Int?
    public var minor: Int
    public var role: String
    public var disk: String
    /// 8.x only (9 reports the connection per peer).
    public var connection: String?

    public init(volume: Int?, minor: Int, role: String, disk: String, connection: String? = nil) {
        self.volume = volume; self.minor = minor; self.role = role; self.disk = disk; self.connection = connection
    }
}

public struct PeerState: Codable, Sendable, Equatable {
    public var name: String
    public var role: String
    public var connection: String

    public init(name: String, role: String, connection: String) {
        self.name = name; self.role = role; self.connection = connection
    }
}

/// A resource as the kernel reports it.
public struct ResourceState: Codable, Sendable, Equatable {
    public var name: String
    public var devices: [DeviceState]
    public var peers: [PeerState]

    public init(name: String, devices: [DeviceState], peers: [PeerState]) {
        self.name = name; self.devices = devices; self.peers = peers
    }
}

public struct StatusParseError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var line: Int?
    public var message: String
    public var description: String { "\(source)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// /proc/drbd: the module version and, for 8.x, one entry per configured minor.
public struct ProcDRBD: Sendable, Equatable {
    public var version: String
    /// Minor → (connection state, local role, peer role, local disk, peer disk).
    public var minors: [Int: (cs: String, role: String, peerRole: String, disk: String, peerDisk: String)]
    public var major: Int { Int(version.prefix { $0.isNumber }) ?? 0 }

    public static func == (a: ProcDRBD, b: ProcDRBD) -> Bool {
        a.version == b.version && a.minors.keys.sorted() == b.minors.keys.sorted()
            && a.minors.keys.allSatisfy { a.minors[$0]! == b.minors[$0]! }
    }

    /// Parse /proc/drbd. 8.4 says `ro:Primary/Secondary`, 8.3 `st:…`; `cs:Unconfigured` minors and
    /// the statistics lines are skipped. DRBD 9's /proc/drbd holds the version only.
    public static func parse(_ text: String, source: String = "/proc/drbd") throws -> ProcDRBD {
        var version: String?
        var minors: [Int: (String, String, String, String, String)] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("version:") {
                version = line.dropFirst(8).split(separator: " ").first.map(String.init)
                continue
            }
            guard let colon = line.firstIndex(of: ":"), let minor = Int(line[..<colon]) else { continue }
            var fields: [String: String] = [:]
            for word in line[line.index(after: colon)...].split(separator: " ") {
                let kv = word.split(separator: ":", maxSplits: 1)
                if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
            }
            guard let cs = fields["cs"] else {
                throw StatusParseError(source: source, line: n + 1, message: "minor \(minor) has no cs: field")
            }
            if cs == "Unconfigured" { continue }
            let roles = (fields["ro"] ?? fields["st"] ?? "Unknown/Unknown").split(separator: "/").map(String.init)
            let disks = (fields["ds"] ?? "DUnknown/DUnknown").split(separator: "/").map(String.init)
            minors[minor] = (cs, roles.first ?? "Unknown", roles.count > 1 ? roles[1] : "Unknown",
                             disks.first ?? "DUnknown", disks.count > 1 ? disks[1] : "DUnknown")
        }
        guard let version else {
            throw StatusParseError(source: source, line: nil, message: "no 'version:' line: not DRBD's /proc/drbd")
        }
        return ProcDRBD(version: version, minors: minors)
    }

    /// The state of `resource`, whose minors on this host the configuration gives; `peer` names
    /// the other host (8.x has one).
    public func state(of resource: String, minors wanted: [(volume: Int, minor: Int)], peer: String = "peer") -> ResourceState {
        var devices: [DeviceState] = []
        var peers: [PeerState] = []
        for w in wanted {
            guard let m = minors[w.minor] else { continue }
            devices.append(DeviceState(volume: w.volume, minor: w.minor, role: m.role, disk: m.disk, connection: m.cs))
            if peers.isEmpty { peers.append(PeerState(name: peer, role: m.peerRole, connection: m.cs)) }
            else if m.peerRole == "Primary" { peers[0].role = "Primary" }
        }
        return ResourceState(name: resource, devices: devices, peers: peers)
    }
}

/// The verdict of `drbd ready`.
public struct Readiness: Codable, Sendable, Equatable {
    public var resource: String
    public var ready: Bool
    /// Why not (or "Primary and UpToDate" when ready).
    public var reason: String
    public var fix: String?
    public var role: String?
    public var disk: String?
    public var devices: [DeviceState]
    public var peers: [PeerState]
    /// Where the state was read: "drbdsetup status" or "/proc/drbd".
    public var source: String

    enum CodingKeys: String, CodingKey { case resource, ready, reason, fix, role, disk, devices, peers, source }

    /// Judge `state` (nil: the resource is not up on this node).
    public static func judge(_ resource: String, state: ResourceState?, allowTwoPrimaries: Bool,
                             source: String) -> Readiness {
        var r = Readiness(resource: resource, ready: false, reason: "", fix: nil, role: nil, disk: nil,
                          devices: state?.devices ?? [], peers: state?.peers ?? [], source: source)
        guard let state, !state.devices.isEmpty else {
            r.reason = "resource \(resource) is not up on this node"
            r.fix = "drbdadm up \(resource) && drbdadm primary \(resource)"
            return r
        }
        r.role = state.devices.contains { $0.role != "Primary" }
            ? state.devices.first { $0.role != "Primary" }!.role : "Primary"
        r.disk = state.devices.first { $0.disk != "UpToDate" }?.disk ?? "UpToDate"
        if let d = state.devices.first(where: { $0.role != "Primary" }) {
            r.reason = "role is \(d.role) here (volume \(d.volume.map(String.init) ?? "?"), minor \(d.minor)): a VM must not start on a \(d.role) disk"
            r.fix = "drbdadm primary \(resource) (after making sure no other node runs the VM)"
            return r
        }
        if let d = state.devices.first(where: { $0.disk != "UpToDate" }) {
            r.reason = "disk is \(d.disk) (volume \(d.volume.map(String.init) ?? "?"), minor \(d.minor)), not UpToDate"
            r.fix = d.disk == "Inconsistent" ? "wait for the resync to finish (drbdadm status \(resource))"
                : "attach the backing disk and resync it (drbdadm attach \(resource); drbdadm status \(resource))"
            return r
        }
        if !allowTwoPrimaries, let p = state.peers.first(where: { $0.role == "Primary" }) {
            r.reason = "peer \(p.name) is Primary too and the resource does not allow two primaries"
            r.fix = "stop the VM on the peer and run drbdadm secondary \(resource) there"
            return r
        }
        r.ready = true
        r.reason = "Primary and UpToDate" + (state.peers.contains { $0.role == "Primary" } ? " (peer Primary too: allow-two-primaries)" : "")
        return r
    }
}

extension Configuration {
    /// Whether `resource` (or `common`) sets `allow-two-primaries` (8.3's bare flag, or yes).
    public func allowsTwoPrimaries(_ resource: String) -> Bool {
        let texts = (resources.first { $0.name == resource }?.options ?? []) + common
        for t in texts {
            var rest = Substring(t)
            while let r = rest.range(of: "allow-two-primaries") {
                let after = rest[r.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\n" }
                if !after.hasPrefix("no") { return true }
                rest = rest[r.upperBound...]
            }
        }
        return false
    }

    /// (volume, minor) of `resource`'s volumes on `host`.
    public func minors(of resource: String, on host: String) -> [(volume: Int, minor: Int)] {
        guard let r = resources.first(where: { $0.name == resource }) else { return [] }
        return r.sections(for: host).flatMap(\.volumes).compactMap { v in
            (v.minor ?? v.device.flatMap { Int($0.drop { !$0.isNumber }) }).map { (v.number, $0) }
        }
    }
}
