// IFLA_IFALIAS, the free-text label of a link (`ip link set NAME alias TEXT`). xg-scale marks
// every interface it creates with it, so ownership is written in the kernel itself, not only in
// a state file.
internal import CNetlink

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
