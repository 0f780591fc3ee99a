internal import CNetlink
import NodeNetwork

/// Linux bridge: bridge-level STP settings (IFLA_INFO_DATA, IFLA_BR_*) and port settings
/// (IFLA_INFO_SLAVE_DATA of a port, IFLA_BRPORT_*). libnl 3.7 parses neither.
enum BridgeLink {
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
        let hex = bytes.prefix(8).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return hex[0..<2].joined() + "." + hex[2..<8].joined()
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

    static func port(from data: Attributes) -> BridgePortSettings {
        BridgePortSettings(
            priority: data.u16(Int(IFLA_BRPORT_PRIORITY)).map(Int.init),
            cost: data.u32(Int(IFLA_BRPORT_COST)).map(Int.init),
            state: data.u8(Int(IFLA_BRPORT_STATE)).flatMap { PortSTPState(kernelValue: Int($0)) })
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
