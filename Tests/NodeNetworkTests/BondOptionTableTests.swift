// The bond option table (BondOptionSpec.all) as the loader, renders and planner use it: per-mode
// refusals at the option's line with the fix, ranges and names of the 6.1 driver, the rules
// between options, JSON round trips, what each render carries or refuses, the planner's
// down-only decisions carried by the change.
import Foundation
import Testing
@testable import NodeNetwork

let bondOptionCases: [BadCase] = [
    BadCase(name: "packets-per-slave outside balance-rr", yaml: bondBase + "  mode: active-backup\n  packets-per-slave: 3\n",
            token: "3", message: "bond.packets-per-slave: the kernel refuses packets-per-slave in mode active-backup (it takes it in balance-rr)",
            fix: "remove packets-per-slave, or set 'mode: balance-rr'"),
    BadCase(name: "ad-actor-sys-prio outside 802.3ad", yaml: bondBase + "  mode: balance-xor\n  ad-actor-sys-prio: 10\n",
            token: "10", message: "the kernel refuses ad-actor-sys-prio in mode balance-xor (it takes it in 802.3ad)", fix: "set 'mode: 802.3ad'"),
    BadCase(name: "ad-user-port-key outside 802.3ad", yaml: bondBase + "  mode: active-backup\n  ad-user-port-key: 9\n",
            token: "9", message: "the kernel refuses ad-user-port-key in mode active-backup"),
    BadCase(name: "ad-actor-system outside 802.3ad", yaml: bondBase + "  mode: balance-rr\n  ad-actor-system: 02:00:00:00:00:01\n",
            token: "02:00", message: "the kernel refuses ad-actor-system in mode balance-rr"),
    BadCase(name: "tlb-dynamic-lb outside tlb/alb", yaml: bondBase + "  mode: 802.3ad\n  tlb-dynamic-lb: false\n",
            token: "false", message: "the kernel refuses tlb-dynamic-lb in mode 802.3ad (it takes it in balance-tlb, balance-alb)",
            fix: "set 'mode: balance-tlb'"),
    BadCase(name: "arp-validate in 802.3ad", yaml: bondBase + "  mode: 802.3ad\n  arp-validate: all\n",
            token: "all", message: "the kernel refuses arp-validate in mode 802.3ad (it takes it in balance-rr, active-backup, balance-xor, broadcast)"),
    BadCase(name: "arp-validate without arp-interval", yaml: bondBase + "  mode: active-backup\n  arp-validate: all\n",
            token: "all", message: "bond.arp-validate all validates ARP monitor probes, but arp-interval is not set",
            fix: "set 'arp-interval: 1000' and 'arp-ip-target: [GATEWAY]', or remove arp-validate"),
    BadCase(name: "peer-notify-delay with the ARP monitor",
            yaml: bondBase + "  mode: active-backup\n  miimon: 0\n  arp-interval: 100\n  arp-ip-target: [192.0.2.1]\n  peer-notify-delay: 200\n",
            token: "200", message: "bond.peer-notify-delay needs the MII monitor"),
    BadCase(name: "ad-user-port-key out of range", yaml: bondBase + "  mode: 802.3ad\n  ad-user-port-key: 1024\n",
            token: "1024", message: "bond.ad-user-port-key 1024 is out of range 0-1023"),
    BadCase(name: "ad-actor-sys-prio 0", yaml: bondBase + "  mode: 802.3ad\n  ad-actor-sys-prio: 0\n",
            token: "0", occurrence: 5, message: "bond.ad-actor-sys-prio 0 is out of range 1-65535"),
    BadCase(name: "num-grat-arp over 255", yaml: bondBase + "  mode: active-backup\n  num-grat-arp: 256\n",
            token: "256", message: "bond.num-grat-arp 256 is out of range 0-255"),
    BadCase(name: "lp-interval 0", yaml: bondBase + "  mode: balance-tlb\n  lp-interval: 0\n",
            token: "0", occurrence: 4, message: "bond.lp-interval 0 is out of range >= 1 s"),
    BadCase(name: "arp-validate misspelt", yaml: bondBase + "  mode: active-backup\n  arp-validate: filtre\n",
            token: "filtre", message: "bond.arp-validate: unknown value 'filtre'", fix: "did you mean 'filter'?"),
    BadCase(name: "use-carrier not a boolean", yaml: bondBase + "  mode: active-backup\n  use-carrier: maybe\n",
            token: "maybe", message: "bond.use-carrier must be true or false"),
    BadCase(name: "multicast ad-actor-system", yaml: bondBase + "  mode: 802.3ad\n  ad-actor-system: 01:00:5e:00:00:01\n",
            token: "01:00", message: "the kernel refuses 01:00:5e:00:00:01 (zero or multicast)"),
    BadCase(name: "ad-actor-system not a MAC", yaml: bondBase + "  mode: 802.3ad\n  ad-actor-system: 02:00:00:00:01\n",
            token: "02:00", message: "is not a MAC address"),
    BadCase(name: "multicast NS target", yaml: bondBase + "  mode: active-backup\n  ns-ip6-target: [\"ff02::1\"]\n",
            token: "\"ff02", message: "bond.ns-ip6-target[0]: the kernel refuses ff02::1 as an NS target"),
    BadCase(name: "IPv4 NS target", yaml: bondBase + "  mode: active-backup\n  ns-ip6-target: [192.0.2.1]\n",
            token: "192.0.2.1", message: "bond.ns-ip6-target[0]: '192.0.2.1' is not an IPv6 address"),
    BadCase(name: "num-grat-arp and num-unsol-na disagree", yaml: bondBase + "  mode: active-backup\n  num-grat-arp: 2\n  num-unsol-na: 3\n",
            token: "3", message: "bond.num-unsol-na 3 contradicts 2 at line 9", fix: "keep one of num-grat-arp and num-unsol-na"),
    BadCase(name: "value the renders cannot carry", yaml: bondBase + "  mode: 802.3ad\n  ad-select: \"stable#x\"\n",
            token: "\"stable", message: "bond.ad-select: the value 'stable#x' cannot be used"),
]

