// The create of each kind as its unit builds it from the core's `Interface` (what the apply
// backend hands `LinkWriter.create`): the names the kernel makes, the operation's text, and a
// request that parses back as that kind with the settings given. Built, never sent.
import Testing
@testable import Netlink
import NodeNetwork

@Suite struct LinkCreateTests {
    @Test func aBridgeIsCreatedWithTheSTPSettingsGiven() throws {
        let i = Interface(name: "xenbr0", kind: .bridge, bridge: BridgeSettings(stp: true, forwardDelay: 2))
        let parts = BridgeLink.createParts(i)
        #expect(parts.names == ["xenbr0"] && parts.operation == "create bridge xenbr0")
        let m = try parts.request(partnerIndex: 0)
        let back = try #require(try LinkRecord(message: m.header)).interface(names: [:])
        #expect(back.kind == .bridge && back.name == "xenbr0")
        #expect(back.bridge?.stp == true && back.bridge?.forwardDelay == 2)
        // Up, master and MTU are steps of their own: a create from the plan carries none.
        #expect(!back.up && back.mtu == nil && back.master == nil)
    }

    @Test func aBondIsCreatedWithItsOptionsOrElseBalanceRR() throws {
        let given = Interface(name: "bond0", kind: .bond, up: false, bond: BondSettings(mode: "active-backup", miimon: 100))
        let parts = BondLink.createParts(given)
        #expect(parts.names == ["bond0"] && parts.operation == "create bond bond0")
        let m = try parts.request(partnerIndex: 0)
        let back = try #require(try LinkRecord(message: m.header)).interface(names: [:])
        #expect(back.kind == .bond && back.bond?.mode == "active-backup" && back.bond?.miimon == 100)
        let bare = BondLink.createParts(Interface(name: "bond1", kind: .bond))
        let bareMessage = try bare.request(partnerIndex: 0)
        let bareBack = try #require(try LinkRecord(message: bareMessage.header)).interface(names: [:])
        #expect(bareBack.bond?.mode == "balance-rr")
    }

    @Test func aVethIsCreatedWithItsPeerAtThePartnerIndex() throws {
        let parts = try VethLink.createParts(Interface(name: "veth0", kind: .veth, peer: "veth0p"))
        #expect(parts.names == ["veth0", "veth0p"] && parts.operation == "create veth veth0 peer veth0p")
        let peer = try #require(parts.settings(42))
        #expect(peer.name == "veth0p" && peer.index == 42 && peer.mtu == nil)
        let m = try parts.request(partnerIndex: 42)
        let record = try #require(try LinkRecord(message: m.header))
        #expect(record.infoKind == "veth" && record.name == "veth0")
    }

    @Test func aCreateNoUnitCanBuildSaysWhyAndSendsNothing() throws {
        #expect(throws: LinkCreateError("create veth v1 without a peer name")) {
            _ = try VethLink.createParts(Interface(name: "v1", kind: .veth))
        }
        #expect(LinkKinds.unit(of: .device) == nil && LinkKinds.unit(of: .other) == nil)
        let writer = try LinkWriter()
        for kind in [InterfaceKind.device, .other] {
            #expect(throws: LinkCreateError("cannot create peth0: a \(kind.rawValue) is not made by software")) {
                try writer.create(Interface(name: "peth0", kind: kind))
            }
        }
    }
}
