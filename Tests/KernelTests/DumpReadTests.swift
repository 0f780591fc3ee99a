// LinkReader's dumps, read with recv(2) and parsed by Netlink's own attribute parser, against
// `ip -j -d link` of the same namespace: a namespace of some 240 links, so the link dump comes
// in many datagrams (a multi-part answer).
import Foundation
import Testing
import TestSupport

struct ProbeLinks: Decodable {
    struct Link: Decodable {
        var name: String; var index: Int?; var kind: String; var up: Bool
        var master: String?; var mtu: Int?; var peer: String?; var alias: String?; var mac: String?
    }
    var counts: ProbeReport.Counts
    var error: String?
    var links: [Link]?
}

@Suite(.serialized) struct DumpReadTests {
    @Test func manyLinksReadBackAsIpSeesThem() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("dump")
        defer { ns.close() }
        var batch = ["link add br0 type bridge", "link set br0 up"]
        for i in 0..<120 {
            batch.append("link add v\(i) mtu \(1400 + i) type veth peer name v\(i)p")
            if i % 2 == 0 { batch.append("link set v\(i) master br0") }
            if i % 3 == 0 { batch.append("link set v\(i)p alias owned-\(i)") }
            if i % 4 == 0 { batch.append("link set v\(i) up") }
        }
        try ns.exec(["ip", "-batch", "-"], input: batch.joined(separator: "\n") + "\n")

        let binary = buildProductsDirectory().appendingPathComponent("netlink-probe").path
        let r = try ns.run([binary], input: "links\n")
        let report = try JSONDecoder().decode(ProbeLinks.self, from: Data(r.stdout.utf8))
        #expect(r.status == 0, "\(report.error ?? "")")
        #expect(report.counts.get == 4, "aliases: one link dump; state: link, address and route dumps")
        let mine = try #require(report.links)

        let ip = try ipJSON(ns, ["-d", "link", "show"])
        #expect(ip.count == 242 && mine.count == ip.count)
        #expect(mine.map(\.name) == ip.compactMap { $0["ifname"] as? String }, "same links, in ifindex order")
        for (m, link) in zip(mine, ip) {
            let info = link["linkinfo"] as? [String: Any]
            #expect(m.index == link["ifindex"] as? Int)
            #expect(m.mtu == link["mtu"] as? Int, "\(m.name)")
            #expect(m.master == link["master"] as? String, "\(m.name)")
            #expect(m.alias == link["ifalias"] as? String, "\(m.name)")
            #expect(m.mac == link["address"] as? String, "\(m.name)")
            #expect(m.up == ((link["flags"] as? [String])?.contains("UP") ?? false), "\(m.name)")
            let kind = info?["info_kind"] as? String
            #expect(m.kind == (kind ?? "other"), "\(m.name): \(m.kind) vs \(kind ?? "-")")
            if kind == "veth" { #expect(m.peer == link["link"] as? String, "\(m.name)") }
        }
    }
}