@Suite struct BondOptionTableTests {
    @Test(arguments: bondOptionCases)
    func everyBondOptionErrorNamesItsPlace(_ c: BadCase) throws {
        try ValidationTests().everyErrorNamesItsPlace(c)
    }

    @Test func everyOptionHasOneRowWithADistinctKeyAndAttribute() {
        #expect(BondOptionSpec.all.map(\.option) == BondOption.allCases)
        #expect(Set(BondOptionSpec.all.map(\.key)).count == BondOption.allCases.count)
        #expect(Set(BondOptionSpec.all.map(\.attribute)).count == BondOption.allCases.count)
        // The loader takes every key of the table (and the alias num-unsol-na).
        for spec in BondOptionSpec.all { #expect(ProfileLoader.bondKeys.contains(spec.key), "\(spec.key)") }
        #expect(ProfileLoader.bondKeys.contains("num-unsol-na"))
    }

    static let everyOption = BondSettings(mode: "active-backup", miimon: 0, updelay: 0, downdelay: 0, primary: "peth0",
        primaryReselect: "better", arpInterval: 1000, arpIPTarget: ["192.0.2.1"], lacpRate: "fast", xmitHashPolicy: "layer2+3",
        failOverMAC: "active", minLinks: 1, options: [
            .useCarrier: .flag(false), .arpValidate: .name("filter_active"), .arpAllTargets: .name("all"),
            .nsIP6Target: .list(["2001:db8::1"]), .adSelect: .name("count"), .adActorSysPrio: .int(7),
            .adActorSystem: .name("02:00:00:00:00:01"), .adUserPortKey: .int(3), .lpInterval: .int(2),
            .numPeerNotif: .int(4), .peerNotifyDelay: .int(0), .packetsPerSlave: .int(5), .tlbDynamicLB: .flag(false),
            .allSlavesActive: .flag(true), .resendIGMP: .int(0)])

    @Test func settingsRoundTripThroughJSONWithTheTableKeys() throws {
        let s = Self.everyOption
        #expect(s.options.count == BondOption.allCases.count - 1)
        let data = try JSONEncoder().encode(s)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == Set(BondOptionSpec.all.map(\.key)))
        #expect(object["use-carrier"] as? Bool == false)
        #expect(object["ns-ip6-target"] as? [String] == ["2001:db8::1"])
        #expect(try JSONDecoder().decode(BondSettings.self, from: data) == s)
    }

