// The kind units (Ifaces/*.swift) through the protocol the writer and reader dispatch on: a
// request built for each kind parses back as that kind, with its data. Built, never sent.
import Testing
@testable import Netlink
import NodeNetwork

@Suite struct LinkKindTests {
    @Test func everyKindHasOneUnitAndTheKernelNameMapsToTheCoreKind() {
        let kernelNames = LinkKinds.all.map { $0.infoKind }
        #expect(Set(kernelNames) == ["bridge", "bond", "veth"])
        #expect(Set(LinkKinds.all.map { $0.interfaceKind }) == [.bridge, .bond, .veth])
        for unit in LinkKinds.all {
            #expect(DeviceLink.kind(infoKind: unit.infoKind, arpType: 1) == unit.interfaceKind)
        }
        // No unit: an Ethernet link without a kind is a device; a kind without a unit is "other".
        #expect(DeviceLink.kind(infoKind: nil, arpType: 1) == .device)
        #expect(DeviceLink.kind(infoKind: "vlan", arpType: 1) == .other)
        #expect(DeviceLink.kind(infoKind: nil, arpType: 772) == .other)
    }

    @Test func bridgeRequestParsesBackAsABridgeWithItsSTPSettings() throws {
        let settings = BridgeSettings(stp: true, priority: 8192, forwardDelay: 4)
        let m = try LinkRequest.create(BridgeLink.self, name: "xenbr0", settings: settings, operation: "t")
        let record = try #require(try LinkRecord(message: m.header))
        let interface = record.interface(names: [:])
        #expect(interface.kind == .bridge && interface.name == "xenbr0")
        #expect(interface.bridge?.stp == true && interface.bridge?.priority == 8192)
        #expect(interface.bridge?.forwardDelay == 4)
        #expect(interface.bond == nil && interface.peer == nil)
    }

    @Test func bridgeRequestWithoutSettingsCarriesNoData() throws {
        let m = try LinkRequest.create(BridgeLink.self, name: "br1", settings: nil, operation: "t")
        let record = try #require(try LinkRecord(message: m.header))
        #expect(record.infoKind == "bridge")
        #expect(record.bridge == nil)
    }

    @Test func bondRequestParsesBackAsABondWithItsOptions() throws {
        let settings = BondSettings(mode: "802.3ad", miimon: 100, lacpRate: "fast")
        let m = try LinkRequest.create(BondLink.self, name: "bond0", settings: settings, operation: "t")
        let interface = try #require(try LinkRecord(message: m.header)).interface(names: [:])
        #expect(interface.kind == .bond)
        #expect(interface.bond?.mode == "802.3ad")
        #expect(interface.bond?.miimon == 100 && interface.bond?.lacpRate == "fast")
        #expect(interface.bridge == nil)
    }

    @Test func vethRequestCarriesTheCommonAttributesBeforeTheKindData() throws {
        let m = try LinkRequest.create(VethLink.self, name: "veth0",
                                       settings: VethLink.Peer(name: "vif0.0", index: 0, mtu: 9000),
                                       operation: "t", attributes: DeviceLink.Common(mtu: 1400, masterIndex: 3))
        let record = try #require(try LinkRecord(message: m.header))
        #expect(record.infoKind == "veth")
        #expect(record.mtu == 1400 && record.masterIndex == 3)
        let interface = record.interface(names: [3: "xenbr0"])
        #expect(interface.kind == .veth && interface.master == "xenbr0")
        #expect(interface.bridge == nil && interface.bond == nil)
    }
}
