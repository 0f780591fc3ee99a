// Values an inventory or profile must not smuggle into a render or the kernel (issue 15, item 3):
// control characters, whitespace, '#', NUL, and one address in two spellings.
import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

@Suite struct HostileValueTests {
    let profile = """
        version: 1
        redundancy: stp
        uplinks: [peth0, peth1]
        bridge: {name: "${bridge}", stp: {forward-delay: 4, max-age: 6}}
        host:
          addresses: ["${address}"]
          gateway: "${gateway}"

        """

    func vars(_ values: [String: String]) -> Variables {
        Variables(values: ["bridge": "xenbr0", "address": "192.0.2.10/24", "gateway": "192.0.2.1"]
                    .merging(values) { $1 }, origin: "inv.yaml (node dom0)", defineHint: "nodes.dom0.vars")
    }

    func errors(_ values: [String: String]) -> [String] {
        do {
            let loaded = try ProfileLoader.load(text: profile, file: "p.yaml", variables: vars(values))
            Issue.record("accepted \(values); ip render:\n\(Renderer.ipBatch(loaded.profile.desiredState(), source: "p"))")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    /// The injection of the issue: an inventory value with newlines is refused where it is
    /// written (inventory file, line and column), with the fix.
    @Test func inventoryValueWithNewlinesIsRefusedAtItsPlace() throws {
        let inventory = """
            cluster: xen1
            nodes:
              dom0:
                vars:
                  bridge: "dom0\\naddress add 10.9.9.9/24 dev lo\\nlink set lo down\\n#"

            """
        #expect(throws: ProfileError.self) { try Inventory.parse(text: inventory, file: "inv.yaml") }
        do { _ = try Inventory.parse(text: inventory, file: "inv.yaml") } catch {
            #expect(error.errors.map(\.description) == [
                "inv.yaml:5:15: error: nodes.dom0.vars.bridge: the value 'dom0\\naddress add 10.9.9.9/24 dev lo\\nlink set lo down\\n#' cannot be used: character 5 is a newline (U+000A) (fix: \(ValueRule.fix))",
            ])
        }
    }

