// IFLA_IFALIAS, the free-text label of a link (`ip link set NAME alias TEXT`). xg-scale marks
// every interface it creates with it, so ownership is written in the kernel itself, not only in
// a state file.
internal import CNetlink
import Foundation

extension LinkReader {
    /// The alias of every link that has one, by name (one link dump).
    public func aliases() throws(NetlinkError) -> [String: String] {
        var out: [String: String] = [:]
        for link in try dumpLinks() {
            if let a = link.alias, !a.isEmpty { out[link.name] = a }
        }
        return out
    }
}

extension LinkWriter {
    /// Set (or, with an empty text, clear) the alias of `name`.
    public func setAlias(_ name: String, _ alias: String) throws(NetlinkError) {
        let operation = "set \(name) alias"
        try socket.request(try Self.aliasMessage(index: index(of: name, for: operation), alias: alias, operation: operation))
    }

    static func aliasMessage(index: Int, alias: String, operation: String) throws(NetlinkError) -> Message {
        let m = try LinkRequest.message(.new, index: index, operation: operation)
        try m.put(Int(IFLA_IFALIAS), string: alias)
        return m
    }
}

// MARK: creates marked in the same system call

extension LinkWriter {
    /// Indexes no link has now, above all of them (kernel order stays: new links come last).
    func freeIndexes(_ count: Int) -> [Int] {
        var top = max(reservedIndex, 0)
        if let list = if_nameindex() {
            var p = list
            while p.pointee.if_index != 0 { top = max(top, Int(p.pointee.if_index)); p += 1 }
            if_freenameindex(list)
        }
        reservedIndex = top + count
        return (1...count).map { top + $0 }
    }

    /// Send a create; with `createMark`, give it free indexes (the first end's here, a veth
    /// peer's in its own header) and send the alias of each new link in the same sendmsg, so the
    /// link never exists without its mark. A create whose mark was refused is deleted again.
    func sendCreate(_ m: Message, names: [String], peerIndex: Int = 0) throws(NetlinkError) {
        guard let mark = createMark else { return try socket.request(m) }
        let index = peerIndex > 0 ? peerIndex - 1 : freeIndexes(1)[0]
        nlmsg_data(nlmsg_hdr(m.raw)).assumingMemoryBound(to: ifinfomsg.self).pointee.ifi_index = Int32(index)
        let indexes = peerIndex > 0 ? [index, peerIndex] : [index]
        var messages = [m]
        for (i, name) in zip(indexes, names) {
            messages.append(try Self.aliasMessage(index: i, alias: mark, operation: "mark \(name) as \(mark)"))
        }
        let results = try socket.requestTogether(messages)
        if let refused = results[0] { throw refused }
        if let refused = results.dropFirst().compactMap({ $0 }).first {
            try? socket.request(LinkRequest.message(.del, index: index, operation: "delete unmarked \(names[0])"))
            throw refused
        }
        indexes.enumerated().forEach { self.remember(names[$0.offset], $0.element) }
    }
}
