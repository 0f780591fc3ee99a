import Foundation
import Testing
import TestSupport
@testable import NodeNetwork

/// The shipped example profiles (profiles/*.yaml except the inventory), by file name.
func exampleProfiles() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: packageRoot().appendingPathComponent("profiles").path)
        .filter { $0.hasSuffix(".yaml") && $0 != "inventory.yaml" }.sorted()
}

/// Load an example profile for a node of profiles/inventory.yaml, as `render` does.
func loadExample(_ name: String, node: String = "dom0") throws -> LoadedProfile {
    let dir = packageRoot().appendingPathComponent("profiles")
    let inventory = try Inventory.parse(text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8),
                                        file: "inventory.yaml")
    return try ProfileLoader.load(text: String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8),
                                  file: name, variables: inventory.variables(forNode: node))
}

/// What `xg-scale render profiles/NAME --inventory profiles/inventory.yaml --node NODE --format F` prints.
func renderExample(_ name: String, format: RenderFormat, node: String = "dom0") throws -> String {
    let loaded = try loadExample(name, node: node)
    let files = try Renderer.render(loaded.profile.desiredState(), format: format,
                                    source: "\(name) (node \(node) of inventory.yaml)")
    return Renderer.joined(files)
}

/// What `render` prints on stderr when `format` cannot carry a bond option of the example
/// (nil when it renders): one diagnostic per option, at the key's line.
func refusedExample(_ name: String, format: RenderFormat, node: String = "dom0") throws -> String? {
    let loaded = try loadExample(name, node: node)
    let refusals = Renderer.refusals(loaded.profile.desiredState(), format: format)
    guard !refusals.isEmpty else { return nil }
    return refusals.map { r in
        var at = loaded.bondKeyLocations[r.option.spec.key] ?? SourceLocation(file: name, line: 1, column: 1)
        at.file = "profiles/" + name
        return Diagnostic(.error, at: at, r.message, fix: r.fix).description + "\n"
    }.joined()
}

let goldenDirectory = packageRoot().appendingPathComponent("Tests/NodeNetworkTests/Golden")

/// Golden file for a profile and format. Regenerate with `UPDATE_GOLDEN=1 swift test --filter GoldenTests`.
func goldenName(_ profile: String, _ format: RenderFormat) -> String {
    profile.replacingOccurrences(of: ".yaml", with: "") + "." + format.rawValue
}

@Suite struct GoldenTests {
    @Test func everyExampleProfileIsShipped() throws {
        #expect(try exampleProfiles() == ["bond-802.3ad.yaml", "bond-active-backup.yaml", "bond-arp-two-switches.yaml", "stp-bridge-address.yaml", "stp-guest-veths.yaml",
                                          "stp-two-switches.yaml"])
    }

    @Test(arguments: RenderFormat.allCases)
    func everyExampleRendersAsItsGolden(_ format: RenderFormat) throws {
        let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
        // CI compares, never writes: a golden rewritten there would hide every render change.
        try #require(!(update && isCI), "UPDATE_GOLDEN=1 is refused under CI=true: the goldens are only compared there")
        for profile in try exampleProfiles() {
            // A format refused for the profile has its refusal as golden (NAME.FORMAT.refused).
            let refused = try refusedExample(profile, format: format)
            let rendered = try refused ?? renderExample(profile, format: format)
            let url = goldenDirectory.appendingPathComponent(goldenName(profile, format) + (refused == nil ? "" : ".refused"))
            if update {
                try FileManager.default.createDirectory(at: goldenDirectory, withIntermediateDirectories: true)
                try rendered.write(to: url, atomically: true, encoding: .utf8)
                continue
            }
            let golden = try String(contentsOf: url, encoding: .utf8)
            #expect(rendered == golden, "\(profile) --format \(format) differs from \(url.path); if the change is intended, run UPDATE_GOLDEN=1 swift test --filter GoldenTests and review the diff")
        }
    }

    @Test func everyExampleValidatesForEveryNodeWithoutWarnings() throws {
        for profile in try exampleProfiles() {
            for node in ["dom0", "dom0m"] {
                let loaded = try loadExample(profile, node: node)
                #expect(loaded.warnings.isEmpty, "\(profile) for \(node): \(loaded.warnings)")
            }
        }
    }

    @Test(arguments: RenderFormat.allCases)
    func renderingIsDeterministic(_ format: RenderFormat) throws {
        for profile in try exampleProfiles() where try refusedExample(profile, format: format) == nil {
            let first = try renderExample(profile, format: format, node: "dom0m")
            for _ in 0..<5 { #expect(try renderExample(profile, format: format, node: "dom0m") == first) }
        }
    }

    @Test func nodesDifferOnlyInTheirVariables() throws {
        let a = try renderExample("stp-two-switches.yaml", format: .ip, node: "dom0")
        let b = try renderExample("stp-two-switches.yaml", format: .ip, node: "dom0m")
        let diff = zip(a.split(separator: "\n"), b.split(separator: "\n")).filter { $0 != $1 }
        #expect(diff.count == 3, "\(diff)") // header, IPv4 and IPv6 address lines
        #expect(b.contains("address add 192.0.2.11/24 dev veth0"))
        #expect(b.contains("address add 2001:db8::11/64 dev veth0"))
    }
}

