// port-ephemeral: a DRBD port inside net.ipv4.ip_local_port_range and not reserved in
// ip_local_reserved_ports may be taken by any outgoing connection before DRBD binds it.
import DRBD
import Foundation

public enum EphemeralPorts {
    public static func localRange() -> ClosedRange<Int>? {
        guard let t = readFile("/proc/sys/net/ipv4/ip_local_port_range").map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        let f = t.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard f.count == 2, f[0] <= f[1] else { return nil }
        return f[0]...f[1]
    }

    public static func reserved() -> [ClosedRange<Int>] {
        guard let t = readFile("/proc/sys/net/ipv4/ip_local_reserved_ports").map({ String(decoding: $0, as: UTF8.self) }) else { return [] }
        return parseReserved(t)
    }

    /// "7788,7790-7799" → ranges.
    public static func parseReserved(_ text: String) -> [ClosedRange<Int>] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }).compactMap { part in
            let b = part.split(separator: "-").compactMap { Int($0) }
            if b.count == 1 { return b[0]...b[0] }
            if b.count == 2, b[0] <= b[1] { return b[0]...b[1] }
            return nil
        }
    }

    static func findings(_ task: NodeTask, range: ClosedRange<Int>?, reserved: [ClosedRange<Int>]) -> [Finding] {
        guard let range else { return [] }
        var out: [Finding] = []
        var seen = Set<Int>()
        for r in task.configuration.resources {
            for e in r.endpoints where e.machine == task.node && range.contains(e.endpoint.port) {
                let p = e.endpoint.port
                guard !reserved.contains(where: { $0.contains(p) }), seen.insert(p).inserted else { continue }
                out.append(Finding(.warning, .portEphemeral, resource: r.name, host: task.node,
                                   at: e.endpoint.location ?? r.location,
                                   "port \(p) lies in net.ipv4.ip_local_port_range \(range.lowerBound)-\(range.upperBound) and is not in ip_local_reserved_ports: any outgoing connection may take it before DRBD binds it",
                                       fix: "reserve it: sysctl -w net.ipv4.ip_local_reserved_ports=\(p) (add to /etc/sysctl.d), or move the DRBD port below \(range.lowerBound)"))
            }
        }
        return out
    }
}
