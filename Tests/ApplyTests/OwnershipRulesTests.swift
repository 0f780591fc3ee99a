// Which recorded interfaces may be deleted, and state files of another namespace: pure, no root.
import Foundation
import Testing
import Apply
import NodeNetwork

@Suite struct OwnershipRulesTests {
    let current = NetworkState(interfaces: [
        Interface(name: "lo", kind: .other, up: true),
        Interface(name: "peth0", kind: .veth, up: true, peer: "peth0p"),
        Interface(name: "peth0p", kind: .veth, up: true, peer: "peth0"),
        Interface(name: "xenbr0", kind: .bridge, up: true),
        Interface(name: "veth0", kind: .veth, up: true, peer: "vif0.0"),
        Interface(name: "vif0.0", kind: .veth, up: true, peer: "veth0"),
        Interface(name: "vm1", kind: .veth, up: true, peer: "vm1-br"),
        Interface(name: "vm1-br", kind: .veth, up: true, peer: "vm1"),
        Interface(name: "advbr0", kind: .bridge, up: true),
    ])
    let desired = NetworkState(interfaces: [Interface(name: "peth0", kind: .device, up: true)])

    @Test func onlyWhatIsRecordedAndMarkedAndNotProtected() {
        let ours = "xg-scale:abc"
        let marks = ["lo": ours, "peth0p": ours, "xenbr0": ours, "veth0": ours, "vm1": ours, "vm1-br": ours,
                     "advbr0": "xg-scale:other"]
        let recorded: Set<String> = ["lo", "peth0", "peth0p", "xenbr0", "veth0", "vm1", "advbr0", "gone0"]
        let d = OwnershipRules.deletable(recorded, marks: marks, mark: ours, current: current, desired: desired)
        // lo and the uplink's peer are protected even when marked; veth0's peer carries no mark;
        // advbr0 carries another state's mark; gone0 does not exist (and has no mark).
        #expect(d == ["xenbr0", "vm1"])
    }

    @Test func protectedAreLoTheUplinksAndTheirPeers() {
        #expect(OwnershipRules.protected(current: current, desired: desired) == ["lo", "peth0", "peth0p"])
    }

    @Test func aStateOfAnotherNamespaceIsRefused() throws {
        let dir = NSTemporaryDirectory() + "xga-netns-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mine = StateStore(directory: dir, netns: 111, lockDirectory: dir)
        try mine.saveOwned(["br0"])
        #expect(try mine.owned() == ["br0"])
        let other = StateStore(directory: dir, netns: 222, lockDirectory: dir)
        #expect {
            _ = try other.owned()
        } throws: { error in
            "\(error)".contains("belongs to network namespace net:[111], and this process runs in net:[222]")
        }
        // The file is 0600.
        let mode = try FileManager.default.attributesOfItem(atPath: mine.ownedPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// owned.json is written without Foundation's encoder: its bytes stay the encoder's (pretty
    /// printed, sorted keys), also for names the encoder escapes, and it reads back as saved.
    @Test func ownedFileKeepsTheEncodersBytes() throws {
        let dir = NSTemporaryDirectory() + "xga-json-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = StateStore(directory: dir, netns: 4026531840, lockDirectory: dir)
        let cases: [[String]] = [["br0"], ["xenbr0", "vm1-br", "vm1", "vif0.0", "vif0.0", "a/b"], [],
                                 ["qu\"ote", "back\\slash", "tab\there", "\u{e9}t\u{e9}"]]
        for names in cases {
            try store.saveOwned(OwnedState(id: "5f3a9c0e", netns: nil, interfaces: names))
            let expected = OwnedState(id: "5f3a9c0e", netns: 4026531840, interfaces: Array(Set(names)).sorted())
            #expect(try String(contentsOfFile: store.ownedPath, encoding: .utf8) == JSONOutput.string(expected))
            #expect(try store.ownedState() == expected)
        }
    }
}