    @Test func profileKeysBecomeTheDesiredBondSettings() throws {
        let yaml = bondBase + """
              mode: active-backup
              miimon: 0
              arp-interval: 1000
              arp-ip-target: [192.0.2.1]
              ns-ip6-target: ["2001:DB8:0::1"]
              arp-validate: all
              arp-all-targets: all
              num-unsol-na: 3
              use-carrier: off
            """
        let b = try #require(try ProfileLoader.load(text: yaml + "\n", file: "p.yaml").profile.desiredState()["bond0"]?.bond)
        #expect(b[.arpValidate] == .name("all"))
        #expect(b[.arpAllTargets] == .name("all"))
        #expect(b[.nsIP6Target] == .list(["2001:db8::1"]), "canonical, as the kernel reports it")
        #expect(b[.numPeerNotif] == .int(3))
        #expect(b[.useCarrier] == .flag(false))
    }

    @Test func theShippedARPProfileValidatesAndCarriesItsOptions() throws {
        let b = try #require(try loadExample("bond-arp-two-switches.yaml").profile.desiredState()["bond0"]?.bond)
        #expect(b.mode == "active-backup" && b.arpInterval == 1000 && b.miimon == 0)
        #expect(b[.arpValidate] == .name("all") && b[.arpAllTargets] == .name("any"))
        #expect(b.arpIPTarget == ["192.0.2.1"])
    }
}

@Suite struct BondRenderTests {
    func state(_ s: BondSettings) -> NetworkState {
        NetworkState(interfaces: [Interface(name: "bond0", kind: .bond, bond: s)])
    }

    @Test func interfacesRefusesWhatIfupdown2DoesNotApplyAndCarriesTheRest() throws {
        var s = BondSettings(mode: "802.3ad", miimon: 100, lacpRate: "fast", options: [.useCarrier: .flag(false), .numPeerNotif: .int(3)])
        #expect(Renderer.refusals(state(s), format: .interfaces).isEmpty)
        let text = Renderer.joined(try Renderer.render(state(s), format: .interfaces, source: "t"))
        #expect(text.contains("    bond-use-carrier no\n") && text.contains("    bond-num-grat-arp 3\n") && text.contains("    bond-lacp-rate fast\n"))
        s[.adSelect] = .name("bandwidth")
        s.xmitHashPolicy = "vlan+srcmac"
        let refused = Renderer.refusals(state(s), format: .interfaces)
        #expect(refused.map(\.option) == [.xmitHashPolicy, .adSelect])
        #expect(refused.allSatisfy { $0.fix.contains("--format networkd or --format ip") })
        #expect(throws: RenderRefusal.self) { try Renderer.render(state(s), format: .interfaces, source: "t") }
    }

    @Test func aValueANewBondHasAnywayIsLeftOutNotRefused() throws {
        let s = BondSettings(mode: "active-backup", miimon: 100, failOverMAC: "none", options: [.arpValidate: .name("none")])
        #expect(Renderer.refusals(state(s), format: .interfaces).isEmpty)
        let text = Renderer.joined(try Renderer.render(state(s), format: .interfaces, source: "t"))
        #expect(!text.contains("fail-over-mac") && !text.contains("arp"))
    }

    @Test func networkdRefusesWhatSystemd252HasNoKeyFor() throws {
        for (option, value) in [(BondOption.useCarrier, BondValue.flag(false)), (.nsIP6Target, .list(["2001:db8::1"])),
                                (.peerNotifyDelay, .int(200)), (.arpValidate, .name("filter"))] {
            let s = BondSettings(mode: "active-backup", options: [option: value])
            #expect(Renderer.refusals(state(s), format: .networkd).map(\.option) == [option], "\(option)")
            #expect(Renderer.refusals(state(s), format: .ip).isEmpty)
        }
        let s = BondSettings(mode: "balance-tlb", miimon: 100, options: [.lpInterval: .int(5), .tlbDynamicLB: .flag(false), .numPeerNotif: .int(2)])
        let text = Renderer.joined(try Renderer.render(state(s), format: .networkd, source: "t"))
        #expect(text.contains("LearnPacketIntervalSec=5s\n") && text.contains("DynamicTransmitLoadBalancing=no\n") && text.contains("GratuitousARP=2\n"))
    }

