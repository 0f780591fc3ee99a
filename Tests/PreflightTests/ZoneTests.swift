// A zoned IPv6 endpoint (fe80::1%lo, as drbd.conf may write a link-local address) becomes a
// sockaddr_in6 whose scope id is the interface's index, as the kernel needs for bind/connect.
import Glibc
@testable import Preflight
import Testing

@Suite struct PreflightPureZones {
    func scope(_ ip: String) -> UInt32? {
        guard let (ss, len) = Sock.address(ip, port: 7788, ipv6: true) else { return nil }
        #expect(len == socklen_t(MemoryLayout<sockaddr_in6>.size))
        return withUnsafeBytes(of: ss) { $0.load(as: sockaddr_in6.self).sin6_scope_id }
    }

    @Test func aZoneNamingAnInterfaceBecomesItsIndex() throws {
        let lo = if_nametoindex("lo")
        try #require(lo > 0, "this machine has no lo")
        #expect(scope("fe80::1%lo") == lo)
        #expect(scope("fe80::1%\(lo)") == lo)
        #expect(scope("fe80::1") == 0)
    }

    @Test func aZoneNamingNoInterfaceIsRefused() {
        #expect(Sock.address("fe80::1%xg-no-such0", port: 7788, ipv6: true) == nil)
        #expect(Sock.bind(-1, "fe80::1%xg-no-such0", port: 7788, ipv6: true) == EINVAL)
    }
}
