// What a connection attempt's outcome means, as a value: the errno → diagnosis mapping is pure
// so that it is tested without a network.
#if canImport(Glibc)
import Glibc
#endif

/// The answer for one directed pair.
public enum PairResult: String, Codable, Sendable, CaseIterable {
    case ok
    /// No answer within the timeout: a firewall drops the SYN (or the answer).
    case filtered
    /// An ICMP unreachable/prohibited answer: a firewall rejects with ICMP.
    case rejected
    /// A TCP reset although the target listened: a reject-with-tcp-reset rule.
    case refused
    /// The source has no route to the target's address.
    case noRoute = "no-route"
    /// The target could not listen: something else holds the port.
    case portInUse = "port-in-use"
    /// An address of the pair is on none of its node's interfaces.
    case addressNotLocal = "address-not-local"
    /// One node of the pair could not be reached at all.
    case nodeUnreachable = "node-unreachable"
    /// Connected, but large segments stall: a link on the path has a smaller MTU.
    case mtuBlackhole = "mtu-blackhole"
}

public enum Diagnosis {
    /// The result of a failed connect. `immediate`: connect(2) itself returned the error (the
    /// kernel decided locally) rather than SO_ERROR after the attempt went out on the wire.
    public static func forConnectError(_ code: Int32, immediate: Bool) -> PairResult {
        switch code {
        case ECONNREFUSED: return .refused
        case ETIMEDOUT: return .filtered
        case ENETUNREACH, EHOSTUNREACH: return immediate ? .noRoute : .rejected
        case EADDRNOTAVAIL: return .addressNotLocal
        case EACCES, EPERM, EHOSTDOWN, ENETDOWN, EPROTO: return .rejected
        default: return .rejected
        }
    }

    /// A sentence for the detail column.
    public static func explain(_ code: Int32, immediate: Bool) -> String {
        let name = errnoName(code)
        switch forConnectError(code, immediate: immediate) {
        case .refused: return "TCP reset although the peer listened (\(name)): a reject-with-tcp-reset rule or middlebox"
        case .noRoute: return "no route to the address on the source node (\(name))"
        case .rejected:
            return immediate ? "refused by the source node's own firewall (\(name))"
                : "ICMP unreachable/prohibited answer (\(name)): a firewall rejects the port"
        case .filtered: return "no answer (\(name)): a firewall drops the port"
        case .addressNotLocal: return "the address is not on the node (\(name))"
        default: return name
        }
    }

    public static func errnoName(_ code: Int32) -> String {
        let names: [Int32: String] = [ECONNREFUSED: "ECONNREFUSED", ETIMEDOUT: "ETIMEDOUT", ENETUNREACH: "ENETUNREACH",
                                      EHOSTUNREACH: "EHOSTUNREACH", EADDRNOTAVAIL: "EADDRNOTAVAIL", EACCES: "EACCES",
                                      EPERM: "EPERM", EHOSTDOWN: "EHOSTDOWN", ENETDOWN: "ENETDOWN",
                                      EADDRINUSE: "EADDRINUSE", EPROTO: "EPROTO"]
        return names[code] ?? "errno \(code)"
    }
}
