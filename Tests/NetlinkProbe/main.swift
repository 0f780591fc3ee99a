// Test helper, not part of the tool: runs Netlink write primitives read from stdin (one per
// line) on ONE socket, in the network namespace it is started in (tests run it under
// `ip netns exec`), and prints the request counts and the first error as JSON.
//
//   create-bridge NAME [stp=0|1] [priority=N] [forward-delay=S] [hello-time=S] [max-age=S]
//   set-bridge NAME (same options)
//   create-bond NAME mode=M [miimon=N]
//   create-veth NAME PEER | delete NAME | set-master NAME MASTER | release NAME
//   up NAME | down NAME | mtu NAME N | port NAME [priority=N] [cost=N]
//   add-address NAME ADDR/PREFIX | del-address NAME ADDR/PREFIX
//   add-route GATEWAY [DEV] | del-route GATEWAY [DEV] | read
//   tcp-sockets [LO-HI]  (SockDiag's listing, into "sockets": "STATE ADDRESS PORT" each)
//   index NAME           (InterfaceLookup's ifindex, into "indexes"; -1 when absent)
//   links                (LinkReader's state and aliases, into "links": one object per link)
//   sentinel             (opens a ChangeSentinel, replacing the last one)
//   sentinel-quiet       (whether it saw no change announced since it opened, into "quiet")
//   routes [unfiltered]  (LinkReader's default routes "GATEWAY DEV", into "routes"; unfiltered:
//                         the whole route dump read, filtered by the reader alone)
//   addresses            (LinkReader's state: "NAME ADDRESS/PREFIX" each, into "addresses")
//   state-to-plan        (whether LinkReader.stateToPlan equals currentState without MAC,
//                         operstate and carrier, into "quiet"; and the states' link count, into "indexes")
//   mark-creates TEXT    (every create from now on marked TEXT in its own request)
//   seed-indexes N       (the next create's indexes above N while the last sentinel is quiet)
import Foundation
import Netlink
import NodeNetwork

struct Report: Encodable {
    var counts: RequestCounts
    var error: String?
    var line: Int?
    var sockets: [String]?
    var indexes: [Int]?
    var links: [Link]?
    var quiet: [Bool]?
    var routes: [String]?
    var addresses: [String]?
}

/// One link as LinkReader read it (for comparing with `ip -j -d link`).
struct Link: Encodable {
    var name: String
    var index: Int?
    var kind: String
    var up: Bool
    var master: String?
    var mtu: Int?
    var peer: String?
    var alias: String?
    var mac: String?
}

func options(_ words: ArraySlice<String>) -> [String: String] {
    var result: [String: String] = [:]
    for word in words {
        let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { result[parts[0]] = parts[1] }
    }
    return result
}

func bridgeSettings(_ o: [String: String]) -> BridgeSettings {
    BridgeSettings(stp: o["stp"] == "1", priority: o["priority"].flatMap { Int($0) },
                   forwardDelay: o["forward-delay"].flatMap { Double($0) },
                   helloTime: o["hello-time"].flatMap { Double($0) },
                   maxAge: o["max-age"].flatMap { Double($0) })
}

