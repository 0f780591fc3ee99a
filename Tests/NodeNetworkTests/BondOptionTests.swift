// Which bond options go to the kernel, in which requests, and what the planner does around them
// (the rules were found against Linux 6.1's bonding driver in the bonding VM).
import Testing
import NodeNetwork

@Suite struct BondOptionTests {
    let ab = BondSettings(mode: "active-backup", miimon: 100, updelay: 200, downdelay: 0, primary: "peth0",
                          primaryReselect: "always", arpInterval: 0, arpIPTarget: [], lacpRate: "slow",
                          xmitHashPolicy: "layer2", failOverMAC: "none", minLinks: 0)

    @Test func onlyDifferingOptionsAreSent() {
        // Unchanged lacp_rate must not be sent: the kernel refuses it on an up bond even unchanged.
        var ad = ab
        ad.mode = "802.3ad"; ad.lacpRate = "fast"
        var want = ad
        want.xmitHashPolicy = "layer3+4"
        #expect(want.requests(from: ad) == [[.xmitHashPolicy]])
        #expect(ad.requests(from: ad).isEmpty)
        let given = BondSettings(mode: "802.3ad", miimon: 100, lacpRate: "fast")
        #expect(given.requests(from: ad).isEmpty, "options not given are not compared")
    }

    @Test func modeChangeSendsTheModeWithTheNewModesOptions() {
        let want = BondSettings(mode: "802.3ad", miimon: 100, lacpRate: "fast", xmitHashPolicy: "layer3+4", minLinks: 1)
        #expect(want.requests(from: ab) == [[.mode, .lacpRate, .xmitHashPolicy, .minLinks]])
    }

    @Test func aDormantOptionIsRestoredBeforeTheModeThatRefusesIt() {
        // Back from 802.3ad (lacp fast) to the snapshot of an active-backup bond whose dormant
        // lacp_rate was slow: lacp_rate only while 802.3ad is still on, then the mode.
        var ad = ab
        ad.mode = "802.3ad"; ad.lacpRate = "fast"; ad.primary = nil; ad.updelay = 0; ad.xmitHashPolicy = "layer3+4"
        #expect(ab.requests(from: ad) == [[.lacpRate], [.mode, .primary, .updelay, .xmitHashPolicy]])
    }

    @Test func anOptionTheModeDoesNotUseDoesNotCount() {
        var dormant = ab
        dormant.lacpRate = "fast"
        #expect(Plan.bondMatches(ab, dormant))
        #expect(ab.requests(from: dormant).isEmpty)
        var other = ab
        other.primary = "peth1"
        #expect(!Plan.bondMatches(ab, other))
    }

    @Test func modeAcceptance() {
        #expect(BondOption.lacpRate.accepted(inMode: "802.3ad"))
        #expect(!BondOption.lacpRate.accepted(inMode: "active-backup"))
        #expect(!BondOption.primary.accepted(inMode: "802.3ad"))
        #expect(BondOption.primary.accepted(inMode: "balance-alb"))
        #expect(!BondOption.arpInterval.accepted(inMode: "balance-tlb"))
        #expect(BondOption.xmitHashPolicy.accepted(inMode: "active-backup"))
    }

    @Test func lacpRateChangeTakesTheBondDownButKeepsTheSlaves() throws {
        var ad = ab
        ad.mode = "802.3ad"; ad.lacpRate = "fast"
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, up: true, master: "bond0"),
            Interface(name: "bond0", kind: .bond, up: true, bond: ad),
        ])
        let desired = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "bond0"),
            Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "802.3ad", lacpRate: "slow")),
        ])
        #expect(try Plan.changes(from: current, to: desired).map(\.summary)
                == ["set bond0 down", "set bond bond0 mode 802.3ad lacp-rate slow", "set bond0 up"])
        // Other options change on the up bond.
        let desired2 = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "bond0"),
            Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "802.3ad", miimon: 200)),
        ])
        #expect(try Plan.changes(from: current, to: desired2).map(\.summary) == ["set bond bond0 mode 802.3ad miimon 200"])
    }

    @Test func aSlaveTheProfileDoesNotNameIsEnslavedAgainAfterAModeChange() throws {
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, up: true, master: "bond0"),
            Interface(name: "peth2", kind: .device, up: true, master: "bond0"),
            Interface(name: "bond0", kind: .bond, up: true, bond: ab),
        ])
        let desired = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "bond0"),
            Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "balance-xor")),
        ])
        #expect(try Plan.changes(from: current, to: desired).map(\.summary) == [
            "set peth0 nomaster", "set peth2 nomaster", "set bond0 down", "set bond bond0 mode balance-xor",
            "set peth0 down", "set peth0 master bond0", "set peth2 down", "set peth2 master bond0",
            "set peth0 up", "set bond0 up",
        ])
    }
}
