import Testing
@testable import NodeNetwork

/// The seed's STP layout: xenbr0 with STP, uplinks peth0/peth1, host pair veth0/vif0.0.
private func stpDesired(forwardDelay: Double = 4) -> NetworkState {
    NetworkState(interfaces: [
        Interface(name: "peth0", kind: .device, master: "xenbr0", mtu: 1500,
                  port: BridgePortSettings(priority: 32, cost: 100)),
        Interface(name: "peth1", kind: .device, master: "xenbr0", mtu: 1500),
        Interface(name: "xenbr0", kind: .bridge, mtu: 1500,
                  bridge: BridgeSettings(stp: true, priority: 32768, forwardDelay: forwardDelay,
                                         helloTime: 2, maxAge: 12)),
        Interface(name: "veth0", kind: .veth, mtu: 1500, addresses: ["192.0.2.10/24"], peer: "vif0.0"),
        Interface(name: "vif0.0", kind: .veth, master: "xenbr0", mtu: 1500, peer: "veth0"),
    ], routes: [Route(destination: "default", gateway: "192.0.2.1", device: "veth0")])
}

/// What the kernel reports once `desired` is in place (kernel-only fields filled in).
private func asKernelWouldReport(_ desired: NetworkState) -> NetworkState {
    var s = desired
    for i in s.interfaces.indices {
        s.interfaces[i].carrier = true
        s.interfaces[i].operstate = "up"
        if s.interfaces[i].master == "xenbr0" {
            var p = s.interfaces[i].port ?? BridgePortSettings()
            p.priority = p.priority ?? 32
            p.cost = p.cost ?? 2
            p.state = .forwarding
            s.interfaces[i].port = p
        }
        if s.interfaces[i].kind == .veth {
            s.interfaces[i].addresses = (s.interfaces[i].addresses ?? []) + ["fe80::1/64"]
        }
    }
    return s
}

private func bareUplinks() -> NetworkState {
    NetworkState(interfaces: [
        Interface(name: "peth0", kind: .device, up: false, mtu: 1500),
        Interface(name: "peth1", kind: .device, up: false, mtu: 1500),
    ])
}

@Suite struct PlanTests {
    @Test func fromNothingCreatesEnslavesConfiguresAndBringsUpInOrder() throws {
        let changes = try Plan.changes(from: bareUplinks(), to: stpDesired())
        let summaries = changes.map(\.summary)
        #expect(summaries.contains("create bridge xenbr0"))
        #expect(summaries.contains("create veth veth0 peer vif0.0"))
        #expect(!summaries.contains { $0.hasPrefix("create veth vif0.0") }, "a veth pair is created once")
        #expect(summaries.contains("set peth0 master xenbr0"))
        #expect(summaries.contains("set port peth0 priority 32 cost 100"))
        #expect(summaries.contains("add address 192.0.2.10/24 dev veth0"))
        #expect(summaries.last == "add route default via 192.0.2.1 dev veth0")
        // Ports come up before the bridge; the bridge is created before anything is enslaved.
        let idx = { (s: String) in summaries.firstIndex(of: s)! }
        #expect(idx("set peth0 up") < idx("set xenbr0 up"))
        #expect(idx("create bridge xenbr0") < idx("set peth0 master xenbr0"))
        #expect(idx("set peth0 master xenbr0") < idx("set port peth0 priority 32 cost 100"))
    }

    @Test func inSyncPlanIsEmpty() throws {
        let desired = stpDesired()
        #expect(try Plan.changes(from: asKernelWouldReport(desired), to: desired).isEmpty)
    }

    @Test func bridgeTimersReadBackOneTickOffAreInSync() throws {
        let desired = stpDesired()
        var current = asKernelWouldReport(desired)
        current.interfaces[2].bridge?.forwardDelay = 3.99
        current.interfaces[2].bridge?.maxAge = 12.01
        #expect(try Plan.changes(from: current, to: desired).isEmpty)
        current.interfaces[2].bridge?.forwardDelay = 3.9
        #expect(try Plan.changes(from: current, to: desired).map(\.action) == ["set-bridge"])
    }

    @Test func changingOneOptionChangesOnlyThatInterface() throws {
        let current = asKernelWouldReport(stpDesired(forwardDelay: 4))
        let changes = try Plan.changes(from: current, to: stpDesired(forwardDelay: 6))
        #expect(changes.count == 1)
        #expect(changes.first?.summary == "set bridge xenbr0 stp on priority 32768 forward-delay 6 hello-time 2 max-age 12")
    }