var report = Report(counts: RequestCounts())
var lineNumber = 0
var sentinel: ChangeSentinel?
do {
    let writer = try LinkWriter()
    while let line = readLine() {
        lineNumber += 1
        let w = line.split(separator: " ").map(String.init)
        guard let verb = w.first else { continue }
        let a = Array(w.dropFirst())
        switch verb {
        case "create-bridge": try writer.createBridge(a[0], settings: bridgeSettings(options(a.dropFirst())))
        case "set-bridge": try writer.setBridge(a[0], settings: bridgeSettings(options(a.dropFirst())))
        case "create-bond":
            let o = options(a.dropFirst())
            try writer.createBond(a[0], settings: BondSettings(mode: o["mode"] ?? "", miimon: o["miimon"].flatMap { Int($0) }))
        case "create-veth":
            let o = options(a.dropFirst(2))
            try writer.createVeth(a[0], peer: a[1], mtu: o["mtu"].flatMap { Int($0) },
                                  peerMTU: o["peer-mtu"].flatMap { Int($0) }, master: o["master"], up: o["up"] == "1")
        case "delete": try writer.deleteLink(a[0])
        case "set-master": try writer.setMaster(a[0], master: a[1])
        case "release": try writer.setMaster(a[0], master: nil)
        case "up": try writer.setUp(a[0], true)
        case "down": try writer.setUp(a[0], false)
        case "mtu": try writer.setMTU(a[0], Int(a[1])!)
        case "port":
            let o = options(a.dropFirst())
            try writer.setBridgePort(a[0], priority: o["priority"].flatMap { Int($0) }, cost: o["cost"].flatMap { Int($0) })
        case "add-address": try writer.address(a[1], on: a[0])
        case "del-address": try writer.address(a[1], on: a[0], delete: true)
        case "add-route": try writer.defaultRoute(Route(destination: "default", gateway: a[0], device: a.count > 1 ? a[1] : nil))
        case "del-route": try writer.defaultRoute(Route(destination: "default", gateway: a[0], device: a.count > 1 ? a[1] : nil), delete: true)
        case "read": _ = try LinkReader(socket: writer.socket).currentState()
        case "tcp-sockets":
            let bounds = a.first?.split(separator: "-").compactMap { Int($0) } ?? []
            let ports = bounds.count == 2 ? bounds[0]...bounds[1] : nil
            guard let listed = SockDiag.tcpSockets(ports: ports) else { fatalError("sock_diag did not answer") }
            report.sockets = listed.map { "\($0.state) \($0.ip) \($0.port)" }
        case "links":
            let reader = LinkReader(socket: writer.socket)
            let aliases = try reader.aliases()
            report.links = try reader.currentState().interfaces.map {
                Link(name: $0.name, index: $0.index, kind: $0.kind.rawValue, up: $0.up, master: $0.master, mtu: $0.mtu,
                     peer: $0.peer, alias: aliases[$0.name], mac: $0.mac)
            }
        case "sentinel": sentinel = try ChangeSentinel()
        case "sentinel-quiet": report.quiet = (report.quiet ?? []) + [sentinel!.quiet]
        case "routes":
            let routes = try LinkReader(socket: writer.socket).defaultRoutes(kernelFiltered: a.first != "unfiltered")
            report.routes = routes.map { "\($0.gateway) \($0.device ?? "-")" }
        case "addresses":
            report.addresses = try LinkReader(socket: writer.socket).currentState().interfaces.flatMap { i in
                (i.addresses ?? []).map { "\(i.name) \($0)" }
            }
        case "state-to-plan":
            let reader = LinkReader(socket: writer.socket)
            var full = try reader.currentState()
            let lean = try reader.stateToPlan()
            for i in full.interfaces.indices {
                full.interfaces[i].mac = nil; full.interfaces[i].operstate = nil; full.interfaces[i].carrier = nil
                full.interfaces[i].carrierUpCount = nil; full.interfaces[i].carrierDownCount = nil
            }
            report.quiet = (report.quiet ?? []) + [full == lean]
            report.indexes = (report.indexes ?? []) + [lean.interfaces.count]
        case "mark-creates": writer.createMark = a[0]
        case "seed-indexes": writer.seedIndexes(highest: Int(a[0])!, watchedBy: sentinel!)
        case "index": report.indexes = (report.indexes ?? []) + [InterfaceLookup.index(of: a[0]) ?? -1]
        default: fatalError("unknown probe verb \(verb)")
        }
    }
    report.counts = writer.socket.counts
} catch {
    report.counts = RequestCounter.total
    report.error = "\(error)"
    report.line = lineNumber
}
print(try JSONOutput.string(report), terminator: "")
exit(report.error == nil ? 0 : 1)
