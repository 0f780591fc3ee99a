internal import CNetlink
import NodeNetwork

extension LinkReader {
    /// The STP data of every bridge (root id, root port, topology change flag and timers): what
    /// the kernel never notifies, for a monitor's poll. One RTM_GETLINK dump filtered by the
    /// kernel to kind "bridge" (as `ip link show type bridge` asks), so the answer holds bridges
    /// only; ordered by ifindex.
    public func bridgeTopology() throws(NetlinkError) -> [BridgeTopology] {
        var result: [BridgeTopology] = []
        try socket.dump({ () throws(NetlinkError) in
            result = []
            let m = try Message.linkDump(operation: "dump bridges")
            try m.nest(Int(IFLA_LINKINFO)) { () throws(NetlinkError) in
                try m.put(Int(IFLA_INFO_KIND), string: BridgeLink.infoKind)
            }
            return m
        }) { (message) throws(NetlinkError) in
            guard message.pointee.nlmsg_type == UInt16(RTM_NEWLINK) else { return }
            let operation = "dump bridges"
            let header = try familyHeader(message, as: ifinfomsg.self, operation: operation)
            let a = try Attributes(message: message, headerSize: MemoryLayout<ifinfomsg>.size,
                                   maxType: xg_ifla_max(), operation: operation)
            // Old kernels ignore the filter: check the kind here too.
            guard let info = try a.nested(Int(IFLA_LINKINFO), maxType: xg_ifla_info_max(), operation: operation),
                  info.string(Int(IFLA_INFO_KIND)) == BridgeLink.infoKind,
                  let data = try info.nested(Int(IFLA_INFO_DATA), maxType: xg_ifla_br_max(), operation: operation)
            else { return }
            func seconds(_ type: Int) -> Double? { data.u64(type).map { Double($0) / BridgeLink.userHZ } }
            result.append(BridgeTopology(
                name: a.string(Int(IFLA_IFNAME)) ?? "if\(header.ifi_index)",
                index: Int(header.ifi_index),
                settings: BridgeLink.settings(from: data),
                topologyChangeDetected: data.u8(Int(IFLA_BR_TOPOLOGY_CHANGE_DETECTED)).map { $0 != 0 },
                tcnTimer: seconds(Int(IFLA_BR_TCN_TIMER)),
                topologyChangeTimer: seconds(Int(IFLA_BR_TOPOLOGY_CHANGE_TIMER))))
        }
        return result.sorted { $0.index < $1.index }
    }
}

extension Attributes {
    /// A u64 attribute (the kernel's bridge timers are u64 clock_t values).
    func u64(_ type: Int) -> UInt64? {
        attribute(type, size: 8).map { UnsafeRawPointer($0).loadUnaligned(fromByteOffset: 4, as: UInt64.self) }
    }
}
