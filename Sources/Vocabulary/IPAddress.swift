// IPv4/IPv6 addresses: parsing, the canonical text (inet_ntop's), families, CIDRs and IPv6 zones.
// Pure: inet_pton/inet_ntop do no I/O. Resolving a zone's interface index (if_nametoindex) is
// the engines' business.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum IPFamily: String, Sendable, Hashable, Codable {
    case ipv4 = "IPv4", ipv6 = "IPv6"
}

/// An IP address in canonical form, with its IPv6 zone when it has one (`fe80::1%eth0`).
/// Two spellings of one address ("2001:0DB8::1", "2001:db8::1") compare equal.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let family: IPFamily
    /// inet_ntop's text of the address, without the zone.
    public let text: String
    /// The IPv6 zone (interface name or number) after `%`; nil when none was written.
    public let zone: String?

    /// Parse a bare address, or, when `zoned`, an IPv6 address with an optional `%ZONE`.
    public init?(_ written: String, zoned: Bool = false) {
        let (address, zone) = zoned ? IPAddress.splitZone(written) : (written, nil)
        guard let family = IPAddress.family(of: address), let text = IPAddress.canonical(address) else {
            return nil
        }
        if let zone, family != .ipv6 || zone.isEmpty { return nil }
        self.family = family; self.text = text; self.zone = zone
    }

    /// An address as the kernel hands it over (AF_INET: 4 bytes, AF_INET6: 16), nil otherwise.
    public init?(family: Int32, bytes: [UInt8]) {
        guard let text = IPAddress.text(family: family, bytes: bytes) else { return nil }
        self.family = family == AF_INET ? .ipv4 : .ipv6; self.text = text; self.zone = nil
    }

    /// The address in network byte order: 4 bytes (IPv4) or 16 (IPv6).
    public var bytes: [UInt8] { IPAddress.bytes(of: text, ipv6: family == .ipv6)! }

    /// The canonical text, with `%ZONE` when there is one.
    public var description: String { zone.map { "\(text)%\($0)" } ?? text }
    /// 0.0.0.0 or ::, the address that means "every address of this machine".
    public var isWildcard: Bool { text == "0.0.0.0" || text == "::" }
}

extension IPAddress {
    /// `fe80::1%eth0` → ("fe80::1", "eth0"); text without `%` → (text, nil).
    public static func splitZone(_ text: String) -> (address: String, zone: String?) {
        guard let pct = text.firstIndex(of: "%") else { return (text, nil) }
        return (String(text[..<pct]), String(text[text.index(after: pct)...]))
    }

    /// The family of a bare address ("192.0.2.1", "2001:db8::1"), or nil if it is not one.
    public static func family(of text: String) -> IPFamily? {
        // inet_pton stops at a NUL: "192.0.2.1\0..." must not pass as 192.0.2.1.
        if text.utf8.contains(0) { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return .ipv4 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return .ipv6 }
        return nil
    }

    /// The canonical text of a bare address (inet_ntop's: "2001:db8::1" for "2001:0DB8:0:0::1"),
    /// or nil if it is not one.
    public static func canonical(_ text: String) -> String? {
        if text.utf8.contains(0) { return nil }
        if isCanonicalIPv4(text) { return text }
        return canonical(text, family: AF_INET) ?? canonical(text, family: AF_INET6)
    }

    /// The canonical text of an address of the one family asked for, nil when it is not one.
    public static func canonical(_ text: String, ipv6: Bool) -> String? {
        if text.utf8.contains(0) { return nil }
        if !ipv6, isCanonicalIPv4(text) { return text }
        return canonical(text, family: ipv6 ? AF_INET6 : AF_INET)
    }

    /// inet_ntop's text of raw address bytes of `family` (AF_INET or AF_INET6).
    public static func text(family: Int32, bytes: [UInt8]) -> String? {
        let size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0
        guard size > 0, bytes.count >= size else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            buffer.withUnsafeMutableBufferPointer {
                inet_ntop(family, raw.baseAddress, $0.baseAddress, socklen_t($0.count)) != nil
            }
        }
        guard ok else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The network-order bytes of a bare address (of the one family asked for, or either);
    /// nil when it is not one.
    public static func bytes(of text: String, ipv6: Bool? = nil) -> [UInt8]? {
        if text.utf8.contains(0) { return nil }
        for (family, size) in [(AF_INET, 4), (AF_INET6, 16)] where ipv6 == nil || ipv6 == (family == AF_INET6) {
            var bytes = [UInt8](repeating: 0, count: 16)
            if inet_pton(family, text, &bytes) == 1 { return Array(bytes.prefix(size)) }
        }
        return nil
    }

    private static func canonical(_ text: String, family: Int32) -> String? {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &bytes) == 1 else { return nil }
        return self.text(family: family, bytes: bytes)
    }

    /// Dotted quad without leading zeros, each part 0...255: what inet_pton(AF_INET) accepts,
    /// and already in inet_ntop's form (so it needs no round trip through libc).
    static func isCanonicalIPv4(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            var parts = 0, value = 0, digits = 0
            for c in b {
                if c == UInt8(ascii: ".") {
                    guard digits > 0, parts < 3 else { return false }
                    parts += 1; value = 0; digits = 0
                } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    if digits > 0 && value == 0 { return false } // leading zero
                    value = value * 10 + Int(c - UInt8(ascii: "0")); digits += 1
                    guard value <= 255 else { return false }
                } else { return false }
            }
            return parts == 3 && digits > 0
        }
    }
}

extension IPAddress {
    /// "ADDRESS/PREFIX" in canonical form, so that two spellings of one address compare equal;
    /// nil when `text` is not a valid CIDR.
    public static func canonicalCIDR(_ text: String) -> String? {
        guard case .success = checkCIDR(text) else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let address = canonical(String(parts[0])) else { return nil }
        return "\(address)/\(parts[1])"
    }

    /// Check "ADDRESS/PREFIX"; returns the family or a description of what is wrong.
    public static func checkCIDR(_ text: String) -> Result<IPFamily, CIDRProblem> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let family = family(of: String(parts[0])) else { return .failure(.notAnAddress) }
        guard parts.count == 2 else { return .failure(parts.count == 1 ? .noPrefix(family) : .notAnAddress) }
        let max = family == .ipv4 ? 32 : 128
        guard let prefix = Int(parts[1]), String(prefix) == parts[1], (0...max).contains(prefix) else {
            return .failure(.badPrefix(family, max))
        }
        return .success(family)
    }

    public enum CIDRProblem: Error, Equatable {
        case notAnAddress
        case noPrefix(IPFamily)
        case badPrefix(IPFamily, Int)
    }
}
