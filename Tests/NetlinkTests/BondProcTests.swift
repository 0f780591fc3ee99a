import Testing
import Netlink

/// The churn states a 6.1 kernel prints only in /proc/net/bonding (text as the VM's kernel writes it).
@Suite struct BondProcTests {
    let text = """
        Ethernet Channel Bonding Driver: v6.1.0-56-amd64

        Bonding Mode: IEEE 802.3ad Dynamic link aggregation
        Active Aggregator Info:
        \tAggregator ID: 1
        \tPartner Mac Address: 02:00:00:00:00:bb

        Slave Interface: peth0
        MII Status: up
        Aggregator ID: 1
        Actor Churn State: monitoring
        Partner Churn State: churned
        Actor Churned Count: 0

        Slave Interface: peth1
        MII Status: up
        Aggregator ID: 2
        Actor Churn State: none
        Partner Churn State: none
        """

    @Test func churnStatesPerSlave() {
        let churn = BondProc.churnStates(text)
        #expect(churn.count == 2)
        #expect(churn["peth0"]?.actor == "monitoring" && churn["peth0"]?.partner == "churned")
        #expect(churn["peth1"]?.actor == "none" && churn["peth1"]?.partner == "none")
    }

    @Test func activeBackupHasNoChurn() {
        #expect(BondProc.churnStates("Slave Interface: eth0\nMII Status: up\n").isEmpty)
    }
}
