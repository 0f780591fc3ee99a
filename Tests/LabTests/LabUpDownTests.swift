// `lab up` on the real kernel builds what its record says (read back with ip/bridge/sysfs),
// VMs reach each other over the switches, a second `up` of the same name is refused, and
// `lab down` leaves namespaces, root links and processes exactly as before — also after a
// `kill -9` of `lab up` halfway.
import Foundation
import Glibc
import Lab
import Testing
import TestSupport

@Suite(.serialized) struct LabUpDownTests {
    @Test func upBuildsWhatTheRecordSaysAndDownLeavesNothing() throws {
        guard try labPrerequisites() else { return }
        let lab = try LabHarness()
        let (nsBefore, linksBefore) = (try namespaces(besides: lab), try rootLinks())
        defer { lab.close() }
        let up = try lab.lab("up")
        #expect(up.status == 0, "\(up.stderr)")
        let state = try lab.state()
        #expect(state.phase == "up")
        #expect(Set(try namespaces()).isSuperset(of: state.namespaces))
        #expect(state.namespaces.count == 6 && state.namespaces.allSatisfy { $0.hasPrefix(lab.prefix) })
        try checkSwitches(state)
        try checkNodes(state)
        // The VMs reach each other across the switches (only lab namespaces on the path).
        let (vm1, vm2) = (state.nodes[0], state.nodes[1])
        let target = String(vm2.vmAddress.split(separator: "/")[0])
        #expect(try waitUntil(timeout: 15, interval: 0.2) {
            try run(["ip", "netns", "exec", vm1.vmNamespace, "ping", "-c1", "-W1", target]).status == 0
        })
        // Monitors run, recorded with the start time /proc shows.
        #expect(state.processes.count == 2)
        for p in state.processes {
            let stat = try String(contentsOfFile: "/proc/\(p.pid)/stat", encoding: .utf8)
            let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
            #expect(UInt64(fields[19]) == p.startTime, "monitor \(p.pid) is the one recorded")
        }
        // Same name again: refused, and the running lab is untouched.
        let again = try lab.lab("up")
        #expect(again.status == 1)
        #expect(again.stderr.contains("exists already"))
        #expect(try lab.state() == state)
        #expect(try rootLinks() == linksBefore, "nothing was created in the root namespace")

        let down = try lab.lab("down")
        #expect(down.status == 0, "\(down.stderr)")
        #expect(try namespaces(besides: lab) == nsBefore)
        #expect(try rootLinks() == linksBefore)
        #expect(lab.labProcesses().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(lab.root)/\(lab.name)"))
        #expect(try lab.lab("down").status == 0, "down is idempotent")
    }

    /// STP on in both switches with the profile's timers, switch1 the root (sysfs root_id),
    /// their ports as recorded.
    func checkSwitches(_ state: LabState) throws {
        let ids = try state.switches.map { try sysfs($0.namespace, "/sys/class/net/br0/bridge/bridge_id") }
        for (i, s) in state.switches.enumerated() {
            let br = infoData(link(try links(s.namespace), s.bridge))
            #expect(br["stp_state"] as? Int == 1, "\(s.name) runs kernel STP")
            #expect(br["forward_delay"] as? Int == 400, "\(s.name) has the profile's forward-delay 4 s")
            #expect(br["hello_time"] as? Int == 100)
            #expect(br["max_age"] as? Int == 600)
            #expect(try sysfs(s.namespace, "/sys/class/net/br0/bridge/root_id") == ids[0], "switch1 is the root (seen from \(s.name))")
            let ports = try bridgeLinks(s.namespace).filter { $0["master"] as? String == s.bridge }.compactMap { $0["ifname"] as? String }
            #expect(Set(ports) == Set(s.ports))
            #expect(s.ports.count == 1 + state.nodes.count)
            _ = i
        }
    }

    /// Each node: uplinks named as the profile names them, ports of xenbr0 with STP on, wired
    /// to the recorded switch port; the VM port on the bridge; the heartbeat addressed.
    func checkNodes(_ state: LabState) throws {
        for node in state.nodes {
            let l = try links(node.namespace)
            #expect(node.uplinks.map(\.name) == ["peth0", "peth1"])
            #expect(infoData(link(l, "xenbr0"))["stp_state"] as? Int == 1, "the profile's bridge is in \(node.name)")
            for u in node.uplinks + [LabUplink(name: node.vmPort, switchIndex: -1, switchPort: "")] {
                #expect(link(l, u.name)?["master"] as? String == "xenbr0", "\(u.name) is a port of xenbr0 in \(node.name)")
            }
            for u in node.uplinks {
                let sw = state.switches[u.switchIndex]
                let peer = link(try links(sw.namespace), u.switchPort)
                #expect(peer?["master"] as? String == "br0", "\(u.switchPort) is a port of \(sw.name)")
                // The switch end's peer ifindex is the node end's ifindex.
                #expect(peer?["link_index"] as? Int == link(l, u.name)?["ifindex"] as? Int)
            }
            let hb = try #require(node.heartbeat)
            let addr = try runChecked(["ip", "-n", node.namespace, "-br", "addr", "show", "dev", hb]).stdout
            #expect(addr.contains(try #require(node.heartbeatAddress)))
        }
    }

    /// SIGTERM to `lab up` halfway: it removes what it made itself and exits 1 (no `lab down`).
    @Test func interruptedUpUndoesItself() throws {
        guard try labPrerequisites() else { return }
        let lab = try LabHarness()
        let (nsBefore, linksBefore) = (try namespaces(besides: lab), try rootLinks())
        defer { lab.close() }
        let pid = try spawnWithCleanSignals(["/usr/bin/env", "XG_SCALE_LAB_ROOT=\(lab.root)", xgScaleBinary(), "lab", "up", "--name", lab.name])
        let reached = try waitUntil(timeout: 60, interval: 0.01) { ((try? lab.state())?.namespaces.count ?? 0) >= 4 }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(reached)
        #expect((status & 0x7f) == 0 && (status >> 8) & 0xff == 1, "exited 1, not killed (wait status \(status))")
        #expect(try namespaces(besides: lab) == nsBefore)
        #expect(try rootLinks() == linksBefore)
        #expect(lab.labProcesses().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(lab.root)/\(lab.name)"))
    }

    @Test(arguments: [3, 8])
    func killedUpThenDownLeavesNothing(journalled: Int) throws {
        guard try labPrerequisites() else { return }
        let lab = try LabHarness()
        let (nsBefore, linksBefore) = (try namespaces(besides: lab), try rootLinks())
        defer { lab.close() }
        let pid = try spawnWithCleanSignals(["/usr/bin/env", "XG_SCALE_LAB_ROOT=\(lab.root)", xgScaleBinary(), "lab", "up", "--name", lab.name])
        // 3: a few namespaces journalled; 8: past the first monitor's start (namespaces + processes).
        let reached = try waitUntil(timeout: 60, interval: 0.01) {
            guard let s = try? lab.state() else { return false }
            return s.namespaces.count + s.processes.count * 2 >= journalled
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(reached, "lab up journalled \(journalled) steps")
        let down = try lab.lab("down")
        #expect(down.status == 0, "\(down.stderr)")
        #expect(try namespaces(besides: lab) == nsBefore)
        #expect(try rootLinks() == linksBefore)
        #expect(try waitUntil(timeout: 5) { lab.labProcesses().isEmpty }, "no monitor or apply of the lab is left")
        #expect(!FileManager.default.fileExists(atPath: "\(lab.root)/\(lab.name)"))
    }
}
