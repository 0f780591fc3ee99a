// The undo of bond applies, without root: the engine against a simulated kernel that refuses
// what Linux 6.1's bonding driver refuses (seen in the bonding VM, Tests/VM): mode and
// fail_over_mac with slaves, mode and lacp_rate while the bond is up, options outside their
// modes, enslaving an up interface to a bond. A release from a bond closes the slave, enslaving
// opens it. The real driver runs the same applies in Tests/BondVMTests/ApplyVMTests.swift.
import Foundation
import Testing
import Apply
import Netlink
import NodeNetwork
import TestSupport

struct Refused: Error, CustomStringConvertible { var description: String }

final class SimulatedBondKernel: NetworkBackend {
    var state: NetworkState
    var requests = RequestCounts()
    init(_ state: NetworkState) { self.state = state }

    func currentState() throws -> NetworkState { state }

    private func index(_ name: String) throws -> Int {
        guard let i = state.interfaces.firstIndex(where: { $0.name == name }) else { throw Refused(description: "no \(name)") }
        return i
    }
    private func slaves(of name: String) -> [String] { state.interfaces.filter { $0.master == name }.map(\.name) }

    func execute(_ change: Change) throws {
        requests.new += 1
        switch change {
        case .create(let i):
            guard state[i.name] == nil else { throw Refused(description: "\(i.name) exists") }
            var new = Interface(name: i.name, kind: i.kind, up: false, mtu: 1500, peer: i.peer)
            if i.kind == .bond {
                var b = BondSettings(mode: "balance-rr", miimon: 0, updelay: 0, downdelay: 0, primaryReselect: "always",
                                     arpInterval: 0, arpIPTarget: [], lacpRate: "slow", xmitHashPolicy: "layer2",
                                     failOverMAC: "none", minLinks: 0)
                try set(i.bond ?? BondSettings(mode: "balance-rr"), on: &b, up: false, slaves: false, sending: nil)
                new.bond = b
            }
            if let b = i.bridge { new.bridge = b }
            state.interfaces.append(new)
            if i.kind == .veth, let p = i.peer {
                state.interfaces.append(Interface(name: p, kind: .veth, up: false, mtu: 1500, peer: i.name))
            }
        case .delete(let n):
            let peer = state[n]?.peer
            _ = try index(n)
            state.interfaces.removeAll { $0.name == n || (peer != nil && $0.name == peer && $0.kind == .veth) }
            for k in state.interfaces.indices where state.interfaces[k].master == n { try release(k) }
            state.routes.removeAll { $0.device == n }
        case .setBond(let n, let wanted, let sending):
            let k = try index(n)
            guard var b = state.interfaces[k].bond else { throw Refused(description: "\(n) is no bond") }
            try set(wanted, on: &b, up: state.interfaces[k].up, slaves: !slaves(of: n).isEmpty, sending: sending)
            state.interfaces[k].bond = b
        case .setMaster(let n, let m):
            let k = try index(n)
            let master = try index(m)
            if state.interfaces[master].kind == .bond {
                if state.interfaces[k].up { throw Refused(description: "Device can not be enslaved while up") }
                state.interfaces[k].up = true
                state.interfaces[k].mtu = state.interfaces[master].mtu
            }
            state.interfaces[k].master = m
        case .releaseMaster(let n): try release(try index(n))
        case .setBridge(let n, let b): state.interfaces[try index(n)].bridge = b
        case .setPort: break
        case .setUp(let n): state.interfaces[try index(n)].up = true
        case .setDown(let n): state.interfaces[try index(n)].up = false
        case .setMTU(let n, let mtu):
            let k = try index(n)
            state.interfaces[k].mtu = mtu
            if state.interfaces[k].kind == .bond {
                for s in state.interfaces.indices where state.interfaces[s].master == n { state.interfaces[s].mtu = mtu }
            }
        case .addAddress(let n, let a):
            let k = try index(n)
            if state.interfaces[k].addresses?.contains(a) == true { throw Refused(description: "address exists") }
            state.interfaces[k].addresses = (state.interfaces[k].addresses ?? []) + [a]
        case .removeAddress(let n, let a):
            let k = try index(n)
            guard state.interfaces[k].addresses?.contains(a) == true else { throw Refused(description: "no address") }
            state.interfaces[k].addresses?.removeAll { $0 == a }
            if state.interfaces[k].addresses == [] { state.interfaces[k].addresses = nil }
        case .addRoute(let r):
            if state.routes.contains(r) { throw Refused(description: "route exists") }
            state.routes.append(r)
        case .removeRoute(let r):
            guard state.routes.contains(r) else { throw Refused(description: "no route") }
            state.routes.removeAll { $0 == r }
        }
    }

    private func release(_ k: Int) throws {
        if let m = state.interfaces[k].master, state[m]?.kind == .bond || state[m] == nil { state.interfaces[k].up = false }
        state.interfaces[k].master = nil
    }

