// Every ranged profile key at both ends of its range: the bound itself loads without an error
// about the key, one past it is refused with "PATH VALUE is out of range". A range that drops a
// bound (2..<30 for 2...30) or widens by one fails here.
import Testing
@testable import NodeNetwork

/// One ranged key: its diagnostic path, its accepted range, and the profile carrying a value.
struct RangedKey: CustomStringConvertible, Sendable {
    var path: String
    var low: Int
    var high: Int
    var yaml: @Sendable (Int) -> String
    var description: String { path }

    static let int32Max = Int(Int32.max)

    static func stp(_ key: String, _ low: Int, _ high: Int) -> RangedKey {
        RangedKey(path: "bridge.stp.\(key)", low: low, high: high) { v in
            stpBase.replacingOccurrences(of: "stp: {forward-delay: 4, hello-time: 1, max-age: 6}",
                                         with: "stp: {\(key): \(v)}")
        }
    }
    static func port(_ key: String, _ low: Int, _ high: Int) -> RangedKey {
        RangedKey(path: "bridge.ports.peth0.\(key)", low: low, high: high) { v in stpBase + "  ports: {peth0: {\(key): \(v)}}\n" }
    }
    static func bond(_ key: String, extra: String = "") -> RangedKey {
        RangedKey(path: "bond.\(key)", low: 0, high: int32Max) { v in
            bondBase + "  mode: active-backup\n  \(key): \(v)\n" + extra
        }
    }

    static let all: [RangedKey] = [
        stp("priority", 0, 65535), stp("forward-delay", 2, 30), stp("hello-time", 1, 10), stp("max-age", 6, 40),
        port("priority", 0, 63), port("cost", 1, 65535),
        bond("miimon"), bond("updelay", extra: "  miimon: 1\n"), bond("downdelay", extra: "  miimon: 1\n"),
        bond("arp-interval", extra: "  arp-ip-target: [192.0.2.1]\n"), bond("min-links"),
        RangedKey(path: "host.mtu", low: 68, high: 65535) { v in stpBase + "host: {mtu: \(v)}\n" },
    ]
}

@Suite struct BoundsTests {
    @Test(arguments: RangedKey.all)
    func bothBoundsLoadAndOnePastEachIsRefused(_ key: RangedKey) {
        for v in [key.low, key.high] {
            let errors = diagnostics(key.yaml(v)).filter { $0.severity == .error }
            #expect(errors.isEmpty, "\(key.path): \(v) is inside the range, got \(errors.map(\.description))")
        }
        for v in [key.low - 1, key.high + 1] {
            let yaml = key.yaml(v)
            let errors = diagnostics(yaml).filter { $0.severity == .error }
            let e = errors.first { $0.message.contains("\(key.path) \(v) is out of range") }
            #expect(e != nil, "\(key.path): \(v) is outside the range, got \(errors.map(\.description))")
            // The error points at the value, and says which values are allowed.
            let name = String(key.path.split(separator: ".").last!)
            let (line, keyColumn) = position(of: "\(name): \(v)", in: yaml)
            let column = keyColumn + name.count + 2
            if let e {
                #expect(e.location == SourceLocation(file: "p.yaml", line: line, column: column), "\(e)")
                #expect(e.fix?.contains("use a value from") == true, "\(e)")
            }
        }
    }
}
