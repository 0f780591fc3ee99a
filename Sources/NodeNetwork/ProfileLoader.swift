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

    mutating func parse(_ root: Node) -> Profile? {
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

    struct PortDraft {
        var name: Located<String>
        var priority: Int?
        var cost: Int?
    }

    struct BridgeDraft {
        var location: SourceLocation
        var name: Located<String>?
        /// Where `stp` was written (nil: absent).
        var stpLocation: SourceLocation?
        var stpEnabled = false
        var stp = STPProfile()
        var stpFieldLocations: [String: SourceLocation] = [:]
        var ports: [PortDraft] = []
        var veths: [VethDraft] = []
    }

    mutating func parseBridge(_ e: Entry) -> BridgeDraft? {
        guard let entries = reader.mapping(e.value, path: "bridge", keys: ProfileLoader.bridgeKeys,
                                           example: "bridge: {name: xenbr0, stp: {forward-delay: 4}}") else { return nil }
        var draft = BridgeDraft(location: e.keyLocation)
        var hasName = false
        for entry in entries {
            switch entry.key {
            case "name":
                hasName = true
                if let n = reader.interfaceName(entry.value, path: "bridge.name") {
                    draft.name = Located(value: n, location: reader.location(entry.value))
                }
            case "stp":
                draft.stpLocation = entry.keyLocation
                parseSTP(entry, into: &draft)
            case "ports": draft.ports += parsePorts(entry)
            case "veths": draft.veths += parseGuestVeths(entry)
            default: break
            }
        }
        if !hasName {
            reader.error(e.keyLocation, "bridge has no 'name'", fix: "add 'name: xenbr0' under bridge")
        }
        return draft
    }

    /// `bridge.ports`: settings keyed by port name.
    mutating func parsePorts(_ entry: Entry) -> [PortDraft] {
        guard let ports = reader.mapping(entry.value, path: "bridge.ports", keys: nil,
                                         example: "ports: {peth0: {priority: 32, cost: 100}}") else { return [] }
        return ports.compactMap { parsePort($0) }
    }

    /// One port of `bridge.ports`: its name (the key) and its priority and cost.
    mutating func parsePort(_ port: Entry) -> PortDraft? {
        let path = "bridge.ports.\(port.key)"
        // The key is an interface name; `${NAME}` works here too.
        // Columns count from the key's first character, quote included (style
        // `.any`). The key's own scalar is reused: a new `Node` built from the text
        // would resolve its tag through Yams' default resolver, compiling its
        // regular expressions (about a millisecond).
        var keyScalar = port.keyScalar
        keyScalar.style = .any
        guard let name = reader.substitute(keyScalar, at: port.keyLocation, path: "bridge.ports key") else { return nil }
        if let problem = InterfaceName.problem(name) {
            reader.error(port.keyLocation, "bridge.ports: '\(ValueRule.shown(name))' is not a valid interface name: \(problem)",
                         fix: "key each port by its interface name, e.g. peth0")
            return nil
        }
        var p = PortDraft(name: Located(value: name, location: port.keyLocation))
        if let fields = reader.mapping(port.value, path: path, keys: ProfileLoader.portKeys,
                                       example: "\(port.key): {priority: 32, cost: 100}") {
            for f in fields {
                switch f.key {
                case "priority": p.priority = reader.int(f.value, path: "\(path).priority", range: 0...63)
                default: p.cost = reader.int(f.value, path: "\(path).cost", range: 1...65535)
                }
            }
        }
        return p
    }

    /// `bridge.veths`: the guest veth pairs.
    mutating func parseGuestVeths(_ entry: Entry) -> [VethDraft] {
        guard let items = reader.sequence(entry.value, path: "bridge.veths",
                                          example: "veths: [{name: vm1, peer: vm1-br}]") else { return [] }
        var veths: [VethDraft] = []
        for (i, item) in items.enumerated() {
            if let v = parseVeth(item, at: reader.location(item), path: "bridge.veths[\(i)]",
                                 example: "{name: vm1, peer: vm1-br}") {
                veths.append(v)
            }
        }
        return veths
    }

    mutating func parseSTP(_ entry: Entry, into draft: inout BridgeDraft) {
        if case .scalar = entry.value, !YAMLReader.isNull(entry.value) {
            guard let on = reader.bool(entry.value, path: "bridge.stp") else { return }
            draft.stpEnabled = on
            return
        }
        guard let fields = reader.mapping(entry.value, path: "bridge.stp", keys: ProfileLoader.stpKeys,
                                          example: "stp: {priority: 32768, forward-delay: 4, hello-time: 1, max-age: 6} (or 'stp: off')") else { return }
        draft.stpEnabled = true
        for f in fields {
            let path = "bridge.stp.\(f.key)"
            draft.stpFieldLocations[f.key] = reader.location(f.value)
            switch f.key {
            case "enabled": draft.stpEnabled = reader.bool(f.value, path: path) ?? true
            case "priority": draft.stp.priority = reader.int(f.value, path: path, range: 0...65535)
            case "forward-delay": draft.stp.forwardDelay = reader.int(f.value, path: path, range: 2...30, unit: " seconds")
            case "hello-time": draft.stp.helloTime = reader.int(f.value, path: path, range: 1...10, unit: " seconds")
            default: draft.stp.maxAge = reader.int(f.value, path: path, range: 6...40, unit: " seconds")
            }
        }
    }

    struct VethDraft {
        var location: SourceLocation
        var name: Located<String>?
        var peer: Located<String>?

        /// The pair, once both ends are known.
        var profile: VethProfile? {
            guard let name, let peer else { return nil }
            return VethProfile(name: name.value, peer: peer.value)
        }
    }

    /// A veth pair `{name: N, peer: P}` (host.veth or an item of bridge.veths); both keys required.
    /// `at` is where a missing key is reported.
    mutating func parseVeth(_ node: Node, at: SourceLocation, path: String, example: @autoclosure () -> String) -> VethDraft? {
        var v = VethDraft(location: at)
        guard let fields = reader.mapping(node, path: path, keys: ProfileLoader.vethKeys, example: example()) else { return nil }
        for g in fields {
            let l = reader.location(g.value)
            if let n = reader.interfaceName(g.value, path: "\(path).\(g.key)") {
                if g.key == "name" { v.name = Located(value: n, location: l) } else { v.peer = Located(value: n, location: l) }
            }
        }
        for key in ProfileLoader.vethKeys where !fields.contains(where: { $0.key == key }) {
            reader.error(at, "\(path) has no '\(key)'", fix: "write both ends: \(example())")
        }
        return v
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
