// Every bond option of the table through the wire: put as IFLA_BOND_* by Ifaces/Bond.swift,
// parsed back by LinkRecord (as a dump is), with the kernel's widths and numbers.
import Foundation
import NodeNetwork
import Testing
@testable import Netlink

@Suite struct BondOptionWireTests {
    static let every = BondSettings(mode: "balance-tlb", miimon: 100, updelay: 200, downdelay: 100, primary: "peth0",
        primaryReselect: "failure", arpInterval: 0, arpIPTarget: ["192.0.2.1", "198.51.100.7"], lacpRate: "slow",
        xmitHashPolicy: "vlan+srcmac", failOverMAC: "follow", minLinks: 2, options: [
            .useCarrier: .flag(false), .arpValidate: .name("filter_backup"), .arpAllTargets: .name("all"),
            .nsIP6Target: .list(["2001:db8::1", "fe80::1"]), .adSelect: .name("count"), .adActorSysPrio: .int(65535),
            .adActorSystem: .name("02:ab:cd:00:00:01"), .adUserPortKey: .int(1023), .lpInterval: .int(2147483647),
            .numPeerNotif: .int(255), .peerNotifyDelay: .int(300), .packetsPerSlave: .int(65535), .tlbDynamicLB: .flag(false),
            .allSlavesActive: .flag(true), .resendIGMP: .int(0)])

    @Test func everyOptionRoundTripsThroughItsAttribute() throws {
        let m = try LinkRequest.create(name: "bond0", kind: "bond", operation: "create bond0") { (m) throws(NetlinkError) in
            try BondLink.put(Self.every, into: m, indexOf: { ["peth0": 7][$0] })
        }
        let raw = try #require(try LinkRecord(message: m.header)?.bond)
        #expect(raw.primaryIndex == 7)
        var want = Self.every
        want.primary = nil  // resolved from the index once the whole dump is read
        #expect(raw.settings == want)
        for spec in BondOptionSpec.all where spec.option != .primary {
            #expect(raw.settings[spec.option] == want[spec.option], "\(spec.key)")
        }
    }

    @Test func aValueOutsideTheTableIsRefusedBeforeTheKernel() throws {
        for (option, value) in [(BondOption.adUserPortKey, BondValue.int(1024)), (.arpValidate, .name("sometimes")),
                                (.adActorSystem, .name("02:00")), (.nsIP6Target, .list(["not-an-address"]))] {
            let s = BondSettings(mode: "802.3ad", options: [option: value])
            #expect(throws: NetlinkError.self, "\(option)") {
                _ = try LinkRequest.create(name: "b", kind: "bond", operation: "t") { (m) throws(NetlinkError) in
                    try BondLink.put(s, into: m, indexOf: { _ in nil })
                }
            }
        }
    }
}
