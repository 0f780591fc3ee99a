// The bridge section of a profile: its name, STP settings, port settings and guest veth pairs
// (and the veth pair's own keys, shared with host.veth).
import Yams

extension ProfileParser {
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
        veths.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            if readPlainVeth(item, into: &veths) { continue }
            if let v = parseVeth(item, at: reader.location(item), path: "bridge.veths[\(i)]",
                                 example: "{name: vm1, peer: vm1-br}") {
                veths.append(v)
            }
        }
        return veths
    }

    /// What `parseVeth` reads from a pair written plainly, without a word to say about it: a
    /// mapping of exactly the keys `name` and `peer`, each a value (not null) without `$` that
    /// is a valid interface name. Read straight from the mapping, with no entries made (a
    /// profile may list hundreds of guest pairs), and appended to `veths`. False (nothing
    /// appended) for anything else: `parseVeth` reads it.
    func readPlainVeth(_ node: YNode, into veths: inout [VethDraft]) -> Bool {
        guard case .mapping(let m) = node, m.endIndex - m.startIndex == 2 else { return false }
        var v = VethDraft(location: reader.location(of: m.mark))
        for index in m.startIndex..<m.endIndex {
            let (key, value) = m[index]
            guard case .scalar(let k) = key, case .scalar(let s) = value, !YAMLReader.isNull(s),
                  InterfaceName.isPlainWithoutDollar(s.string) || (!s.string.utf8.contains(UInt8(ascii: "$"))
                                                                   && InterfaceName.problem(s.string) == nil)
            else { return false }
            let located = Located(value: s.string, location: reader.location(of: s.mark))
            switch k.string {
            case "name" where v.name == nil: v.name = located
            case "peer" where v.peer == nil: v.peer = located
            default: return false
            }
        }
        veths.append(v)
        return true
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
    /// `path` ("bridge.veths[3]") is only made for a message: most pairs are fine.
    mutating func parseVeth(_ node: YNode, at: SourceLocation, path: @autoclosure () -> String,
                            example: @autoclosure () -> String) -> VethDraft? {
        var v = VethDraft(location: at)
        guard let fields = reader.mapping(node, path: path(), keys: ProfileLoader.vethKeys, example: example()) else { return nil }
        for g in fields {
            let l = reader.location(g.value)
            if let n = reader.interfaceName(g.value, path: "\(path()).\(g.key)") {
                if g.key == "name" { v.name = Located(value: n, location: l) } else { v.peer = Located(value: n, location: l) }
            }
        }
        for key in ProfileLoader.vethKeys where !fields.contains(where: { $0.key == key }) {
            reader.error(at, "\(path()) has no '\(key)'", fix: "write both ends: \(example())")
        }
        return v
    }
}