    /// The preflight's `ssh-command` is a command line (split into an argv by xg-scale, never a
    /// shell): blanks are allowed, a newline or `#` is not, and it is never a profile variable.
    @Test func sshCommandMayHoldBlanksButNothingElseAndIsNoProfileVariable() throws {
        let ok = try Inventory.parse(text: """
            nodes:
              dom0:
                vars:
                  ssh-command: "ssh -F /etc/xg-scale/ssh_config"

            """, file: "inv.yaml")
        #expect(ok.nodes.first?.vars["ssh-command"] == "ssh -F /etc/xg-scale/ssh_config")
        #expect(try ok.variables(forNode: "dom0").values["ssh-command"] == nil)
        for bad in ["ssh\\n-o ProxyCommand=evil", "ssh # comment", "ssh\\t-F x"] {
            #expect(throws: ProfileError.self, "\(bad)") {
                try Inventory.parse(text: "nodes:\n  dom0:\n    vars:\n      ssh-command: \"\(bad)\"\n", file: "inv.yaml")
            }
        }
    }

    /// Substituted values are checked again in the profile (whatever gave the variables).
    @Test(arguments: [
        ("bridge", "br0\nlink set lo down", "whitespace"),
        ("bridge", "br0\rx", "whitespace"),
        ("bridge", "br\tx", "whitespace"),
        ("bridge", "br#0", "'#'"),
        ("bridge", "br\u{0}x", "NUL"),
        ("bridge", "br\u{1b}x", "control character"),
        ("bridge", "br*", "pattern"),
        ("gateway", "192.0.2.1\u{0}\naddress add 10.9.9.9/24 dev lo", "NUL"),
        ("gateway", "192.0.2.1 dev lo", "a space"),
        ("address", "192.0.2.10/24\nlink set lo down", "newline"),
        ("address", "192.0.2.10/24#", "'#'"),
    ])
    func substitutedHostileValuesAreRefusedInTheProfile(_ key: String, _ value: String, _ why: String) {
        let found = errors([key: value])
        let line = ["bridge": 4, "address": 6, "gateway": 7][key]!
        // One error where the value is used (a refused address may also leave the gateway
        // without an address of its family: that is reported at the gateway).
        let here = found.filter { $0.hasPrefix("p.yaml:\(line):") }
        #expect(here.count == 1, "\(found)")
        #expect(here.first?.contains(why) == true, "\(found)")
        // One diagnostic is one line, whatever the value held.
        #expect(found.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
    }

    @Test func hashInANameIsRefused() throws {
        let yaml = profile.replacingOccurrences(of: "uplinks: [peth0, peth1]", with: "uplinks: [peth0, \"eth#1\"]")
        do {
            _ = try ProfileLoader.load(text: yaml, file: "p.yaml", variables: vars([:]))
            Issue.record("a name with '#' was accepted")
        } catch {
            #expect(error.errors.map(\.description) == [
                "p.yaml:3:18: error: uplinks[1]: 'eth#1' is not a valid interface name: character 4 is '#', which starts a comment in ip -batch and interfaces files (fix: use 1-15 bytes without '/', ':', '#', '*', '?', '[', ']', whitespace or control characters, e.g. peth0)",
            ])
        }
    }

    @Test func nulInAValueWrittenInTheProfileIsRefused() throws {
        let yaml = profile.replacingOccurrences(of: "gateway: \"${gateway}\"", with: "gateway: \"192.0.2.1\\0\"")
        do {
            _ = try ProfileLoader.load(text: yaml, file: "p.yaml", variables: vars([:]))
            Issue.record("a NUL was accepted")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors.first?.description.hasPrefix("p.yaml:7:12: error: host.gateway: the value '192.0.2.1\\u{0000}' cannot be used: character 10 is a NUL byte") == true,
                    "\(error.errors)")
        }
        #expect(IPAddress.family(of: "192.0.2.1\u{0}garbage") == nil)
    }

    @Test func oneIPv6AddressInTwoSpellingsIsADuplicate() throws {
        let yaml = profile.replacingOccurrences(of: "addresses: [\"${address}\"]",
                                                with: "addresses: [2001:db8::10/64, 192.0.2.10/24, \"2001:DB8:0:0::0010/64\"]")
            .replacingOccurrences(of: "gateway: \"${gateway}\"", with: "gateway: 192.0.2.1")
        do {
            _ = try ProfileLoader.load(text: yaml, file: "p.yaml", variables: vars([:]))
            Issue.record("two spellings of one address were accepted")
        } catch {
            #expect(error.errors.map(\.description) == [
                "p.yaml:6:47: error: host.addresses[2]: address 2001:DB8:0:0::0010/64 is listed twice (as 2001:db8::10/64) (first at line 6) (fix: list each address once)",
            ])
        }
        #expect(IPAddress.canonicalCIDR("2001:DB8:0:0::0010/64") == "2001:db8::10/64")
        // A different prefix is a different address entry (the kernel keeps both).
        #expect(IPAddress.canonicalCIDR("2001:db8::10/48") != IPAddress.canonicalCIDR("2001:db8::10/64"))
    }

    /// The header names the source on one comment line, whatever the file name holds.
    @Test func renderHeaderIsOneLine() throws {
        let loaded = try ProfileLoader.load(text: profile, file: "p.yaml", variables: vars([:]))
        let state = loaded.profile.desiredState()
        let plain = try Renderer.render(state, format: .ip, source: "p.yaml")[0].contents
        for format in [RenderFormat.ip, .interfaces, .networkd] {
            for file in try Renderer.render(state, format: format, source: "p\nlink add evil type dummy\n#.yaml") {
                let first = file.contents.split(separator: "\n", omittingEmptySubsequences: false)[0]
                #expect(first.hasPrefix("# Rendered by xg-scale from p\\nlink add evil type dummy\\n#.yaml."), "\(first)")
                #expect(!file.contents.contains("\nlink add evil"))
            }
        }
        let hostile = try Renderer.render(state, format: .ip, source: "p\nx")[0].contents
        #expect(hostile.split(separator: "\n").count == plain.split(separator: "\n").count)
    }

    @Test func inventoryNodeNamesAndClusterAreValues() throws {
        let inventory = "cluster: \"xen 1\"\nnodes:\n  \"dom0\\tx\": {vars: {a: b}}\n"
        do {
            _ = try Inventory.parse(text: inventory, file: "inv.yaml")
            Issue.record("accepted")
        } catch {
            let messages = error.errors.map(\.description)
            #expect(messages.count == 2, "\(messages)")
            #expect(messages.first?.hasPrefix("inv.yaml:1:10: error: cluster: the value 'xen 1' cannot be used: character 4 is a space") == true, "\(messages)")
            #expect(messages.last?.hasPrefix("inv.yaml:3:3: error: nodes: the node name 'dom0\\tx' cannot be used") == true, "\(messages)")
        }
    }

    /// Every example profile, every inventory variable it uses, every hostile tail: refused.
    @Test func everyExampleRefusesEveryHostileInventoryValue() throws {
        let dir = packageRoot().appendingPathComponent("profiles")
        let inventory = try Inventory.parse(text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8),
                                            file: "inventory.yaml")
        let tails = ["\nlink set lo down", "\r\npost-up reboot", "\u{0}\nroute add default via 10.9.9.9", "#", " dev lo",
                     "\tx", "\u{85}x", "\u{2028}x"]
        var checked = 0
        for name in try exampleProfiles() {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let base = try inventory.variables(forNode: "dom0")
            for (key, value) in base.values where text.contains("${\(key)}") {
                for tail in tails {
                    var v = base
                    v.values[key] = value + tail
                    do {
                        let loaded = try ProfileLoader.load(text: text, file: name, variables: v)
                        Issue.record("\(name): ${\(key)} = \(value + tail) accepted:\n\(Renderer.ipBatch(loaded.profile.desiredState(), source: name))")
                    } catch {
                        #expect(error.errors.contains { $0.location.file == name && ($0.message.contains("cannot be used") || $0.message.contains("not a valid")) },
                                "\(name) \(key): \(error.errors)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked >= 5 * tails.count)
    }
}
