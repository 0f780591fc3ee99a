// An independent reading of a namespace's network, for tests that change state: iproute2's JSON
// (`ip -j -d link show`, `ip -j addr`, `ip -j route`, `bridge -j link`) and sysfs, all run inside
// the namespace. It shares no code with xg-scale's netlink reader, so a bug in that reader (or one
// shared by the reader and the planner) cannot hide itself here.
import Foundation

/// Bridge-level STP settings as the kernel reports them (timers in seconds).
public struct KernelBridge: Equatable, Sendable {
    public var stp: Bool
    public var priority: Int
    public var forwardDelay: Double
    public var helloTime: Double
    public var maxAge: Double
}

/// A bridge port as `bridge -j link` reports it.
public struct KernelPort: Equatable, Sendable {
    public var state: String
    public var priority: Int
    public var cost: Int
}

/// One link of `ip -j -d link show`, with its port settings from `bridge -j link`.
public struct KernelLink: Equatable, Sendable {
    public var name: String
    public var index: Int
    /// IFLA_INFO_KIND ("bridge", "veth", "bond"...), nil for a link without one (loopback, NICs).
    public var kind: String?
    /// IFF_UP: the administrative state.
    public var up: Bool
    public var operstate: String
    public var mtu: Int
    public var master: String?
    /// For a veth whose peer is in the same namespace: the peer's name.
    public var peer: String?
    public var mac: String?
    public var bridge: KernelBridge?
    public var port: KernelPort?
    /// IFLA_INFO_DATA of a bond, as iproute2 prints it (e.g. "mode": "active-backup").
    public var bondData: [String: String]?
    /// Global-scope addresses as "address/prefix".
    public var addresses: [String] = []
}

/// A route of `ip -j route` (IPv4 and IPv6, main table).
public struct KernelRoute: Equatable, Sendable {
    public var destination: String
    public var gateway: String?
    public var device: String?
}

/// The network of one namespace read through iproute2 and sysfs.
public struct KernelView: Sendable {
    public var links: [String: KernelLink]
    public var routes: [KernelRoute]

    public subscript(name: String) -> KernelLink? { links[name] }

    /// Default routes (both families) as "gateway dev device".
    public var defaultRoutes: Set<String> {
        Set(routes.filter { $0.destination == "default" }.map { "\($0.gateway ?? "-") dev \($0.device ?? "-")" })
    }

    /// Read everything from inside `ns`.
    public static func read(_ ns: Namespace) throws -> KernelView {
        try read { try ns.exec($0).stdout }
    }

    /// The commands the reading runs, in order: link, port, address and route dumps.
    public static let commands: [[String]] = [
        ["ip", "-j", "-d", "link", "show"], ["bridge", "-j", "link", "show"], ["ip", "-j", "address", "show"],
        ["ip", "-4", "-j", "route", "show"], ["ip", "-6", "-j", "route", "show"],
    ]

    /// Read through `output`, which runs one of `commands` wherever the network is (a namespace,
    /// or captured in the bonding VM) and returns its standard output.
    public static func read(_ output: ([String]) throws -> String) throws -> KernelView {
        let json = try commands.map { try jsonArray(output($0), $0) }
        var links: [String: KernelLink] = [:]
        for object in json[0] {
            if let link = link(from: object) { links[link.name] = link }
        }
        for object in json[1] {
            guard let name = object["ifname"] as? String, links[name] != nil else { continue }
            links[name]!.port = KernelPort(state: object["state"] as? String ?? "?",
                                           priority: object["priority"] as? Int ?? -1,
                                           cost: object["cost"] as? Int ?? -1)
        }
        for object in json[2] {
            guard let name = object["ifname"] as? String, links[name] != nil else { continue }
            let infos = object["addr_info"] as? [[String: Any]] ?? []
            links[name]!.addresses = infos.filter { $0["scope"] as? String == "global" }.compactMap {
                guard let local = $0["local"] as? String, let prefix = $0["prefixlen"] as? Int else { return nil }
                return "\(local)/\(prefix)"
            }.sorted()
        }
        let routes = (json[3] + json[4]).map {
            KernelRoute(destination: $0["dst"] as? String ?? "?", gateway: $0["gateway"] as? String,
                        device: $0["dev"] as? String)
        }
        return KernelView(links: links, routes: routes)
    }

    static func jsonArray(_ out: String, _ command: [String]) throws -> [[String: Any]] {
        if out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        guard let array = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] else {
            throw TestSupportError.commandFailed(command.joined(separator: " ") + " (not a JSON array)",
                                                 ProcessResult(status: 0, stdout: out, stderr: ""))
        }
        return array
    }

    static func link(from object: [String: Any]) -> KernelLink? {
        guard let name = object["ifname"] as? String, let index = object["ifindex"] as? Int else { return nil }
        let info = object["linkinfo"] as? [String: Any]
        let kind = info?["info_kind"] as? String
        let data = info?["info_data"] as? [String: Any]
        var link = KernelLink(name: name, index: index, kind: kind,
                              up: (object["flags"] as? [String] ?? []).contains("UP"),
                              operstate: object["operstate"] as? String ?? "?",
                              mtu: object["mtu"] as? Int ?? -1, master: object["master"] as? String,
                              peer: kind == "veth" ? object["link"] as? String : nil,
                              mac: object["address"] as? String)
        if kind == "bridge", let data {
            // iproute2 prints the bridge timers in centiseconds.
            func seconds(_ key: String) -> Double { Double(data[key] as? Int ?? -100) / 100 }
            link.bridge = KernelBridge(stp: (data["stp_state"] as? Int ?? 0) != 0,
                                       priority: data["priority"] as? Int ?? -1,
                                       forwardDelay: seconds("forward_delay"),
                                       helloTime: seconds("hello_time"), maxAge: seconds("max_age"))
        }
        if kind == "bond", let data {
            link.bondData = data.reduce(into: [:]) { out, e in
                out[e.key] = (e.value as? [Any]).map { $0.map { "\($0)" }.sorted().joined(separator: " ") } ?? "\(e.value)"
            }
        }
        return link
    }

    /// The files of /sys/class/net/NAME/SUBDIR (e.g. "bridge", "bonding", "brport") as read
    /// inside `ns` (`ip netns exec` mounts the namespace's own sysfs). Unreadable files are left out.
    public static func sysfs(_ ns: Namespace, _ name: String, _ subdir: String) throws -> [String: String] {
        let dir = "/sys/class/net/\(name)/\(subdir)"
        let r = try ns.exec(["sh", "-c", "cd \"$1\" && for f in *; do [ -f \"$f\" ] && printf '%s=%s\\n' \"$f\" \"$(cat \"$f\" 2>/dev/null)\"; done; true", "sh", dir])
        var values: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return values
    }
}
