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
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return .ipv4 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return .ipv6 }
        return nil
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
