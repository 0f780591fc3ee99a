import Testing
@testable import NodeNetwork

/// Line and column (1-based) of the `occurrence`-th appearance of `token` in `text`.
func position(of token: String, in text: String, occurrence: Int = 1) -> (line: Int, column: Int) {
    var count = 0
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        var search = line[...]
        while let range = search.range(of: token) {
            count += 1
            if count == occurrence {
                return (index + 1, line.unicodeScalars.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
            search = line[range.upperBound...]
        }
    }
    Issue.record("token \(token) not in text")
    return (0, 0)
}

/// Every diagnostic of loading `text` (empty when it loads without warnings).
func diagnostics(_ text: String, variables: [String: String]? = nil) -> [Diagnostic] {
    let vars = variables.map { Variables(values: $0, origin: "inv.yaml (node n1)", defineHint: "nodes.n1.vars in inv.yaml") }
    do {
        return try ProfileLoader.load(text: text, file: "p.yaml", variables: vars).warnings
    } catch {
        return error.diagnostics
    }
}

let stpBase = """
    version: 1
    redundancy: stp
    uplinks: [peth0, peth1]
    bridge:
      name: xenbr0
      stp: {forward-delay: 4, hello-time: 1, max-age: 6}

    """

let bondBase = """
    version: 1
    redundancy: bond
    uplinks: [peth0, peth1]
    bridge:
      name: xenbr0
    bond:
      name: bond0

    """

/// One invalid profile: where the error must point and what it must say.
struct BadCase: CustomStringConvertible, Sendable {
    var name: String
    var yaml: String
    /// The error points at this token (nil: line 1, column 1); `occurrence` picks among repeats.
    var token: String?
    var occurrence = 1
    var message: String
    var fix: String? = nil
    var variables: [String: String]? = nil
    var description: String { name }
}

let badCases: [BadCase] = [
    BadCase(name: "version missing", yaml: "redundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0, stp: on}\n",
            token: nil, message: "missing 'version'; this xg-scale reads profile version 1", fix: "add 'version: 1'"),
    BadCase(name: "version 2", yaml: stpBase.replacingOccurrences(of: "version: 1", with: "version: 2"),
            token: "2", message: "unsupported profile version 2; this xg-scale reads version 1", fix: "write 'version: 1'"),
    BadCase(name: "version not a number", yaml: stpBase.replacingOccurrences(of: "version: 1", with: "version: one"),
            token: "one", message: "version must be a whole number"),
    BadCase(name: "unknown top key", yaml: stpBase + "hots: {mtu: 1500}\n", token: "hots",
            message: "unknown key 'hots' at the top level", fix: "did you mean 'host'?"),
    BadCase(name: "unknown stp key", yaml: stpBase.replacingOccurrences(of: "max-age: 6}", with: "max-age: 6, prio: 1}"),
            token: "prio", message: "unknown key 'prio' in bridge.stp", fix: "did you mean 'priority'?"),
    BadCase(name: "unknown bond key", yaml: bondBase + "  mode: active-backup\n  mii-mon: 100\n", token: "mii-mon",
            message: "unknown key 'mii-mon' in bond", fix: "did you mean 'miimon'?"),
    BadCase(name: "uplinks not a list", yaml: stpBase.replacingOccurrences(of: "[peth0, peth1]", with: "peth0"),
            token: "peth0", message: "uplinks must be a list, got 'peth0'"),
    BadCase(name: "bridge not a mapping", yaml: "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: [xenbr0]\n",
            token: "[xenbr0]", message: "bridge must be a mapping, got a list"),
    BadCase(name: "bridge priority range", yaml: stpBase.replacingOccurrences(of: "{forward-delay", with: "{priority: 70000, forward-delay"),
            token: "70000", message: "bridge.stp.priority 70000 is out of range 0-65535"),
    BadCase(name: "bridge priority type", yaml: stpBase.replacingOccurrences(of: "{forward-delay", with: "{priority: high, forward-delay"),
            token: "high", message: "bridge.stp.priority must be a whole number 0-65535, got 'high'"),
    BadCase(name: "forward-delay range", yaml: stpBase.replacingOccurrences(of: "forward-delay: 4", with: "forward-delay: 1"),
            token: "1,", message: "bridge.stp.forward-delay 1 is out of range 2-30 seconds"),
    BadCase(name: "hello-time range", yaml: stpBase.replacingOccurrences(of: "hello-time: 1", with: "hello-time: 11"),
            token: "11", message: "bridge.stp.hello-time 11 is out of range 1-10 seconds"),
    BadCase(name: "max-age range", yaml: stpBase.replacingOccurrences(of: "max-age: 6", with: "max-age: 41"),
            token: "41", message: "bridge.stp.max-age 41 is out of range 6-40 seconds"),
    BadCase(name: "port priority range", yaml: stpBase + "  ports: {peth0: {priority: 64}}\n", token: "64",
            message: "bridge.ports.peth0.priority 64 is out of range 0-63"),
    BadCase(name: "port cost range", yaml: stpBase + "  ports: {peth1: {cost: 0}}\n", token: "0}",
            message: "bridge.ports.peth1.cost 0 is out of range 1-65535"),
    BadCase(name: "miimon negative", yaml: bondBase + "  mode: active-backup\n  miimon: -1\n", token: "-1",
            message: "bond.miimon -1 is out of range >= 0 ms"),
    BadCase(name: "updelay negative", yaml: bondBase + "  mode: active-backup\n  updelay: -5\n", token: "-5",
            message: "bond.updelay -5 is out of range >= 0 ms"),
    BadCase(name: "downdelay negative", yaml: bondBase + "  mode: active-backup\n  downdelay: -5\n", token: "-5",
            message: "bond.downdelay -5 is out of range >= 0 ms"),
    BadCase(name: "min-links negative", yaml: bondBase + "  mode: 802.3ad\n  min-links: -1\n", token: "-1",
            message: "bond.min-links -1 is out of range >= 0"),
    BadCase(name: "mtu range", yaml: stpBase + "host: {mtu: 67}\n", token: "67",
            message: "host.mtu 67 is out of range 68-65535 bytes"),
    BadCase(name: "interface name too long", yaml: stpBase.replacingOccurrences(of: "peth1]", with: "averyverylongname0]"),
            token: "averyverylongname0", message: "uplinks[1]: 'averyverylongname0' is not a valid interface name: it is 18 bytes long, the kernel allows 15"),
    BadCase(name: "interface name slash", yaml: stpBase.replacingOccurrences(of: "name: xenbr0", with: "name: xen/br0"),
            token: "xen/br0", message: "bridge.name: 'xen/br0' is not a valid interface name: it contains '/'"),
    BadCase(name: "interface name whitespace", yaml: stpBase.replacingOccurrences(of: "name: xenbr0", with: "name: \"xen br0\""),
            token: "\"xen br0\"", message: "bridge.name: 'xen br0' is not a valid interface name: it contains whitespace"),
    BadCase(name: "interface name dot", yaml: stpBase.replacingOccurrences(of: "[peth0, peth1]", with: "[peth0, '..']"),
            token: "'..'", message: "uplinks[1]: '..' is not a valid interface name: '.' and '..' are reserved"),
    BadCase(name: "interface name empty", yaml: stpBase.replacingOccurrences(of: "[peth0, peth1]", with: "[peth0, '']"),
            token: "''", message: "uplinks[1]: '' is not a valid interface name: it is empty"),
    BadCase(name: "redundancy value", yaml: stpBase.replacingOccurrences(of: "redundancy: stp", with: "redundancy: mesh"),
            token: "mesh", message: "redundancy: unknown value 'mesh'", fix: "use one of: stp, bond"),
    BadCase(name: "bond mode value", yaml: bondBase + "  mode: active-back\n", token: "active-back",
            message: "bond.mode: unknown value 'active-back'", fix: "did you mean 'active-backup'?"),
    BadCase(name: "primary-reselect value", yaml: bondBase + "  mode: active-backup\n  primary-reselect: never\n", token: "never",
            message: "bond.primary-reselect: unknown value 'never'", fix: "use one of: always, better, failure"),
    BadCase(name: "lacp-rate value", yaml: bondBase + "  mode: 802.3ad\n  lacp-rate: medium\n", token: "medium",
            message: "bond.lacp-rate: unknown value 'medium'", fix: "use one of: slow, fast"),
    BadCase(name: "xmit-hash-policy value", yaml: bondBase + "  mode: 802.3ad\n  xmit-hash-policy: layer5\n", token: "layer5",
            message: "bond.xmit-hash-policy: unknown value 'layer5'",
            fix: "use one of: layer2, layer3+4, layer2+3, encap2+3, encap3+4, vlan+srcmac"),
    BadCase(name: "fail-over-mac value", yaml: bondBase + "  mode: active-backup\n  fail-over-mac: some\n", token: "some",
            message: "bond.fail-over-mac: unknown value 'some'", fix: "use one of: none, active, follow"),
    BadCase(name: "lacp-rate outside 802.3ad", yaml: bondBase + "  mode: active-backup\n  lacp-rate: fast\n", token: "fast",
            message: "bond.lacp-rate only applies to mode 802.3ad, not active-backup"),
    BadCase(name: "xmit-hash-policy outside hash modes", yaml: bondBase + "  mode: active-backup\n  xmit-hash-policy: layer3+4\n",
            token: "layer3+4", message: "bond.xmit-hash-policy only applies to modes balance-xor, 802.3ad, balance-tlb and balance-alb, not active-backup"),
    BadCase(name: "primary outside primary modes", yaml: bondBase + "  mode: 802.3ad\n  primary: peth0\n", token: "peth0", occurrence: 2,
            message: "bond.primary only applies to modes active-backup, balance-tlb and balance-alb, not 802.3ad"),
    BadCase(name: "primary not an uplink", yaml: bondBase + "  mode: active-backup\n  primary: eth7\n", token: "eth7",
            message: "bond.primary 'eth7' is not an uplink", fix: "name one of the uplinks: peth0, peth1"),
    BadCase(name: "port keyed by non-uplink", yaml: stpBase + "  ports: {eth9: {cost: 10}}\n", token: "eth9",
            message: "bridge.ports: 'eth9' is not a port of bridge xenbr0", fix: "key ports by one of: peth0, peth1"),
    BadCase(name: "port keyed by bond slave", yaml: bondBase.replacingOccurrences(of: "  name: xenbr0\n", with: "  name: xenbr0\n  ports: {peth0: {cost: 10}}\n") + "  mode: active-backup\n",
            token: "peth0", occurrence: 2, message: "bridge.ports: 'peth0' is enslaved to the bond, not to the bridge",
            fix: "key ports by one of: bond0"),
    BadCase(name: "stp redundancy without bridge.stp", yaml: "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge:\n  name: xenbr0\n",
            token: "bridge", message: "redundancy stp needs bridge.stp"),
    BadCase(name: "stp redundancy with stp off", yaml: "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge:\n  name: xenbr0\n  stp: off\n",
            token: "stp:", message: "redundancy stp needs STP on, but bridge.stp is off"),
    BadCase(name: "stp redundancy with stp enabled false", yaml: "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge:\n  name: xenbr0\n  stp: {enabled: false}\n",
            token: "stp:", message: "redundancy stp needs STP on, but bridge.stp is off"),
    BadCase(name: "stp redundancy with a bond section", yaml: stpBase + "bond: {name: bond0, mode: active-backup}\n", token: "bond:",
            message: "a bond section does not belong with redundancy stp"),
    BadCase(name: "bond redundancy without bond", yaml: "version: 1\nredundancy: bond\nuplinks: [peth0, peth1]\nbridge: {name: xenbr0}\n",
            token: "bond", message: "redundancy bond needs a bond section"),
    BadCase(name: "bond redundancy with stp on", yaml: bondBase.replacingOccurrences(of: "  name: xenbr0\n", with: "  name: xenbr0\n  stp: {forward-delay: 4}\n") + "  mode: active-backup\n",
            token: "stp:", message: "bridge.stp must be absent or off with redundancy bond", fix: "remove bridge.stp or write 'stp: off'"),
    BadCase(name: "duplicate interface name", yaml: stpBase.replacingOccurrences(of: "name: xenbr0", with: "name: peth1"),
            token: "peth1", occurrence: 2, message: "bridge.name: interface name 'peth1' is already used by uplinks (line 3)"),
    BadCase(name: "veth peer named like the bridge", yaml: stpBase + "host: {veth: {name: veth0, peer: xenbr0}}\n",
            token: "xenbr0", occurrence: 2, message: "host.veth.peer: interface name 'xenbr0' is already used by bridge.name (line 5)"),
    BadCase(name: "one uplink", yaml: stpBase.replacingOccurrences(of: "[peth0, peth1]", with: "[peth0]"),
            token: "[peth0]", message: "uplinks needs at least 2 distinct interfaces for redundancy, got 1"),
    BadCase(name: "uplink twice", yaml: stpBase.replacingOccurrences(of: "[peth0, peth1]", with: "[peth0, peth0]"),
            token: "peth0", occurrence: 2, message: "uplink 'peth0' is listed twice (first at line 3)"),
    BadCase(name: "address without prefix", yaml: stpBase + "host: {addresses: [192.0.2.10]}\n", token: "192.0.2.10",
            message: "host.addresses[0]: IPv4 address '192.0.2.10' has no prefix length", fix: "192.0.2.10/24"),
    BadCase(name: "address invalid", yaml: stpBase + "host: {addresses: [192.0.2.300/24]}\n", token: "192.0.2.300/24",
            message: "host.addresses[0]: '192.0.2.300/24' is not an IPv4 or IPv6 address with prefix length"),
    BadCase(name: "address prefix too long", yaml: stpBase + "host: {addresses: [\"2001:db8::1/129\"]}\n", token: "\"2001",
            message: "host.addresses[0]: '2001:db8::1/129' has an invalid prefix length", fix: "an IPv6 prefix length is 0-128"),
    BadCase(name: "gateway invalid", yaml: stpBase + "host: {addresses: [192.0.2.10/24], gateway: 192.0.2.1/24}\n", token: "192.0.2.1/24",
            message: "host.gateway: '192.0.2.1/24' is not an IP address", fix: "without prefix length"),
    BadCase(name: "gateway without address of its family", yaml: stpBase + "host: {addresses: [192.0.2.10/24], gateway: \"2001:db8::1\"}\n",
            token: "\"2001", message: "host.gateway 2001:db8::1 is IPv6, but host.addresses has no IPv6 address to reach it"),
    BadCase(name: "ipv6 with small mtu", yaml: stpBase + "host: {addresses: [\"2001:db8::10/64\"], mtu: 1000}\n", token: "1000",
            message: "host.mtu 1000 is below 1280, the minimum for IPv6"),
    BadCase(name: "unresolved variable without inventory", yaml: stpBase + "host: {addresses: [\"${address}\"]}\n", token: "${address}",
            message: "unresolved variable ${address} in host.addresses[0]", fix: "render with --inventory FILE --node NAME"),
    BadCase(name: "unresolved variable with inventory", yaml: stpBase + "host:\n  gateway: ${gw}\n", token: "${gw}",
            message: "unresolved variable ${gw} in host.gateway: inv.yaml (node n1) does not define 'gw'",
            fix: "define gw under nodes.n1.vars in inv.yaml", variables: ["address": "192.0.2.10/24"]),
    BadCase(name: "unresolved variable in a port key", yaml: stpBase + "  ports: {\"${up}\": {cost: 5}}\n", token: "\"${up}\"",
            message: "unresolved variable ${up} in bridge.ports key"),
    BadCase(name: "unclosed variable", yaml: stpBase + "host: {gateway: \"${gw\"}\n", token: "${gw",
            message: "host.gateway: '${' without a closing '}'"),
    BadCase(name: "arp-interval in 802.3ad", yaml: bondBase + "  mode: 802.3ad\n  miimon: 0\n  arp-interval: 100\n  arp-ip-target: [192.0.2.1]\n",
            token: "100", message: "bond.arp-interval: the kernel refuses ARP monitoring in mode 802.3ad"),
    BadCase(name: "arp-interval with miimon", yaml: bondBase + "  mode: active-backup\n  miimon: 100\n  arp-interval: 200\n  arp-ip-target: [192.0.2.1]\n",
            token: "200", message: "bond.miimon and bond.arp-interval exclude each other"),
    BadCase(name: "arp-interval without targets", yaml: bondBase + "  mode: active-backup\n  miimon: 0\n  arp-interval: 200\n",
            token: "200", message: "bond.arp-interval is set but arp-ip-target lists no address"),
    BadCase(name: "arp-ip-target not IPv4", yaml: bondBase + "  mode: active-backup\n  arp-ip-target: [\"2001:db8::1\"]\n",
            token: "\"2001", message: "bond.arp-ip-target[0]: '2001:db8::1' is not an IPv4 address"),
    BadCase(name: "arp-ip-target broadcast", yaml: bondBase + "  mode: active-backup\n  arp-ip-target: [192.0.2.1, 255.255.255.255]\n",
            token: "255.255.255.255", message: "bond.arp-ip-target[1]: the kernel refuses 255.255.255.255 as an ARP target"),
    BadCase(name: "bridge without name", yaml: "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge:\n  stp: on\n",
            token: "bridge", message: "bridge has no 'name'"),
    BadCase(name: "bond without mode", yaml: bondBase, token: "bond:", message: "bond has no 'mode'"),
    BadCase(name: "veth without peer", yaml: stpBase + "host:\n  veth: {name: veth0}\n", token: "veth:",
            message: "host.veth has no 'peer'"),
    BadCase(name: "bridge.veths not a list", yaml: stpBase + "  veths: {name: vm1, peer: vm1-br}\n", token: "{name: vm1",
            message: "bridge.veths must be a list", fix: "veths: [{name: vm1, peer: vm1-br}]"),
    BadCase(name: "bridge.veths item without peer", yaml: stpBase + "  veths:\n    - {name: vm1, peer: vm1-br}\n    - {name: vm2}\n",
            token: "{name: vm2}", message: "bridge.veths[1] has no 'peer'", fix: "write both ends: {name: vm1, peer: vm1-br}"),
    BadCase(name: "bridge.veths unknown key", yaml: stpBase + "  veths: [{name: vm1, peer: vm1-br, mac: x}]\n", token: "mac",
            message: "unknown key 'mac' in bridge.veths[0]"),
    BadCase(name: "bridge.veths bad name", yaml: stpBase + "  veths: [{name: vm1, peer: \"vm 1\"}]\n", token: "\"vm 1\"",
            message: "bridge.veths[0].peer: 'vm 1' is not a valid interface name: it contains whitespace"),
    BadCase(name: "bridge.veths name twice", yaml: stpBase + "  veths: [{name: vm1, peer: vm1-br}, {name: vm2, peer: vm1}]\n",
            token: "vm1", occurrence: 3, message: "bridge.veths[1].peer: interface name 'vm1' is already used by bridge.veths[0].name (line 7)",
            fix: "give each interface its own name"),
    BadCase(name: "bridge.veths name used by the host veth", yaml: stpBase + "  veths: [{name: veth0, peer: vm1-br}]\nhost: {veth: {name: veth0, peer: vif0.0}}\n",
            token: "veth0", occurrence: 1, message: "bridge.veths[0].name: interface name 'veth0' is already used by host.veth.name"),
    BadCase(name: "port keyed by a guest veth's free end", yaml: stpBase + "  veths: [{name: vm1, peer: vm1-br}]\n  ports: {vm1: {cost: 10}}\n",
            token: "vm1:", message: "bridge.ports: 'vm1' is not a port of bridge xenbr0", fix: "key ports by one of: peth0, peth1, vm1-br"),
    BadCase(name: "stp not a bool", yaml: stpBase.replacingOccurrences(of: "stp: {forward-delay: 4, hello-time: 1, max-age: 6}", with: "stp: maybe"),
            token: "maybe", message: "bridge.stp must be true or false, got 'maybe'"),
    BadCase(name: "YAML syntax error", yaml: "version: 1\nredundancy: stp\nuplinks: [peth0, peth1\nbridge: {name: xenbr0}\n",
            token: ": {name", message: "YAML syntax: did not find expected ',' or ']'"),
    BadCase(name: "duplicate key", yaml: "version: 1\nredundancy: stp\nredundancy: bond\n",
            token: "redundancy", message: "duplicate key 'redundancy' in the same mapping"),
    BadCase(name: "empty file", yaml: "", token: nil, message: "the profile is empty"),
    BadCase(name: "not a mapping", yaml: "- version\n", token: "-", message: "the document must be a mapping, got a list"),
]

@Suite struct ValidationTests {
    @Test(arguments: badCases)
    func everyErrorNamesItsPlace(_ c: BadCase) throws {
        let found = diagnostics(c.yaml, variables: c.variables)
        let (line, column) = c.token.map { position(of: $0, in: c.yaml, occurrence: c.occurrence) } ?? (1, 1)
        let match = found.first { $0.severity == .error && $0.message.contains(c.message) }
        let m = try #require(match, "no error containing \"\(c.message)\"; got:\n\(found.map(\.description).joined(separator: "\n"))")
        #expect(m.location == SourceLocation(file: "p.yaml", line: line, column: column), "\(m)")
        if let fix = c.fix { #expect(m.fix?.contains(fix) == true, "fix: \(m.fix ?? "nil")") }
        // House style: FILE:LINE:COL: error: MESSAGE (fix: HINT)
        #expect(m.description.hasPrefix("p.yaml:\(line):\(column): error: "))
        #expect(m.description.hasSuffix(")"))
    }

    @Test func everyProblemIsReportedAtOnce() {
        let yaml = """
            version: 3
            redundancy: bond
            uplinks: [peth0, peth0]
            bridge:
              name: xenbr0/
              stp: {forward-delay: 99}
            bond:
              name: bond0
              mode: active-backup
              lacp-rate: fast
              primary: eth5
            host: {mtu: 10, addresses: [1.2.3.4]}
            """
        let errors = diagnostics(yaml).filter { $0.severity == .error }
        let lines = errors.map(\.location.line)
        #expect(errors.count >= 8, "\(errors)")
        for line in [1, 3, 5, 6, 10, 11, 12] { #expect(lines.contains(line), "no error on line \(line): \(errors)") }
        // Sorted by place.
        #expect(lines == lines.sorted())
    }

    @Test func stpTimerAdviceIsAWarningNotAnError() throws {
        let yaml = stpBase.replacingOccurrences(of: "max-age: 6", with: "max-age: 12")
        let loaded = try ProfileLoader.load(text: yaml, file: "p.yaml")
        let w = try #require(loaded.warnings.first)
        #expect(w.severity == .warning)
        #expect(w.message.contains("max-age 12 exceeds 2 x (forward-delay 4 - 1) = 6 (IEEE 802.1D)"))
        let (line, column) = position(of: "12", in: yaml)
        #expect(w.location == SourceLocation(file: "p.yaml", line: line, column: column))
        #expect(w.description.hasPrefix("p.yaml:\(line):\(column): warning: "))
    }

    @Test func maxAgeBelowHelloRelationWarns() throws {
        let yaml = stpBase.replacingOccurrences(of: "hello-time: 1", with: "hello-time: 3").replacingOccurrences(of: "max-age: 6", with: "max-age: 6")
        let loaded = try ProfileLoader.load(text: yaml, file: "p.yaml")
        #expect(loaded.warnings.contains { $0.message.contains("max-age 6 is below 2 x (hello-time 3 + 1) = 8") })
    }

    @Test func bondDelayNotMultipleOfMiimonWarns() throws {
        let loaded = try ProfileLoader.load(text: bondBase + "  mode: active-backup\n  miimon: 100\n  updelay: 250\n", file: "p.yaml")
        #expect(loaded.warnings.map(\.message) == ["bond.updelay 250 is not a multiple of miimon 100; the kernel rounds it down to 200"])
    }

    @Test func guestVethsBecomeBridgePortsWithTheirPortSettings() throws {
        let yaml = stpBase + "  veths:\n    - {name: vm1, peer: vm1-br}\n    - {name: vm2, peer: vm2-br}\n  ports: {vm2-br: {priority: 40}}\nhost: {mtu: 9000}\n"
        let loaded = try ProfileLoader.load(text: yaml, file: "p.yaml")
        #expect(loaded.warnings.isEmpty)
        let p = loaded.profile
        #expect(p.bridge.veths == [VethProfile(name: "vm1", peer: "vm1-br"), VethProfile(name: "vm2", peer: "vm2-br")])
        #expect(p.bridgePorts == ["peth0", "peth1", "vm1-br", "vm2-br"])
        let s = p.desiredState()
        #expect(s["vm1-br"]?.master == "xenbr0")
        #expect(s["vm1"]?.master == nil)
        #expect(s["vm1"]?.peer == "vm1-br" && s["vm1-br"]?.peer == "vm1")
        #expect(s["vm2-br"]?.port == BridgePortSettings(priority: 40))
        #expect(s["vm2"]?.mtu == 9000 && s["vm2-br"]?.mtu == 9000)
        #expect(s["vm1"]?.addresses == nil, "guest ends carry no host address")
    }

    @Test func validProfilesHaveNoDiagnostics() throws {
        let loaded = try ProfileLoader.load(text: stpBase, file: "p.yaml")
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.profile.bridge.stp == STPProfile(forwardDelay: 4, helloTime: 1, maxAge: 6))
    }
}
