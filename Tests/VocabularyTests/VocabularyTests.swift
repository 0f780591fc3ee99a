// The shared vocabulary: IP addresses (canonical comparison, zones, bytes), diagnostics in the
// house style and their order. Pure, any user.
import Glibc
import Testing
import Vocabulary

@Suite struct VocabularyTests {
    @Test func twoSpellingsOfOneAddressAreEqual() throws {
        let a = try #require(IPAddress("2001:0DB8:0:0::0001"))
        #expect(a == IPAddress("2001:db8::1"))
        #expect(a.text == "2001:db8::1" && a.family == .ipv6 && a.zone == nil)
        #expect(IPAddress("192.0.2.1") != IPAddress("192.0.2.10"))
        #expect(IPAddress("192.0.2.01") == nil, "inet_pton refuses a leading zero")
        #expect(IPAddress("192.0.2.1\u{0}junk") == nil)
        #expect(IPAddress("host.example") == nil)
    }

    @Test func zonesOnlyWhereAskedAndOnlyOnIPv6() throws {
        let z = try #require(IPAddress("FE80::1%eth0", zoned: true))
        #expect(z.text == "fe80::1" && z.zone == "eth0" && z.description == "fe80::1%eth0")
        #expect(z != IPAddress("fe80::1%eth1", zoned: true))
        #expect(IPAddress("fe80::1%eth0") == nil, "a bare address has no zone")
        #expect(IPAddress("10.0.0.1%eth0", zoned: true) == nil)
        #expect(IPAddress("fe80::1%", zoned: true) == nil)
        #expect(IPAddress.splitZone("fe80::1%2") == ("fe80::1", "2"))
    }

    @Test func bytesInNetworkOrderBothWays() throws {
        #expect(try #require(IPAddress("192.0.2.1")).bytes == [192, 0, 2, 1])
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
        #expect(try #require(IPAddress("2001:db8::1")).bytes == v6)
        #expect(IPAddress(family: AF_INET6, bytes: v6) == IPAddress("2001:db8::1"))
        #expect(IPAddress(family: AF_INET, bytes: [10, 0]) == nil)
        #expect(IPAddress.bytes(of: "192.0.2.1", ipv6: true) == nil)
        #expect(try #require(IPAddress("::")).isWildcard && !(try #require(IPAddress("::1")).isWildcard))
    }

    @Test func diagnosticsInTheHouseStyleSortedByPlace() {
        let here = SourceLocation(file: "p.yaml", line: 3, column: 7)
        let e = Diagnostic(.error, at: here, "bad value", fix: "write 2")
        #expect(e.description == "p.yaml:3:7: error: bad value (fix: write 2)")
        #expect(Diagnostic(.warning, at: here, "odd").description == "p.yaml:3:7: warning: odd")
        let early = Diagnostic(.warning, at: SourceLocation(file: "p.yaml", line: 1, column: 9), "first")
        #expect(Diagnostic.sorted([e, early, e]) == [early, e])
        #expect(Diagnostic.Severity.warning < .error)
    }
}
