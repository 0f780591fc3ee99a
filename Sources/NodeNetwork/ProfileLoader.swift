// Profile text -> validated `Profile`, reporting every problem at once with its line and column.
import Yams

/// A profile that passed validation, with the warnings found on the way.
public struct LoadedProfile: Sendable {
    public var profile: Profile
    public var warnings: [Diagnostic]
    /// File name as given (used in rendered headers and messages).
    public var file: String
    /// Where each key of the bond section is written (by key, num-unsol-na as num-grat-arp):
    /// renders that refuse an option point at it.
    public var bondKeyLocations: [String: SourceLocation] = [:]
}

public enum ProfileLoader {
    static let topKeys = ["version", "redundancy", "uplinks", "bridge", "bond", "host"]
    static let bridgeKeys = ["name", "stp", "ports", "veths"]
    static let stpKeys = ["enabled", "priority", "forward-delay", "hello-time", "max-age"]
    static let portKeys = ["priority", "cost"]
    static let bondKeys = ["name", "mode", "miimon", "updelay", "downdelay", "primary", "primary-reselect",
                           "arp-interval", "arp-ip-target", "lacp-rate", "xmit-hash-policy", "fail-over-mac",
                           "min-links"] + tableBondKeys
    static let hostKeys = ["veth", "addresses", "gateway", "mtu"]
    static let vethKeys = ["name", "peer"]

    /// Parse and validate a profile. `file` names it in diagnostics; `variables` fills `${NAME}`.
    /// Throws `ProfileError` with every problem (errors and warnings) when there is an error.
    public static func load(text: String, file: String, variables: Variables? = nil) throws(ProfileError)
        -> LoadedProfile
    {
        var reader = YAMLReader(file: file, variables: variables)
        guard let root = reader.compose(text) else {
            if reader.diagnostics.isEmpty {
                reader.error(reader.startOfFile, "the profile is empty",
                             fix: "start with 'version: 1' and see xg-scale-profile(5) or profiles/*.yaml")
            }
            throw ProfileError(reader.diagnostics)
        }
        var parser = ProfileParser(reader: reader)
        let profile = parser.parse(root)
        let diagnostics = Diagnostic.sorted(parser.reader.diagnostics)
        guard let profile, !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ProfileError(diagnostics)
        }
        return LoadedProfile(profile: profile, warnings: diagnostics, file: file,
                             bondKeyLocations: parser.bondKeyLocations)
    }
}

/// A value with the place it was written.
struct Located<T> {
    var value: T
    var location: SourceLocation
}

struct ProfileParser {
    var reader: YAMLReader
    var bondKeyLocations: [String: SourceLocation] = [:]

    // MARK: - Parse

    /// The sections of a profile as read, before the rules between them are checked.
    struct Sections {
        var version: Int?
        var redundancy: Located<Redundancy>?
        var uplinks: [Located<String>]?
        var bridge: BridgeDraft?
        /// The bond section as written (nil: absent), and as read.
        var bondEntry: Entry?
        var bond: BondDraft?
        var host = HostDraft()
    }

    mutating func parse(_ root: YNode) -> Profile? {
        guard let top = reader.mapping(root, path: nil, keys: ProfileLoader.topKeys,
                                       example: "'version: 1' followed by redundancy, uplinks, bridge ...") else {
            return nil
        }
        let sections = readSections(top)
        checkRules(sections)
        guard !reader.hasErrors else { return nil }
        return assemble(sections)
    }

