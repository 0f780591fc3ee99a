import Foundation
import Testing
@testable import NodeNetwork

@Suite struct BondRuntimeSummaryTests {
    func lacpState(partner: String) -> NetworkState {
        var bond = Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "802.3ad"))
        bond.bondState = BondRuntime(ad: BondADInfo(aggregatorID: 2, numPorts: 1, actorKey: 15,
                                                    partnerKey: 207, partnerMAC: partner))
        var slave = BondSlaveSettings(state: "active", miiStatus: "up")
        slave.lacp = BondSlaveLACP(aggregatorID: 2, actorOperPortState: 61, partnerOperPortState: 7,
                                   actorChurnState: "none", partnerChurnState: "churned")
        slave.permHWAddr = "02:00:00:00:00:01"
        return NetworkState(interfaces: [bond, Interface(name: "peth0", kind: .device, master: "bond0", slave: slave)])
    }

    @Test func lacpBondShowsAggregatorPartnerAndSlavePortStates() {
        let lines = lacpState(partner: "02:00:00:00:00:aa").summaryText().split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("802.3ad  aggregator 2 ports 1 actor-key 15 partner 02:00:00:00:00:aa key 207"))
        #expect(lines[1].hasSuffix("mii up  aggregator 2  actor activity,aggregation,sync,collecting,distributing"
                                   + "  partner activity,short-timeout,aggregation  churn none/churned"))
        #expect(lacpState(partner: "00:00:00:00:00:00").summaryText().contains("ports 1 actor-key 15 no-partner"))
    }

    @Test func arpBondSaysTheArpMonitorJudgesItsSlaves() {
        var bond = Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "active-backup", arpInterval: 100,
                                                                            arpIPTarget: ["10.0.0.1"]))
        bond.bondState = BondRuntime(arp: BondARPMonitor(interval: 100, targets: ["10.0.0.1"], validate: "all",
                                                         allTargets: "any", missedMax: 2))
        let s = NetworkState(interfaces: [bond, Interface(name: "peth0", kind: .device, master: "bond0",
                                                          slave: BondSlaveSettings(miiStatus: "down"))])
        let text = s.summaryText()
        #expect(text.contains("arp 100 10.0.0.1  arp-validate all all-targets any missed-max 2"))
        #expect(text.contains("peth0         device  up  arp-link down"))
        #expect(!text.contains("mii down"))
    }

    @Test func jsonKeysAreTheDocumentedOnes() throws {
        let json = try lacpState(partner: "02:00:00:00:00:aa").jsonString()
        for key in ["\"bond-state\"", "\"ad\"", "\"aggregator-id\" : 2", "\"num-ports\" : 1", "\"actor-key\" : 15",
                    "\"partner-key\" : 207", "\"partner-mac\" : \"02:00:00:00:00:aa\"", "\"lacp\"",
                    "\"actor-oper-port-state\" : 61", "\"partner-oper-port-state\" : 7",
                    "\"actor-churn-state\" : \"none\"", "\"partner-churn-state\" : \"churned\"",
                    "\"perm-hwaddr\" : \"02:00:00:00:00:01\""] {
            #expect(json.contains(key), "\(key) missing in \(json)")
        }
        let back = try JSONDecoder().decode(NetworkState.self, from: Data(json.utf8))
        #expect(back == lacpState(partner: "02:00:00:00:00:aa"))
    }
}
