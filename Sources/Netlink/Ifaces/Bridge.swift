internal import CNetlink
import NodeNetwork

/// Linux bridge: bridge-level STP settings (IFLA_INFO_DATA, IFLA_BR_*) and port settings
/// (IFLA_INFO_SLAVE_DATA of a port, IFLA_BRPORT_*), both ways. libnl 3.7 parses neither.
enum BridgeLink: LinkKindUnit {
    static let infoKind = "bridge"
    static let interfaceKind = InterfaceKind.bridge
    static var dataMaxType: Int32? { xg_ifla_br_max() }
    static var slaveDataMaxType: Int32? { xg_ifla_brport_max() }

    /// Kernel timers are clock_t (jiffies_to_clock_t): centiseconds, USER_HZ = 100.
    static let userHZ = 100.0

    static func settings(from data: Attributes) -> BridgeSettings {
        func seconds(_ attribute: Int) -> Double? {
            data.u32(attribute).map { Double($0) / userHZ }
        }
        return BridgeSettings(
            stp: (data.u32(Int(IFLA_BR_STP_STATE)) ?? 0) != 0,
            priority: data.u16(Int(IFLA_BR_PRIORITY)).map(Int.init),
            forwardDelay: seconds(Int(IFLA_BR_FORWARD_DELAY)),
            helloTime: seconds(Int(IFLA_BR_HELLO_TIME)),
            maxAge: seconds(Int(IFLA_BR_MAX_AGE)),
            bridgeID: data.bytes(Int(IFLA_BR_BRIDGE_ID)).flatMap(bridgeID),
            rootID: data.bytes(Int(IFLA_BR_ROOT_ID)).flatMap(bridgeID),
            rootPort: data.u16(Int(IFLA_BR_ROOT_PORT)).map(Int.init),
            topologyChange: data.u8(Int(IFLA_BR_TOPOLOGY_CHANGE)).map { $0 != 0 },
            topologyChangeCount: nil  // the kernel keeps no such count
        ).with(rootPathCost: data.u32(Int(IFLA_BR_ROOT_PATH_COST)).map(Int.init),
               stpMode: data.u32(Int(IFLA_BR_STP_STATE)).flatMap(stpMode))
    }

    /// "8000.aabbccddeeff", as sysfs `bridge_id` and `ip -d link` print it.
    static func bridgeID(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 8 else { return nil }
        return DeviceLink.hex(bytes.prefix(8), separator: { $0 == 2 ? UInt8(ascii: ".") : nil })
    }

    /// BR_NO_STP = 0, BR_KERNEL_STP = 1, BR_USER_STP = 2 (mstpd).
    static func stpMode(_ value: UInt32) -> String? {
        switch value {
        case 0: return "off"
        case 1: return "kernel"
        case 2: return "user"
        default: return nil
        }
    }

    static func parse(data: Attributes, into record: inout LinkRecord) {
        record.kindData = settings(from: data)
    }

    static func parse(slaveData: Attributes, into record: inout LinkRecord) {
        record.slaveData = port(from: slaveData)
    }

    /// A bridge created with the bridge-level settings given (none: the kernel's defaults).
    static func createParts(_ i: Interface) -> CreateParts<Self> { createParts(i.name, settings: i.bridge) }

    static func createParts(_ name: String, settings: BridgeSettings?) -> CreateParts<Self> {
        CreateParts(names: [name], operation: "create bridge \(name)") { _ in settings }
    }

    static func complete(_ interface: inout Interface, from record: LinkRecord, names: LinkNames) {
        if record.infoKind == infoKind { interface.bridge = record.bridge }
        if record.slaveKind == infoKind { interface.port = record.port }
    }

    static func port(from data: Attributes) -> BridgePortSettings {
        BridgePortSettings(
            priority: data.u16(Int(IFLA_BRPORT_PRIORITY)).map(Int.init),
            cost: data.u32(Int(IFLA_BRPORT_COST)).map(Int.init),
            state: data.u8(Int(IFLA_BRPORT_STATE)).flatMap { PortSTPState(kernelValue: Int($0)) })
    }
}

extension BridgeLink {
    static func put(_ settings: BridgeSettings, into m: Message, indexOf: (String) -> Int?) throws(NetlinkError) {
        try put(settings, into: m)
    }

    /// IFLA_BR_* for the settings a profile can ask for (timers in centiseconds).
    static func put(_ settings: BridgeSettings, into m: Message) throws(NetlinkError) {
        func centiseconds(_ seconds: Double) -> UInt32 { UInt32((seconds * userHZ).rounded()) }
        // Timers first: the kernel checks forward-delay against STP being on.
        if let v = settings.forwardDelay { try m.put(Int(IFLA_BR_FORWARD_DELAY), u32: centiseconds(v)) }
        if let v = settings.helloTime { try m.put(Int(IFLA_BR_HELLO_TIME), u32: centiseconds(v)) }
        if let v = settings.maxAge { try m.put(Int(IFLA_BR_MAX_AGE), u32: centiseconds(v)) }
        if let v = settings.priority { try m.put(Int(IFLA_BR_PRIORITY), u16: UInt16(truncatingIfNeeded: v)) }
        try m.put(Int(IFLA_BR_STP_STATE), u32: settings.stp ? 1 : 0)
    }

    /// AF_BRIDGE RTM_SETLINK with IFLA_PROTINFO (IFLA_BRPORT_*), as `bridge link set` sends: the
    /// port settings of the link `index` (priority and cost; the state is STP's).
    static func portRequest(index: Int, _ port: BridgePortSettings, operation: @autoclosure @escaping () -> String)
        throws(NetlinkError) -> Message
    {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_BRIDGE)
        header.ifi_index = Int32(index)
        let m = try Message(type: Int(RTM_SETLINK), flags: 0, header: header, describe: operation)
        try m.nest(Int(IFLA_PROTINFO)) { () throws(NetlinkError) in
            if let v = port.priority { try m.put(Int(IFLA_BRPORT_PRIORITY), u16: UInt16(truncatingIfNeeded: v)) }
            if let v = port.cost { try m.put(Int(IFLA_BRPORT_COST), u32: UInt32(truncatingIfNeeded: v)) }
        }
        return m
    }
}

extension BridgeSettings {
    fileprivate func with(rootPathCost: Int?, stpMode: String?) -> BridgeSettings {
        var copy = self
        copy.rootPathCost = rootPathCost
        copy.stpMode = stpMode
        return copy
    }
}

extension LinkRecord {
    /// A bridge's settings, as `BridgeLink` parsed them.
    var bridge: BridgeSettings? { kindData as? BridgeSettings }
    /// A bridge port's settings, as `BridgeLink` parsed them.
    var port: BridgePortSettings? { slaveData as? BridgePortSettings }
}