    @Test func ipCarriesEveryOptionWithIpsKeywords() throws {
        let line = Renderer.ipBondOptions(BondOptionTableTests.everyOption)
        for spec in BondOptionSpec.all where spec.option != .mode { #expect(line.contains(" \(spec.ip) "), "\(spec.ip)") }
        #expect(line.contains(" peer_notify_delay 0") && line.contains(" use_carrier 0") && line.contains(" ns_ip6_target 2001:db8::1"))
    }
}

@Suite struct BondPlanDecisionTests {
    func bond(_ s: BondSettings, up: Bool = true) -> Interface {
        Interface(name: "bond0", kind: .bond, up: up, bond: s)
    }

    @Test func aDownOnlyOptionOnAnUpBondIsSetDownThenUpAndTheChangeCarriesTheRequest() throws {
        let cur = BondSettings(mode: "802.3ad", miimon: 100, options: [.adSelect: .name("stable"), .adActorSysPrio: .int(65535)])
        let want = BondSettings(mode: "802.3ad", miimon: 100, options: [.adSelect: .name("bandwidth"), .adActorSysPrio: .int(100)])
        let changes = try Plan.changes(from: NetworkState(interfaces: [bond(cur)]), to: NetworkState(interfaces: [bond(want)]))
        #expect(changes.map(\.summary) == ["set bond0 down", "set bond bond0 mode 802.3ad miimon 100 ad-select bandwidth ad-actor-sys-prio 100", "set bond0 up"])
        guard case .setBond(_, _, let sending) = changes[1] else { Issue.record("no set-bond"); return }
        #expect(sending == [[.adSelect, .adActorSysPrio]])
    }

    @Test func delaysAreNotSentToABondWithoutMiimon() {
        // The kernel refuses updelay/downdelay/peer_notif_delay while miimon is 0 (EPERM) and
        // reads them back as 0: a rollback to an ARP-monitored bond must not send them.
        let rr = BondSettings(mode: "balance-rr", miimon: 100, updelay: 200, options: [.peerNotifyDelay: .int(200)])
        let arp = BondSettings(mode: "active-backup", miimon: 0, updelay: 0, arpInterval: 1000, options: [.peerNotifyDelay: .int(0)])
        #expect(arp.requests(from: rr) == [[.mode, .miimon, .arpInterval]])
        #expect(rr.requests(from: arp) == [[.mode, .miimon, .updelay, .peerNotifyDelay]])
    }

    @Test func anOptionTheNewModeRefusesIsNotSentAndAMatchingBondPlansNothing() throws {
        let cur = BondSettings(mode: "balance-tlb", miimon: 100, options: [.tlbDynamicLB: .flag(false)])
        #expect(try Plan.changes(from: NetworkState(interfaces: [bond(cur)]), to: NetworkState(interfaces: [bond(cur)])).isEmpty)
        let want = BondSettings(mode: "balance-rr", miimon: 100, options: [.packetsPerSlave: .int(3)])
        #expect(want.requests(from: cur) == [[.mode, .packetsPerSlave]])
    }

    @Test func aDormantOptionGoesBeforeTheModeThatRefusesItAndIsNeverSentInThatMode() {
        // 802.3ad -> active-backup keeping lacp_rate fast dormant (as a rollback restores it): the
        // lacp_rate request goes first, while 802.3ad still takes it, then the mode.
        let ad = BondSettings(mode: "802.3ad", miimon: 100, lacpRate: "slow")
        let ab = BondSettings(mode: "active-backup", miimon: 100, lacpRate: "fast")
        #expect(ab.requests(from: ad) == [[.lacpRate], [.mode]])
        // Without a mode change, an option the mode refuses is not sent at all.
        let abSlow = BondSettings(mode: "active-backup", miimon: 100, lacpRate: "slow")
        #expect(ab.requests(from: abSlow).isEmpty)
    }
}