    /// The bonding driver's checks, option by option in the kernel's order (mode first); like the
    /// kernel, options set before a refused one stay set.
    private func set(_ s: BondSettings, on b: inout BondSettings, up: Bool, slaves: Bool, sending: [Set<BondOption>]?) throws {
        // What LinkWriter sends: all given options on creation, else what the change says.
        let requests: [Set<BondOption>] = sending ?? [Set(s.options.keys).union([.mode])]
        for options in requests {
            for o in BondOption.allCases where options.contains(o) {
                let mode = b.mode  // the mode, first in a request, is already set
                if o.needsNoSlaves && slaves { throw Refused(description: "\(o.rawValue): the bond device has slaves") }
                if o.needsBondDown && up { throw Refused(description: "\(o.rawValue): the bond is up") }
                if o != .mode && !o.accepted(inMode: mode) { throw Refused(description: "\(o.rawValue): option not supported in mode \(mode)") }
                if o == .mode { b.mode = s.mode } else { b[o] = s[o] }
            }
        }
    }
}

/// The desired state of an example profile (node dom0), or of an edited copy of its text.
func exampleDesired(_ name: String, edit: (String) -> String = { $0 }) throws -> NetworkState {
    let dir = packageRoot().appendingPathComponent("profiles")
    let inventory = try Inventory.parse(
        text: String(contentsOf: dir.appendingPathComponent("inventory.yaml"), encoding: .utf8), file: "inventory.yaml")
    let text = edit(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
    return try ProfileLoader.load(text: text, file: name, variables: inventory.variables(forNode: "dom0")).profile.desiredState()
}

private let uplinksOnly = NetworkState(interfaces: [
    Interface(name: "peth0", kind: .device, up: false, mtu: 1500),
    Interface(name: "peth1", kind: .device, up: false, mtu: 1500),
])

@Suite struct BondUndoTests {
    /// Apply `to` over `from` with a fault at every step: each time the state is `from` again and
    /// no undo step was refused. Then the apply itself works and leaves nothing to plan.
    func faultEveryStep(from: NetworkState, to desired: NetworkState, owned: Set<String> = []) throws -> NetworkState {
        let n = try Plan.changes(from: from, to: desired, owned: owned).count
        #expect(n >= 3)
        for k in 1...n {
            let kernel = SimulatedBondKernel(from)
            let outcome = try ApplyEngine(backend: FaultInjectingBackend(kernel, failAtStep: k)).apply(desired: desired, owned: owned)
            #expect(outcome.failure?.step == k)
            #expect(outcome.rollback?.complete == true, "fault at \(k): \(outcome.rollback?.remaining ?? [])")
            #expect(outcome.rollback?.errors == [], "fault at step \(k) of \(n): an undo step was refused")
            #expect(kernel.state == from, "fault at step \(k) of \(n) left another state")
        }
        let kernel = SimulatedBondKernel(from)
        let outcome = try ApplyEngine(backend: kernel).apply(desired: desired, owned: owned)
        #expect(outcome.applied, "\(outcome.failure?.reason ?? "")")
        #expect(try Plan.changes(from: kernel.state, to: desired, owned: owned.union(outcome.created)).isEmpty)
        return kernel.state
    }

    @Test func bondProfilesFromNothingAndModeChangesUndoCleanly() throws {
        let ab = try exampleDesired("bond-active-backup.yaml")
        let ad = try exampleDesired("bond-802.3ad.yaml")
        let abState = try faultEveryStep(from: uplinksOnly, to: ab)
        #expect(abState["bond0"]?.bond?.mode == "active-backup")
        let owned: Set<String> = ["bond0", "xenbr0", "veth0", "vif0.0"]
        // active-backup -> 802.3ad and back: the undo puts back the dormant lacp_rate too.
        let adState = try faultEveryStep(from: abState, to: ad, owned: owned)
        #expect(adState["bond0"]?.bond?.mode == "802.3ad")
        #expect(adState["peth0"]?.master == "bond0" && adState["peth1"]?.master == "bond0")
        _ = try faultEveryStep(from: adState, to: ab, owned: ["bond0", "xenbr0"])
    }

    @Test func lacpRateChangeTakesTheBondDownAndUndoesCleanly() throws {
        let ad = try exampleDesired("bond-802.3ad.yaml")
        let slow = try exampleDesired("bond-802.3ad.yaml") { $0.replacingOccurrences(of: "lacp-rate: fast", with: "lacp-rate: slow") }
        let kernel = SimulatedBondKernel(uplinksOnly)
        #expect(try ApplyEngine(backend: kernel).apply(desired: ad, owned: []).applied)
        let plan = try Plan.changes(from: kernel.state, to: slow, owned: ["bond0", "xenbr0"])
        #expect(plan.map(\.summary) == [
            "set bond0 down", "set bond bond0 mode 802.3ad miimon 100 lacp-rate slow xmit-hash-policy layer3+4 min-links 1",
            "set bond0 up",
        ])
        let after = try faultEveryStep(from: kernel.state, to: slow, owned: ["bond0", "xenbr0"])
        #expect(after["bond0"]?.bond?.lacpRate == "slow")
    }
}