@Suite struct DesiredStateTests {
    @Test func stpProfileEnslavesUplinksToTheBridgeAndTheVethPeer() throws {
        let state = try loadExample("stp-two-switches.yaml").profile.desiredState()
        #expect(state.interfaces.map(\.name) == ["peth0", "peth1", "xenbr0", "veth0", "vif0.0"])
        #expect(state["peth0"]?.kind == .device)
        #expect(state["peth0"]?.master == "xenbr0")
        #expect(state["peth0"]?.port == BridgePortSettings(priority: 32, cost: 100))
        #expect(state["vif0.0"]?.master == "xenbr0")
        #expect(state["vif0.0"]?.peer == "veth0")
        #expect(state["veth0"]?.addresses == ["192.0.2.10/24", "2001:db8::10/64"])
        #expect(state["xenbr0"]?.addresses == nil)
        #expect(state["xenbr0"]?.bridge == BridgeSettings(stp: true, priority: 32768, forwardDelay: 4, helloTime: 1, maxAge: 6))
        #expect(state.interfaces.allSatisfy { $0.mtu == 1500 && $0.up })
        #expect(state.routes == [Route(destination: "default", gateway: "192.0.2.1", device: "veth0")])
    }

    @Test func bondProfileMakesTheBondTheBridgePort() throws {
        let state = try loadExample("bond-802.3ad.yaml").profile.desiredState()
        #expect(state.interfaces.map(\.name) == ["peth0", "peth1", "bond0", "xenbr0"])
        #expect(state["peth1"]?.master == "bond0")
        #expect(state["peth1"]?.port == nil)
        #expect(state["bond0"]?.master == "xenbr0")
        #expect(state["bond0"]?.bond == BondSettings(mode: "802.3ad", miimon: 100, lacpRate: "fast", xmitHashPolicy: "layer3+4", minLinks: 1))
        #expect(state["xenbr0"]?.bridge == BridgeSettings(stp: false))
        #expect(state["xenbr0"]?.addresses == ["192.0.2.10/24"])
        #expect(state.routes.first?.device == "xenbr0")
        #expect(state["xenbr0"]?.mtu == 9000)
    }
}

@Suite struct ManPageTests {
    /// Every key the loader accepts is documented in man/xg-scale-profile.5.
    @Test func everyKeyIsDocumented() throws {
        let man = try String(contentsOf: packageRoot().appendingPathComponent("man/xg-scale-profile.5"), encoding: .utf8)
        let keys = ProfileLoader.topKeys + ProfileLoader.bridgeKeys + ProfileLoader.stpKeys + ProfileLoader.portKeys
            + ProfileLoader.bondKeys + ProfileLoader.hostKeys + ProfileLoader.vethKeys + Inventory.topKeys + Inventory.nodeKeys
        for key in Set(keys) {
            #expect(man.contains(".B \(key)\n") || man.contains("\\fB\(key)\\fR") || man.contains(".BR \(key) ") || man.contains("\" \(key)\n"),
                    "\(key) is not documented")
        }
    }
}