    /// Each top-level section, read on its own (a missing required one is reported).
    mutating func readSections(_ top: [Entry]) -> Sections {
        let entries = Dictionary(top.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var s = Sections()
        s.version = parseVersion(entries["version"])
        s.redundancy = parseRedundancy(entries["redundancy"])
        if let e = entries["uplinks"] {
            s.uplinks = parseUplinks(e)
        } else {
            reader.error(reader.startOfFile, "missing 'uplinks'",
                         fix: "add the two NICs wired to the two switches, e.g. 'uplinks: [peth0, peth1]'")
        }
        if let e = entries["bridge"] {
            s.bridge = parseBridge(e)
        } else {
            reader.error(reader.startOfFile, "missing 'bridge'",
                         fix: "add 'bridge: {name: xenbr0}' (the bridge the VMs and the host hang off)")
        }
        s.bondEntry = entries["bond"]
        if let e = s.bondEntry { s.bond = parseBond(e) }
        if let e = entries["host"] { s.host = parseHost(e) }
        return s
    }

    /// The rules between sections (redundancy and its sections, bond mode and options, ports,
    /// names used twice, STP timers, host addresses).
    mutating func checkRules(_ s: Sections) {
        checkRedundancy(s.redundancy, bridge: s.bridge, bondEntry: s.bondEntry)
        if let bond = s.bond, let mode = bond.mode {
            checkBondMode(bond, mode: mode)
            checkTableBondOptions(bond, mode: mode)
        }
        if let bond = s.bond, let primary = bond.primary, let uplinks = s.uplinks {
            if !uplinks.contains(where: { $0.value == primary.value }) {
                reader.error(primary.location, "bond.primary '\(primary.value)' is not an uplink",
                             fix: "name one of the uplinks: \(listing(uplinks.map(\.value)))")
            }
        }
        checkPorts(bridge: s.bridge, redundancy: s.redundancy?.value, uplinks: s.uplinks, bond: s.bond, host: s.host)
        checkDuplicateNames(uplinks: s.uplinks, bridge: s.bridge, bond: s.bond, host: s.host)
        checkSTPTimers(s.bridge)
        checkHostAddresses(s.host)
    }

    /// The `Profile` of sections without errors (nil when a required part is missing).
    func assemble(_ s: Sections) -> Profile? {
        guard let version = s.version, let redundancy = s.redundancy, let uplinks = s.uplinks,
              let bridge = s.bridge, let bridgeName = bridge.name else { return nil }
        var bondProfile: BondProfile?
        if let bond = s.bond {
            guard let b = bond.profile else { return nil }
            bondProfile = b
        }
        var veth: VethProfile?
        if let v = s.host.veth {
            guard let pair = v.profile else { return nil }
            veth = pair
        }
        var ports: [String: PortProfile] = [:]
        for p in bridge.ports { ports[p.name.value] = PortProfile(priority: p.priority, cost: p.cost) }
        var guestVeths: [VethProfile] = []
        for v in bridge.veths {
            guard let pair = v.profile else { return nil }
            guestVeths.append(pair)
        }
        return Profile(
            version: version, redundancy: redundancy.value, uplinks: uplinks.map(\.value),
            bridge: BridgeProfile(name: bridgeName.value, stp: bridge.stpEnabled ? bridge.stp : nil, ports: ports,
                                  veths: guestVeths),
            bond: bondProfile,
            host: HostProfile(veth: veth, addresses: s.host.addresses.map(\.value), gateway: s.host.gateway?.value,
                              mtu: s.host.mtu?.value))
    }

    mutating func parseUplinks(_ e: Entry) -> [Located<String>]? {
        guard let items = reader.sequence(e.value, path: "uplinks", example: "uplinks: [peth0, peth1]") else { return nil }
        var result: [Located<String>] = []
        var firstAt: [String: Located<String>] = [:]
        var allValid = true
        for (i, item) in items.enumerated() {
            if let name = reader.interfaceName(item, path: "uplinks[\(i)]") {
                if let first = firstAt[name] {
                    reader.error(reader.location(item), "uplink '\(name)' is listed twice (first at line \(first.location.line))",
                                 fix: "list two different NICs, e.g. [peth0, peth1]")
                    allValid = false
                } else {
                    result.append(Located(value: name, location: reader.location(item)))
                    firstAt[name] = result[result.count - 1]
                }
            } else {
                allValid = false
            }
        }
        if allValid && result.count < 2 {
            reader.error(reader.location(e.value),
                         "uplinks needs at least 2 distinct interfaces for redundancy, got \(result.count)",
                         fix: "list both NICs wired to the two switches, e.g. uplinks: [peth0, peth1]")
        }
        return result
    }

    mutating func parseVersion(_ e: Entry?) -> Int? {
        guard let e else {
            reader.error(reader.startOfFile, "missing 'version'; this xg-scale reads profile version \(Profile.supportedVersion)",
                         fix: "add 'version: \(Profile.supportedVersion)' as the first line")
            return nil
        }
        guard let v = reader.int(e.value, path: "version", range: Int.min...Int.max) else { return nil }
        guard v == Profile.supportedVersion else {
            reader.error(reader.location(e.value), "unsupported profile version \(v); this xg-scale reads version \(Profile.supportedVersion)",
                         fix: "write 'version: \(Profile.supportedVersion)' and follow xg-scale-profile(5)")
            return nil
        }
        return v
    }

    mutating func parseRedundancy(_ e: Entry?) -> Located<Redundancy>? {
        guard let e else {
            reader.error(reader.startOfFile, "missing 'redundancy'",
                         fix: "add 'redundancy: stp' (a bridge with STP over both uplinks) or 'redundancy: bond'")
            return nil
        }
        return reader.choice(e.value, path: "redundancy", as: Redundancy.self).map { Located(value: $0, location: reader.location(e.value)) }
    }
}

extension YAMLReader {
    func hasErrorAt(_ location: SourceLocation) -> Bool {
        diagnostics.contains { $0.severity == .error && $0.location.line == location.line }
    }
}
