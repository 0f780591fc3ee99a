// Many veth pairs in one namespace, for the tests that overrun a netlink receive buffer: links
// v0..v<N-1>, whose peers p0..p<N-1> stand in for the far end (taking p<i> down drops the carrier
// of v<i>).
import Foundation

extension Namespace {
    /// Create `count` veth pairs v<i>/p<i> with both ends up, in one `ip -batch`.
    public func addVethPairs(_ count: Int) throws {
        var setup = ""
        for i in 0..<count { setup += "link add v\(i) type veth peer name p\(i)\nlink set p\(i) up\nlink set v\(i) up\n" }
        try exec(["ip", "-batch", "-"], input: setup)
    }

    /// Bridge br0 with `count` veth ports v<i> (peers p<i>, the far ends), all up: the link
    /// storm of issue 15 (flap them with `bridgePortFlaps`).
    public func addBridgeWithPorts(_ count: Int) throws {
        var setup = "link add br0 type bridge\nlink set br0 up\n"
        for i in 0..<count {
            setup += "link add v\(i) type veth peer name p\(i)\nlink set v\(i) master br0\nlink set p\(i) up\nlink set v\(i) up\n"
        }
        try exec(["ip", "-batch", "-"], input: setup)
    }

    /// What sysfs says of every v<i>: its carrier (0/1) and carrier up and down counts.
    public func vethCarriers() throws -> [String: (carrier: Int, up: Int, down: Int)] {
        let r = try exec(["sh", "-c",
            "for i in /sys/class/net/v*; do echo $(basename $i) $(cat $i/carrier) $(cat $i/carrier_up_count) $(cat $i/carrier_down_count); done"])
        var result: [String: (carrier: Int, up: Int, down: Int)] = [:]
        for line in r.stdout.split(separator: "\n") {
            let w = line.split(separator: " ")
            let n = w.dropFirst().compactMap { Int($0) }
            guard w.count == 4, n.count == 3 else { continue }
            result[String(w[0])] = (n[0], n[1], n[2])
        }
        return result
    }
}

/// An `ip -batch` input that takes every peer p0..p<count-1> down and up again, `rounds` times.
public func peerFlaps(count: Int, rounds: Int = 2) -> String {
    var flaps = ""
    for _ in 0..<rounds { for i in 0..<count { flaps += "link set p\(i) down\nlink set p\(i) up\n" } }
    return flaps
}

/// An `ip -batch` input that takes every bridge port v<i> and its peer down, then up again.
public func bridgePortFlaps(count: Int) -> String {
    var flaps = ""
    for i in 0..<count { flaps += "link set v\(i) down\nlink set p\(i) down\nlink set v\(i) up\nlink set p\(i) up\n" }
    return flaps
}
