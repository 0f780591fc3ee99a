// `xg-scale monitor` as a user runs it: the built binary under `ip netns exec NODE`, its JSON
// lines read as they come.
import Foundation
import TestSupport

/// One JSON line of the monitor (the contract: time, event, severity, interface, group, from,
/// to, counters and fields).
struct Event: CustomStringConvertible {
    var raw: [String: Any]
    var event: String { raw["event"] as? String ?? "" }
    var severity: String? { raw["severity"] as? String }
    var interface: String? { raw["interface"] as? String }
    var group: String? { raw["group"] as? String }
    var from: String? { raw["from"] as? String }
    var to: String? { raw["to"] as? String }
    var time: String? { raw["time"] as? String }
    var description: String {
        "\(event)(\(interface ?? group ?? "-") \(from ?? "")->\(to ?? ""))"
    }
}

final class MonitorRun: @unchecked Sendable {
    let process: LineProcess

    init(_ ns: Namespace, _ arguments: [String]) throws {
        process = try LineProcess(["ip", "netns", "exec", ns.name, xgScaleBinary(), "monitor"] + arguments)
    }

    var events: [Event] {
        process.lines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.map(Event.init)
    }

    /// Lines that are not JSON objects (there must be none on stdout).
    var badLines: [String] {
        process.lines.filter { ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]) == nil }
    }

    /// Wait (bounded) until an event matching `match` appears after the first `after` events.
    @discardableResult
    func wait(timeout: Double, after: Int = 0, _ match: @escaping (Event) -> Bool) -> Event? {
        var found: Event?
        _ = process.wait(timeout: timeout) { _ in
            let all = events
            found = all.count > after ? all[after...].first(where: match) : nil
            return found != nil
        }
        return found
    }

    var stderr: String { process.stderr }
    func stop() { process.stop() }
}

/// A profile file for the seed's STP node (xenbr0 with peth0 and peth1), or a bond profile.
func writeProfile(_ text: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("xgt-\(getpid())-\(UUID().uuidString.prefix(8))-profile.yaml")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

let stpProfile = """
    version: 1
    redundancy: stp
    uplinks: [peth0, peth1]
    bridge:
      name: xenbr0
      stp: {priority: 32768}
    host: {}

    """

/// RFC 3339 UTC with microseconds, as the contract says.
func isContractTime(_ s: String?) -> Bool {
    guard let s else { return false }
    return s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"#, options: .regularExpression) != nil
}
