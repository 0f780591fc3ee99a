// The Netlink layer called directly. The test process lives in the root network namespace, so
// these tests only READ there (harmless) or build and parse messages without sending them.
import Foundation
import Testing
@testable import Netlink
import NodeNetwork
import TestSupport

@Suite struct ReadTests {
    /// The root namespace's links as `ip -j link` sees them: same names, indexes, MTU, MAC.
    @Test func currentStateMatchesIproute() throws {
        guard try prerequisites(root: false, programs: ["ip"]) else { return }
        let reader = try LinkReader()
        let state = try reader.currentState()
        let ip = try runChecked(["ip", "-j", "link", "show"])
        let links = try #require(try JSONSerialization.jsonObject(with: Data(ip.stdout.utf8)) as? [[String: Any]])
        #expect(state.interfaces.map(\.name) == links.compactMap { $0["ifname"] as? String })
        for link in links {
            let mine = try #require(state[link["ifname"] as? String ?? ""])
            #expect(mine.index == link["ifindex"] as? Int)
            #expect(mine.mtu == link["mtu"] as? Int)
            #expect(mine.mac == link["address"] as? String)
            #expect(mine.up == ((link["flags"] as? [String])?.contains("UP") ?? false))
        }
        let lo = try #require(state["lo"])
        #expect(lo.kernelKind == "loopback")
        #expect(lo.addresses?.contains("127.0.0.1/8") == true)
        // Reading is three dumps (links, addresses, routes) and asks the kernel to change nothing.
        #expect(reader.socket.counts.get == 3)
        #expect(reader.socket.counts.changes == 0)
        #expect(RequestCounter.total.get >= 3)
    }

    @Test func defaultRoutesMatchIproute() throws {
        guard try prerequisites(root: false, programs: ["ip"]) else { return }
        let state = try LinkReader().currentState()
        var expected: [Route] = []
        for family in ["-4", "-6"] {
            let r = try runChecked(["ip", "-j", family, "route", "show", "default"])
            let routes = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
            for route in routes {
                guard let gateway = route["gateway"] as? String else { continue }
                expected.append(Route(destination: "default", gateway: gateway, device: route["dev"] as? String))
            }
        }
        #expect(state.routes == expected)
    }
}

@Suite struct RequestCounterTests {
    @Test func messageTypesAreCountedByVerb() {
        var counts = RequestCounts()
        // RTM_NEWLINK 16, DELLINK 17, GETLINK 18, SETLINK 19, NEWADDR 20, DELADDR 21,
        // GETADDR 22, NEWROUTE 24, DELROUTE 25, GETROUTE 26.
        for type: UInt16 in [16, 17, 18, 19, 20, 21, 22, 24, 25, 26] { counts.count(messageType: type) }
        #expect(counts.new == 3)
        #expect(counts.del == 3)
        #expect(counts.get == 3)
        #expect(counts.set == 1)
        #expect(counts.changes == 7)
    }
}

@Suite struct MessageTests {
    /// Bond options are built into IFLA_INFO_DATA with the kernel's numbers and parsed back by
    /// the same code that reads kernel dumps. (The kernel's side is checked in the bonding VM.)
    @Test func bondOptionsRoundTripThroughAttributes() throws {
        let settings = BondSettings(mode: "802.3ad", miimon: 100, updelay: 200, downdelay: 0,
                                    primaryReselect: "failure", arpInterval: 0,
                                    arpIPTarget: ["192.0.2.1", "198.51.100.7"], lacpRate: "fast",
                                    xmitHashPolicy: "layer3+4", failOverMAC: "follow", minLinks: 1)
        let message = try LinkRequest.create(name: "bond0", kind: "bond", operation: "create bond0") {
            (m) throws(NetlinkError) in
            try BondLink.put(settings, into: m, indexOf: { _ in nil })
        }
        let record = try #require(try LinkRecord(message: message.header))
        #expect(record.name == "bond0")
        #expect(record.infoKind == "bond")
        #expect(record.bond?.settings == settings)
    }

    @Test func everyBondModeNameMapsToItsKernelNumber() throws {
        let expected = ["balance-rr": 0, "active-backup": 1, "balance-xor": 2, "broadcast": 3,
                        "802.3ad": 4, "balance-tlb": 5, "balance-alb": 6]
        for (name, number) in expected {
            #expect(BondLink.number(name, in: BondLink.modes) == number)
            let m = try LinkRequest.create(name: "b", kind: "bond", operation: "t") { (m) throws(NetlinkError) in
                try BondLink.put(BondSettings(mode: name), into: m, indexOf: { _ in nil })
            }
            #expect(try LinkRecord(message: m.header)?.bond?.settings.mode == name)
        }
    }

    @Test func primaryAndActiveSlaveResolveThroughIndexes() throws {
        let m = try LinkRequest.create(name: "bond0", kind: "bond", operation: "create bond0") {
            (m) throws(NetlinkError) in
            try BondLink.put(BondSettings(mode: "active-backup", primary: "peth0", activeSlave: "peth1"),
                             into: m, indexOf: { ["peth0": 7, "peth1": 8][$0] })
        }
        let record = try #require(try LinkRecord(message: m.header))
        #expect(record.bond?.primaryIndex == 7)
        #expect(record.bond?.activeSlaveIndex == 8)
        let interface = record.interface(names: [7: "peth0", 8: "peth1"])
        #expect(interface.bond?.primary == "peth0")
        #expect(interface.bond?.activeSlave == "peth1")
    }

    @Test func bridgeOptionsRoundTripInCentiseconds() throws {
        let settings = BridgeSettings(stp: true, priority: 4096, forwardDelay: 2, helloTime: 1.5, maxAge: 6)
        let m = try LinkRequest.create(name: "xenbr0", kind: "bridge", operation: "create xenbr0") {
            (m) throws(NetlinkError) in try BridgeLink.put(settings, into: m)
        }
        let bridge = try #require(try LinkRecord(message: m.header)?.bridge)
        #expect(bridge.stp && bridge.priority == 4096)
        #expect(bridge.forwardDelay == 2 && bridge.helloTime == 1.5 && bridge.maxAge == 6)
    }

    @Test func unknownBondOptionValueNamesTheOptionAndTheChoices() throws {
        #expect {
            _ = try LinkRequest.create(name: "bond0", kind: "bond", operation: "create bond0") {
                (m) throws(NetlinkError) in
                try BondLink.put(BondSettings(mode: "active-backup", lacpRate: "medium"), into: m,
                                 indexOf: { _ in nil })
            }
        } throws: { error in
            (error as? NetlinkError)?.description
                == "netlink: create bond0: lacp-rate medium: unknown value (one of: slow, fast)"
        }
    }

    /// A message too short for the header it claims: libnl refuses, and the error names the
    /// operation and carries libnl's text for NLE_MSG_TOOSHORT (a libnl code, not an errno).
    @Test func truncatedMessageIsANetlinkErrorWithLibnlText() throws {
        let m = try LinkRequest.message(.get, operation: "dump links")
        #expect {
            _ = try Attributes(message: m.header, headerSize: 4096, maxType: 60, operation: "dump links")
        } throws: { error in
            guard let error = error as? NetlinkError else { return false }
            return error.code == 21 && error.operation == "dump links: parse message"
                && error.description.hasPrefix("netlink: dump links: parse message: ")
                && !error.message.isEmpty && error.message != String(cString: strerror(21))
        }
    }
}
