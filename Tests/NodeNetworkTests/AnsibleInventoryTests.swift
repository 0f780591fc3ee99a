import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

/// Ansible YAML inventories read by xg-scale, compared with `ansible-inventory --list` (the
/// oracle) on the examples of Ansible's own inventory guide (Tests/Fixtures/ansible).
@Suite struct AnsibleInventoryTests {
    static let fixtures = packageRoot().appendingPathComponent("Tests/Fixtures/ansible")
    static let cases = ["basic", "children", "hostvars", "groupvars", "inherit", "ranges", "priority", "files", "dirs"]

    static func load(_ name: String, format: InventoryFormat? = nil) throws -> Inventory {
        let dir = fixtures.appendingPathComponent(name)
        let file = dir.appendingPathComponent("inventory.yml").path
        return try Inventory.parse(text: String(contentsOfFile: file, encoding: .utf8), file: file, format: format, sidecar: {
            rel throws(ProfileError) -> String? in try? String(contentsOf: dir.appendingPathComponent(rel), encoding: .utf8)
        }, listing: { rel in try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(rel).path) })
    }

    /// Scalars as text, as xg-scale reads them (ansible-inventory gives numbers as numbers).
    static func text(_ value: Any) -> String? {
        if let s = value as? String { return s }
        if let n = value as? NSNumber { return n.stringValue }  // (the fixtures hold no booleans)
        return nil
    }

    @Test(arguments: cases) func matchesAnsibleInventoryList(_ name: String) throws {
        guard try prerequisites(root: false, programs: ["ansible-inventory"]) else { return }
        let file = Self.fixtures.appendingPathComponent("\(name)/inventory.yml").path
        let out = try runChecked(["ansible-inventory", "-i", file, "--list"])
        let list = try #require(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let inv = try Self.load(name)
        #expect(inv.format == .ansible)

        var oracleHosts: Set<String> = []
        for (group, body) in list where group != "_meta" {
            let g = body as? [String: Any] ?? [:]
            let hosts = g["hosts"] as? [String] ?? []
            oracleHosts.formUnion(hosts)
            guard group != "all" else { continue }
            let ours = inv.groups.first { $0.name == group }
            #expect(Set(ours?.hosts ?? []) == Set(hosts), "hosts of group \(group)")
            #expect(Set(ours?.children ?? []) == Set(g["children"] as? [String] ?? []), "children of group \(group)")
        }
        #expect(Set(inv.nodes.map(\.name)) == oracleHosts)

        let hostvars = (list["_meta"] as? [String: Any])?["hostvars"] as? [String: [String: Any]] ?? [:]
        for node in inv.nodes {
            let oracle = hostvars[node.name] ?? [:]
            let scalars = oracle.compactMapValues(Self.text)
            var ours = node.vars
            ours["inventory_hostname"] = nil
            // A value no profile can carry is kept out of the vars, but known (its reason).
            #expect(ours.merging(scalars.filter { node.refused[$0.key] != nil }) { $1 } == scalars, "vars of \(node.name)")
        }
    }

    @Test func detectsTheFormatAndHonoursAForcedOne() throws {
        #expect(Inventory.detectFormat(text: "all:\n  hosts:\n    dom0:\n") == .ansible)
        #expect(Inventory.detectFormat(text: "web:\n  hosts: {dom0: }\n") == .ansible)
        #expect(Inventory.detectFormat(text: "cluster: x\nnodes: {dom0: {}}\n") == .xgScale)
        // Forced to xg-scale's format, an Ansible inventory is refused with that reader's errors.
        let e = try #require(throws: ProfileError.self) { _ = try Self.load("basic", format: .xgScale) }
        #expect(e.errors.contains { $0.description.contains("inventory.yml:2:1: error: unknown key 'ungrouped' at the top level") })
        #expect(try Self.load("basic", format: .ansible).nodes.count == 6)
    }

    @Test func profileVarsResolveWithAnsiblePrecedence() throws {
        let inv = try Self.load("inherit")
        let v = try inv.variables(forNode: "host2").values
        #expect(v["node"] == "host2")
        #expect(v["escape_pods"] == "3")          // raleigh over atlanta (same depth, by name)
        #expect(v["halon_system_timeout"] == "30") // southeast (child) over usa (parent)
        #expect(v["country"] == "usa")
        let profile = """
            version: 1
            redundancy: stp
            uplinks: [peth0, peth1]
            bridge: {name: "br-${escape_pods}", stp: {forward-delay: 4, hello-time: 1, max-age: 6}}
            host: {addresses: ["192.0.2.${escape_pods}/24"]}
            """
        let p = try ProfileLoader.load(text: profile, file: "p.yaml", variables: inv.variables(forNode: "host1")).profile
        #expect(p.bridge.name == "br-4")
        #expect(p.host.addresses == ["192.0.2.4/24"])
    }

    @Test func aVarWithBlanksIsRefusedOnlyWhereAProfileUsesIt() throws {
        let inv = try Self.load("files")
        let larry = try #require(inv.nodes.first { $0.name == "larry" })
        #expect(larry.vars["ansible_ssh_common_args"] == nil)
        let why = try #require(larry.refused["ansible_ssh_common_args"])
        #expect(why.contains("files/inventory.yml:16:34") && why.contains("a space"))
        let profile = "version: 1\nredundancy: stp\nuplinks: [peth0, peth1]\nbridge:\n  name: br${ansible_ssh_common_args}\n"
        let e = try #require(throws: ProfileError.self) {
            _ = try ProfileLoader.load(text: profile, file: "p.yaml", variables: inv.variables(forNode: "larry"))
        }
        #expect(e.errors.contains {
            $0.location == SourceLocation(file: "p.yaml", line: 5, column: 11) && $0.message.contains("inventory.yml:16:34")
        }, "\(e)")
    }

    @Test func errorsNameFileLineAndColumn() throws {
        func errors(_ text: String, sidecar: String? = nil) -> [String] {
            do {
                _ = try Inventory.parse(text: text, file: "inv.yml", format: .ansible) { rel throws(ProfileError) -> String? in
                    rel == "group_vars/web.yml" ? sidecar : nil
                }
                return []
            } catch { return error.errors.map(\.description) }
        }
        #expect(errors("web:\n  hosts:\n    dom0:\n  hots: {}\n").first?.hasPrefix("inv.yml:4:3: error: unknown key 'hots' in web") == true)
        #expect(errors("web:\n  hosts:\n    dom[3:1]:\n").first?.hasPrefix("inv.yml:3:5: error: web.hosts: the host pattern") == true)
        #expect(errors("web:\n  hosts:\n    dom0:\n      node: x\n").first?.hasPrefix("inv.yml:4:7: error:") == true)
        #expect(errors("web:\n  hosts:\n    dom0:\n", sidecar: "a: [1\n").first?.hasPrefix("group_vars/web.yml:") == true)
        #expect(errors("a:\n  children:\n    b:\n      children:\n        a:\n").first?.contains("among its own children") == true)
        #expect(errors("all:\n  vars: {a: 1}\n").first?.contains("lists no host") == true)
    }

    @Test func hostRangesExpandAsAnsibleDoes() throws {
        #expect(try HostPattern.expand("www[01:03].x") == ["www01.x", "www02.x", "www03.x"])
        #expect(try HostPattern.expand("db-[a:c]") == ["db-a", "db-b", "db-c"])
        #expect(try HostPattern.expand("n[1:2]-[a:b]") == ["n1-a", "n2-a", "n1-b", "n2-b"])
        #expect(throws: HostPattern.Invalid.self) { try HostPattern.expand("n[01:100]") }
    }
}
