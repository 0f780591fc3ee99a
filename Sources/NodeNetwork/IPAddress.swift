// IPv4/IPv6 address checks for profiles (pure: inet_pton does no I/O).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum IPFamily: String, Sendable {
    case ipv4 = "IPv4", ipv6 = "IPv6"
}

public enum IPAddress {
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
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1, inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil {
            return String(cString: buffer)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1, inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil {
            return String(cString: buffer)
        }
        return nil
    }

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
