// Netlink's SockDiag (NETLINK_SOCK_DIAG) and InterfaceLookup on the real kernel: `netlink-probe`
// runs them under `ip netns exec` in a throwaway namespace, and `ss` / `ip -j link` are the oracles.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct SockDiagTests {
    /// A listener on 127.0.0.1 and one on ::1, opened by python3 inside the namespace until its
    /// stdin closes.
    func startListeners(_ ns: Namespace) throws -> (Process, Pipe) {
        let script = """
            import socket, sys
            a = socket.socket(socket.AF_INET); a.bind(("127.0.0.1", 7788)); a.listen()
            b = socket.socket(socket.AF_INET6); b.bind(("::1", 7789)); b.listen()
            sys.stdin.read()
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", ns.name, "python3", "-c", script]
        let input = Pipe()
        p.standardInput = input
        try p.run()
        return (p, input)
    }

    /// "STATE ADDRESS PORT" of every socket `ss` lists in the namespace (ss's own state names
    /// for LISTEN and ESTAB mapped to /proc's).
    func ssListening(_ ns: Namespace) throws -> Set<String> {
        let r = try ns.exec(["ss", "-Htln"])
        var out: Set<String> = []
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 4, let colon = f[3].lastIndex(of: ":") else { continue }
            let address = f[3][..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            out.insert("LISTEN \(address) \(f[3][f[3].index(after: colon)...])")
        }
        return out
    }

    @Test func listsTheListenersSsSees() throws {
        guard try prerequisites(root: true, programs: ["ip", "ss", "python3"]) else { return }
        let ns = try Namespace("sockdiag")
        defer { ns.close() }
        try ns.assertNoDefaultRoute()
        let (listener, input) = try startListeners(ns)
        defer { try? input.fileHandleForWriting.close(); listener.waitUntilExit() }
        let expected: Set<String> = ["LISTEN 127.0.0.1 7788", "LISTEN ::1 7789"]
        #expect(try waitUntil(timeout: 10) { try ssListening(ns) == expected })

        let (all, status) = try probe(ns, "tcp-sockets\n")
        #expect(status == 0)
        let listed = Set((all.sockets ?? []).filter { $0.hasPrefix("LISTEN ") })
        #expect(listed == (try ssListening(ns)))
        #expect(listed == expected)

        // The port filter runs in the kernel: only the ::1 listener is in 7789...7789.
        let (one, _) = try probe(ns, "tcp-sockets 7789-7789\n")
        #expect(one.sockets == ["LISTEN ::1 7789"])
    }

    @Test func indexLookupMatchesIproute() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let ns = try Namespace("lookup")
        defer { ns.close() }
        try ns.exec(["ip", "link", "add", "lk0", "type", "veth", "peer", "name", "lk1"])
        let links = try ipJSON(ns, ["link", "show"])
        let index = { (name: String) in links.first { $0["ifname"] as? String == name }?["ifindex"] as? Int }
        let (report, status) = try probe(ns, "index lk0\nindex lk1\nindex lo\nindex nope\n")
        #expect(status == 0)
        #expect(report.indexes == [try #require(index("lk0")), try #require(index("lk1")), try #require(index("lo")), -1])
    }
}
