// Port conflicts between two resources on one host, for every pair of address kinds and in both
// orders (the wildcard first and second): a check that looks one way only, or that forgets that
// `::` (dual stack) also holds the IPv4 port, fails here.
import DRBD
import Testing

struct AddressPair: CustomStringConvertible, Sendable {
    /// DRBD `address` values (without the port) of host a in the two resources.
    var first: String
    var second: String
    var clash: Bool
    var description: String { "\(first) / \(second)" }

    static let all: [AddressPair] = [
        AddressPair(first: "0.0.0.0", second: "10.0.0.1", clash: true),
        AddressPair(first: "0.0.0.0", second: "0.0.0.0", clash: true),
        AddressPair(first: "ipv6 [::]", second: "10.0.0.1", clash: true),
        AddressPair(first: "ipv6 [::]", second: "0.0.0.0", clash: true),
        AddressPair(first: "ipv6 [::]", second: "ipv6 [fd00::1]", clash: true),
        AddressPair(first: "ipv6 [::]", second: "ipv6 [::]", clash: true),
        AddressPair(first: "10.0.0.1", second: "10.0.0.1", clash: true),
        AddressPair(first: "ipv6 [fd00::1]", second: "ipv6 [fd00::1]", clash: true),
        // Link-local addresses compare with their zone; `::` holds the port on every zone.
        AddressPair(first: "ipv6 [fe80::1%eth0]", second: "ipv6 [fe80::1%eth0]", clash: true),
        AddressPair(first: "ipv6 [::]", second: "ipv6 [fe80::1%eth0]", clash: true),
        AddressPair(first: "ipv6 [fe80::1%eth0]", second: "ipv6 [fe80::1%eth1]", clash: false),
        // An IPv4 wildcard does not hold an IPv6 address's port; distinct addresses do not clash.
        AddressPair(first: "0.0.0.0", second: "ipv6 [fd00::1]", clash: false),
        AddressPair(first: "10.0.0.1", second: "10.0.0.3", clash: false),
        AddressPair(first: "ipv6 [fd00::1]", second: "ipv6 [fd00::2]", clash: false),
        AddressPair(first: "10.0.0.1", second: "ipv6 [fd00::1]", clash: false),
    ]
}

/// Two resources on port 7788; host a uses `a1` then `a2`, host b a distinct address in each.
func twoResources(_ a1: String, _ a2: String) -> String {
    """
    resource r1 { device /dev/drbd1; disk /dev/vg/r1; meta-disk internal;
      on a { address \(a1):7788; } on b { address 10.0.1.2:7788; } }
    resource r2 { device /dev/drbd2; disk /dev/vg/r2; meta-disk internal;
      on a { address \(a2):7788; } on b { address 10.0.2.2:7788; } }

    """
}

@Suite struct PortClashTests {
    @Test(arguments: AddressPair.all)
    func aClashIsFoundInBothOrders(_ p: AddressPair) {
        for (a1, a2) in [(p.first, p.second), (p.second, p.first)] {
            let f = findings(twoResources(a1, a2))
            if p.clash {
                #expect(checks(f) == ["port-conflict"], "\(a1) then \(a2): \(f.map(\.message))")
                #expect(f.first?.resource == "r2" && f.first?.host == "a" && f.first?.line == 4,
                        "reported on the later resource's host a: \(f.map(\.message))")
                #expect(f.first?.severity == .error)
            } else {
                #expect(f.isEmpty, "\(a1) then \(a2) share no socket: \(f.map(\.message))")
            }
        }
    }

    /// The same address on two different hosts is not a conflict (each host binds its own).
    @Test func wildcardsOnDifferentHostsDoNotClash() {
        let text = """
            resource r1 { device /dev/drbd1; disk /dev/vg/r1; meta-disk internal;
              on a { address 0.0.0.0:7788; } on b { address 10.0.1.2:7788; } }
            resource r2 { device /dev/drbd2; disk /dev/vg/r2; meta-disk internal;
              on c { address ipv6 [::]:7788; } on d { address 10.0.2.2:7788; } }
            """
        #expect(findings(text).isEmpty)
    }
}
