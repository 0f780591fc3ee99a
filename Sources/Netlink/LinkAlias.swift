// IFLA_IFALIAS, the free-text label of a link (`ip link set NAME alias TEXT`). xg-scale marks
// every interface it creates with it, so ownership is written in the kernel itself, not only in
// a state file.
internal import CNetlink
import Foundation

extension LinkReader {
    /// The alias of every link that has one, by name (one link dump).
    public func aliases() throws(NetlinkError) -> [String: String] {
        var out: [String: String] = [:]
        for link in try dumpLinks(parts: .alias) {
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

    static func aliasMessage(index: Int, alias: String, operation: @autoclosure @escaping () -> String)
        throws(NetlinkError) -> Message
    {
        let m = try LinkRequest.message(.new, index: index, describe: operation)
        try m.put(Int(IFLA_IFALIAS), string: alias)
        return m
    }
}

// MARK: creates marked in the same system call

extension LinkWriter {
    /// `count` indexes above every index in use (kernel order stays: new links come last). The
    /// links are scanned on the first call (or when `rescan`); later calls go on from there.
    /// The first call takes the highest index of a state read instead (`seedIndexes`) when its
    /// sentinel heard of no change since that read began: no link dump of its own.
    func freeIndexes(_ count: Int, rescan: Bool = false) -> [Int] {
        let seed = indexSeed
        indexSeed = nil
        if reservedIndex == 0 || rescan {
            if !rescan, let seed, seed.sentinel.quiet {
                reservedIndex = max(reservedIndex, seed.highest)
            } else if let list = if_nameindex() {
                var p = list
                while p.pointee.if_index != 0 { reservedIndex = max(reservedIndex, Int(p.pointee.if_index)); p += 1 }
                if_freenameindex(list)
            }
        }
        let first = reservedIndex + 1
        reservedIndex += count
        return Array(first..<(first + count))
    }

    /// The highest ifindex of a state read that `sentinel` (opened before that read began)
    /// watches: the next create takes its indexes above it, without a link dump, if the
    /// sentinel is still quiet then (else the links are scanned, as without a seed). Kept for
    /// the first create only; the sentinel is closed once it was asked (when the plan creates
    /// nothing it is never asked, and closes with the writer at the end of the apply).
    public func seedIndexes(highest: Int, watchedBy sentinel: ChangeSentinel) {
        indexSeed = (highest, sentinel)
    }

    static func indexInUse(_ index: Int) -> Bool {
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        return if_indextoname(UInt32(index), &name) != nil
    }

    /// Send the create `build` makes (given the veth peer's index, 0 if none); with
    /// `createMark`, give it free indexes and send the alias of each new link in the same
    /// sendmsg, so the link never exists without its mark. A create whose mark was refused is
    /// deleted again. When another process took one of the indexes meanwhile, once more with
    /// fresh ones.
    func sendCreate(names: [String], build: (Int) throws(NetlinkError) -> Message) throws(NetlinkError) {
        guard let mark = createMark else { return try submit(try build(0)) }
        if queue != nil { return try queueMarkedCreate(names: names, mark: mark, build: build) }
        var attempt = 0
        while true {
            attempt += 1
            let indexes = freeIndexes(names.count, rescan: attempt > 1)
            let m = try build(indexes.count > 1 ? indexes[1] : 0)
            m.family(ifinfomsg.self).pointee.ifi_index = Int32(indexes[0])
            var messages = [m]
            for (i, name) in zip(indexes, names) {
                messages.append(try Self.aliasMessage(index: i, alias: mark, operation: "mark \(name) as \(mark)"))
            }
            let results = try socket.requestTogether(messages)
            if let refused = results[0] {
                // A mark that landed on a link of that index which is not ours: take it off.
                for (i, index) in indexes.enumerated() where results[i + 1] == nil {
                    _ = try? socket.request(Self.aliasMessage(index: index, alias: "", operation: "unmark link \(index)"))
                }
                let clash = names.allSatisfy { if_nametoindex($0) == 0 } && indexes.contains(where: Self.indexInUse)
                if clash && attempt == 1 { continue }
                throw refused
            }
            if let refused = results.dropFirst().compactMap({ $0 }).first {
                try? socket.request(LinkRequest.message(.del, index: indexes[0], operation: "delete unmarked \(names[0])"))
                throw refused
            }
            for (name, index) in zip(names, indexes) { remember(name, index) }
            return
        }
    }
}