    @Test func missingUplinkIsAnErrorNamingIt() throws {
        let current = NetworkState(interfaces: [Interface(name: "peth0", kind: .device)])
        #expect(throws: PlanError.missingDevice("peth1")) {
            try Plan.changes(from: current, to: stpDesired())
        }
    }

    @Test func interfaceOfAnotherKindIsNotTouchedUnlessOwned() throws {
        var current = bareUplinks()
        current.interfaces.append(Interface(name: "xenbr0", kind: .bond, bond: BondSettings(mode: "balance-rr")))
        #expect(throws: PlanError.kindConflict(name: "xenbr0", existing: .bond, wanted: .bridge)) {
            try Plan.changes(from: current, to: stpDesired())
        }
        let changes = try Plan.changes(from: current, to: stpDesired(), owned: ["xenbr0"])
        #expect(changes.prefix(2).map(\.summary) == ["delete xenbr0", "create bridge xenbr0"])
    }

    @Test func ownedInterfacesNoLongerWantedAreDeletedOthersLeftAlone() throws {
        var current = asKernelWouldReport(stpDesired())
        current.interfaces.append(Interface(name: "oldbr", kind: .bridge, bridge: BridgeSettings(stp: false)))
        current.interfaces.append(Interface(name: "docker0", kind: .bridge, bridge: BridgeSettings(stp: false)))
        let changes = try Plan.changes(from: current, to: stpDesired(), owned: ["oldbr", "xenbr0"])
        #expect(changes.map(\.summary) == ["delete oldbr"])
    }

    @Test func bondModeChangeReleasesSlavesAndTakesTheBondDownFirst() throws {
        func bondState(_ mode: String) -> NetworkState {
            NetworkState(interfaces: [
                Interface(name: "peth0", kind: .device, master: "bond0"),
                Interface(name: "peth1", kind: .device, master: "bond0"),
                Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: mode, miimon: 100)),
            ])
        }
        let changes = try Plan.changes(from: bondState("balance-rr"), to: bondState("active-backup"))
        #expect(changes.map(\.summary) == [
            "set peth0 nomaster", "set peth1 nomaster", "set bond0 down",
            "set bond mode active-backup miimon 100",
            // A released slave may still be up: it goes down again before it is enslaved.
            "set peth0 down", "set peth0 master bond0", "set peth1 down", "set peth1 master bond0",
            "set peth0 up", "set peth1 up", "set bond0 up",
        ].map { $0.replacingOccurrences(of: "set bond mode", with: "set bond bond0 mode") })
    }

    @Test func bondSlavesGoDownBeforeEnslaving() throws {
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, up: true),
            Interface(name: "bond0", kind: .bond, up: true, bond: BondSettings(mode: "active-backup")),
        ])
        let desired = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "bond0"),
            Interface(name: "bond0", kind: .bond, bond: BondSettings(mode: "active-backup")),
        ])
        #expect(try Plan.changes(from: current, to: desired).map(\.summary)
                == ["set peth0 down", "set peth0 master bond0", "set peth0 up"])
    }

    @Test func arpTargetsAreASet() {
        let a = BondSettings(mode: "active-backup", arpIPTarget: ["192.0.2.1", "192.0.2.2"])
        let b = BondSettings(mode: "active-backup", arpIPTarget: ["192.0.2.2", "192.0.2.1"])
        #expect(Plan.bondMatches(a, b))
    }

    @Test func changesEncodeWithActionAndInterface() throws {
        let json = try JSONOutput.string([Change.setMTU(name: "peth0", mtu: 9000)])
        #expect(json.contains("\"action\" : \"set-mtu\""))
        #expect(json.contains("\"interface\" : \"peth0\""))
        #expect(json.contains("\"mtu\" : 9000"))
    }
}

@Suite struct PlanOrderingTests {
    @Test func uplinksOfAnyExistingKindAreAccepted() throws {
        // In a lab the uplinks are veths; the profile calls them devices and never changes them.
        let current = NetworkState(interfaces: [
            Interface(name: "peth0", kind: .veth, up: false, mtu: 1500, peer: "peth0p"),
            Interface(name: "peth1", kind: .veth, up: false, mtu: 1500, peer: "peth1p"),
        ])
        let changes = try Plan.changes(from: current, to: NetworkState(interfaces: [
            Interface(name: "peth0", kind: .device, master: "br0"),
            Interface(name: "peth1", kind: .device, master: "br0"),
            Interface(name: "br0", kind: .bridge, bridge: BridgeSettings(stp: true)),
        ]))
        #expect(!changes.contains { $0.action == "delete" })
        #expect(changes.first?.summary == "create bridge br0")
    }

    @Test func stpGoesOffBeforeTheDelayLeavesTheSTPRange() throws {
        let on = Interface(name: "br0", kind: .bridge,
                           bridge: BridgeSettings(stp: true, forwardDelay: 4, helloTime: 2, maxAge: 20))
        var off = on
        off.bridge = BridgeSettings(stp: false, forwardDelay: 0, helloTime: 2, maxAge: 20)
        let changes = try Plan.changes(from: NetworkState(interfaces: [on]), to: NetworkState(interfaces: [off]))
        #expect(changes.map(\.summary) == ["set bridge br0 stp off",
                                           "set bridge br0 stp off forward-delay 0 hello-time 2 max-age 20"])
        // Turning STP on: the kernel sets the delay before stp_state, one request is enough.
        let back = try Plan.changes(from: NetworkState(interfaces: [off]), to: NetworkState(interfaces: [on]))
        #expect(back.count == 1)
    }

    @Test func exactRoutesRemovesDefaultRoutesTheTargetDoesNotList() throws {
        let link = Interface(name: "br0", kind: .bridge, bridge: BridgeSettings(stp: false))
        let extra = Route(destination: "default", gateway: "192.0.2.1", device: "br0")
        let current = NetworkState(interfaces: [link], routes: [extra])
        let target = NetworkState(interfaces: [link])
        #expect(try Plan.changes(from: current, to: target).isEmpty)
        #expect(try Plan.changes(from: current, to: target, exactRoutes: true) == [.removeRoute(extra)])
    }
}
