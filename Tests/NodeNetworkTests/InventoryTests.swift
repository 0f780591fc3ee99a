import Testing
@testable import NodeNetwork

@Suite struct InventoryTests {
    let inventoryText = """
        cluster: xen1
        vars: {gateway: 192.0.2.1, mtu: 1500}
        nodes:
          dom0:  {vars: {address: 192.0.2.10/24}}
          dom0m: {vars: {address: 192.0.2.11/24, mtu: 9000}}
        """

    @Test func nodeVarsOverrideClusterVarsAndNameTheNode() throws {
        let inv = try Inventory.parse(text: inventoryText, file: "inv.yaml")
        #expect(inv.cluster == "xen1")
        #expect(inv.nodes.map(\.name) == ["dom0", "dom0m"])
        let vars = try inv.variables(forNode: "dom0m").values
        #expect(vars == ["gateway": "192.0.2.1", "mtu": "9000", "address": "192.0.2.11/24", "node": "dom0m", "cluster": "xen1"])
    }

    @Test func substitutionFillsEveryStringIncludingNumbersAndKeys() throws {
        let inv = try Inventory.parse(text: inventoryText, file: "inv.yaml")
        let profile = """
            version: 1
            redundancy: stp
            uplinks: [peth0, peth1]
            bridge:
              name: br-${node}
              stp: {forward-delay: 4, hello-time: 1, max-age: 6}
              ports: {peth0: {cost: 10}}
            host:
              addresses: ["${address}"]
              gateway: ${gateway}
              mtu: ${mtu}
            """
        let p = try ProfileLoader.load(text: profile, file: "p.yaml", variables: inv.variables(forNode: "dom0m")).profile
        #expect(p.bridge.name == "br-dom0m")
        #expect(p.host.addresses == ["192.0.2.11/24"])
        #expect(p.host.gateway == "192.0.2.1")
        #expect(p.host.mtu == 9000)
    }

    @Test func dollarDollarIsALiteral() throws {
        var r = YAMLReader(file: "x", variables: nil)
        let composed = r.compose("a: \"x$${y}\"\n")
        let node = try #require(composed)
        guard case .mapping(let m) = node, let v = m["a"] else { Issue.record("no mapping"); return }
        #expect(r.string(v, path: "a", example: "") == "x${y}")
        #expect(r.diagnostics.isEmpty)
    }

    @Test func substitutedValuesAreValidatedAtTheirPlace() throws {
        let vars = Variables(values: ["address": "192.0.2.10"], origin: "inv.yaml (node n)", defineHint: "h")
        let yaml = "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge: {name: br0, stp: on}\nhost: {addresses: [\"${address}\"]}\n"
        #expect(throws: ProfileError.self) { try ProfileLoader.load(text: yaml, file: "p.yaml", variables: vars) }
        do { _ = try ProfileLoader.load(text: yaml, file: "p.yaml", variables: vars) } catch {
            #expect(error.errors.map(\.description) == [
                "p.yaml:5:20: error: host.addresses[0]: IPv4 address '192.0.2.10' has no prefix length (fix: write it with its prefix, e.g. 192.0.2.10/24)",
            ])
        }
    }

    @Test func unknownNodeListsTheKnownOnes() throws {
        let inv = try Inventory.parse(text: inventoryText, file: "inv.yaml")
        do {
            _ = try inv.variables(forNode: "dom9")
            Issue.record("no error")
        } catch {
            #expect(error.description == "inv.yaml:3:1: error: no node 'dom9' in inv.yaml (fix: use one of: dom0, dom0m)")
        }
    }

    struct Bad: Sendable, CustomStringConvertible {
        var text: String; var line: Int; var column: Int; var message: String
        var description: String { message }
    }

    @Test(arguments: [
        Bad(text: "cluster: x\nnode: {a: {}}\n", line: 2, column: 1, message: "unknown key 'node' at the top level"),
        Bad(text: "cluster: x\n", line: 1, column: 1, message: "missing 'nodes'"),
        Bad(text: "nodes:\n  a: {var: {x: 1}}\n", line: 2, column: 7, message: "unknown key 'var' in nodes.a"),
        Bad(text: "nodes:\n  a: {vars: {x: [1, 2]}}\n", line: 2, column: 17, message: "nodes.a.vars.x must be a single value, got a list"),
        Bad(text: "nodes:\n  a: {vars: {node: b}}\n", line: 2, column: 14, message: "nodes.a.vars: 'node' is set by xg-scale"),
        Bad(text: "nodes:\n  a: {vars: {9x: b}}\n", line: 2, column: 14, message: "nodes.a.vars: '9x' is not a valid variable name"),
        Bad(text: "nodes: [a, b]\n", line: 1, column: 8, message: "nodes must be a mapping, got a list"),
        Bad(text: "nodes: {}\n", line: 1, column: 1, message: "nodes is empty"),
        Bad(text: "nodes:\n  a: {vars: {x: 1}\n", line: 3, column: 1, message: "YAML syntax:"),
    ])
    func inventoryErrorsNameTheirPlace(_ bad: Bad) {
        do {
            _ = try Inventory.parse(text: bad.text, file: "inv.yaml")
            Issue.record("no error for \(bad.text)")
        } catch {
            let match = error.errors.first { $0.message.contains(bad.message) }
            #expect(match?.location == SourceLocation(file: "inv.yaml", line: bad.line, column: bad.column), "\(error)")
        }
    }
}
