internal import CNetlink
import NodeNetwork

/// Builders for RTM_*LINK requests with IFLA_LINKINFO / IFLA_INFO_DATA, which libnl 3.7 cannot
/// fill for bond options or bridge STP options.
enum LinkRequest {
    enum Verb { case new, set, del, get }

    /// An RTM_NEWLINK/SETLINK/DELLINK/GETLINK message for the link `index` (0 = by name).
    static func message(_ verb: Verb, index: Int = 0, create: Bool = false, flags: UInt32 = 0,
                        change: UInt32 = 0, operation: @autoclosure @escaping () -> String) throws(NetlinkError) -> Message {
        try message(verb, index: index, create: create, flags: flags, change: change, describe: operation)
    }

    /// `message` with the operation's text as the closure that makes it.
    static func message(_ verb: Verb, index: Int = 0, create: Bool = false, flags: UInt32 = 0,
                        change: UInt32 = 0, describe: @escaping () -> String) throws(NetlinkError) -> Message {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        header.ifi_index = Int32(index)
        header.ifi_flags = flags
        header.ifi_change = change
        let type: Int
        switch verb {
        case .new: type = Int(RTM_NEWLINK)
        case .set: type = Int(RTM_SETLINK)
        case .del: type = Int(RTM_DELLINK)
        case .get: type = Int(RTM_GETLINK)
        }
        let nlFlags = create ? NLM_F_CREATE | NLM_F_EXCL : 0
        return try Message(type: type, flags: nlFlags, header: header, describe: describe)
    }

    /// RTM_NEWLINK creating `name` of `kind` (the kernel's name), its IFLA_INFO_DATA filled by
    /// `data`: for a request built by hand (tests). The writer goes through the kind units
    /// (`create(_:name:settings:…)` in Ifaces/LinkKind.swift).
    /// `flags` go into the header (IFF_UP: up at once); `attributes` adds link attributes
    /// (IFLA_MTU, IFLA_MASTER...) before IFLA_LINKINFO.
    static func create(name: String, kind: String, operation: @autoclosure @escaping () -> String, flags: UInt32 = 0,
                       data: ((Message) throws(NetlinkError) -> Void)? = nil,
                       attributes: ((Message) throws(NetlinkError) -> Void)? = nil) throws(NetlinkError) -> Message {
        let m = try message(.new, create: true, flags: flags, change: flags, describe: operation)
        try m.put(Int(IFLA_IFNAME), string: name)
        if let attributes { try attributes(m) }
        try m.nest(Int(IFLA_LINKINFO)) { () throws(NetlinkError) in
            try m.put(Int(IFLA_INFO_KIND), string: kind)
            if let data {
                try m.nest(Int(IFLA_INFO_DATA)) { () throws(NetlinkError) in try data(m) }
            }
        }
        return m
    }
}
