// Values of the link event source that need no kernel: IFLA_EVENT numbers against the uapi
// header, JSON keys, the bond-failover shortcut.
import Foundation
import Testing
import Netlink
import NodeNetwork

@Suite struct LinkEventValueTests {
    /// The IFLA_EVENT_* order in <linux/if_link.h> is the numbering `LinkEvent` decodes.
    @Test func eventNumbersFollowTheKernelHeader() throws {
        let header = "/usr/include/linux/if_link.h"
        guard FileManager.default.fileExists(atPath: header) else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "linux-libc-dev missing")
            return
        }
        let text = try String(contentsOfFile: header, encoding: .utf8)
        let names = text.split(separator: "\n").compactMap { line -> String? in
            let word = line.trimmingCharacters(in: .whitespaces).split(separator: ",").first.map(String.init) ?? ""
            return word.hasPrefix("IFLA_EVENT_") ? word : nil
        }
        #expect(names.first == "IFLA_EVENT_NONE")
        #expect(LinkEvent(kernelValue: 0) == nil)
        let expected: [String: LinkEvent] = [
            "IFLA_EVENT_REBOOT": .reboot, "IFLA_EVENT_FEATURES": .features,
            "IFLA_EVENT_BONDING_FAILOVER": .bondingFailover, "IFLA_EVENT_NOTIFY_PEERS": .notifyPeers,
            "IFLA_EVENT_IGMP_RESEND": .igmpResend, "IFLA_EVENT_BONDING_OPTIONS": .bondingOptions,
        ]
        for (number, name) in names.enumerated() where number > 0 {
            #expect(LinkEvent(kernelValue: UInt32(number)) == expected[name], "\(name) = \(number)")
        }
        #expect(LinkEvent(kernelValue: UInt32(names.count)) == nil)
    }

    @Test func updatesEncodeWithKebabCaseKeys() throws {
        let update = InterfaceUpdate(interface: Interface(name: "bond0", kind: .bond), source: .bridgePort,
                                     event: .bondingFailover, renamedFrom: "bond9")
        let json = try JSONOutput.string(update)
        #expect(json.contains("\"renamed-from\" : \"bond9\""))
        #expect(json.contains("\"source\" : \"bridge-port\""))
        #expect(json.contains("\"event\" : \"bonding-failover\""))
        #expect(LinkNotification.link(update).bondFailover == "bond0")
        var plain = update
        plain.event = .notifyPeers
        #expect(LinkNotification.link(plain).bondFailover == nil)
        #expect(LinkNotification.removed(name: "bond0", index: 3).bondFailover == nil)
    }
}
