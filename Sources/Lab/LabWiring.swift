// The cables of the lab, made with iproute2 inside the lab's namespaces only: every veth is
// created in one lab namespace with its peer moved straight into another, so no interface ever
// appears in the machine's own namespace.
import NodeNetwork
import SystemIO

enum LabWiring {
    /// Both switches: a bridge with kernel STP and the profile's timers (the root's timers rule
    /// the tree), switch1 the root (lowest priority), linked by one veth.
    static func switches(_ state: LabState) throws {
        for s in state.switches {
            let cs = { (seconds: Int?) in String((seconds ?? 0) * 100) }  // ip takes centiseconds
            try Command.ipIn(s.namespace, ["link", "add", s.bridge, "type", "bridge", "stp_state", "1",
                                           "priority", String(s.priority ?? 32768), "forward_delay", cs(s.forwardDelay),
                                           "hello_time", cs(s.helloTime), "max_age", cs(s.maxAge), "mcast_snooping", "0"])
        }
        let (a, b) = (state.switches[0], state.switches[1])
        try Command.ipIn(a.namespace, ["link", "add", a.interSwitchPort, "type", "veth", "peer", "name",
                                       b.interSwitchPort, "netns", b.namespace])
        for s in state.switches {
            try Command.ipIn(s.namespace, ["link", "set", s.interSwitchPort, "master", s.bridge])
            try Command.ipIn(s.namespace, ["link", "set", s.interSwitchPort, "up"])
            try Command.ipIn(s.namespace, ["link", "set", s.bridge, "up"])
        }
    }

    /// Each node's uplinks (node end named as the profile names it), its VM's cable, and the
    /// heartbeat to the next node.
    static func nodes(_ state: LabState) throws {
        for node in state.nodes {
            for u in node.uplinks {
                let sw = state.switches[u.switchIndex]
                try Command.ipIn(sw.namespace, ["link", "add", u.switchPort, "type", "veth", "peer", "name", u.name,
                                                "netns", node.namespace])
                try Command.ipIn(sw.namespace, ["link", "set", u.switchPort, "master", sw.bridge])
                try Command.ipIn(sw.namespace, ["link", "set", u.switchPort, "up"])
            }
            try Command.ipIn(node.namespace, ["link", "add", node.vmPort, "type", "veth", "peer", "name",
                                              node.vmInterface, "netns", node.vmNamespace])
            try Command.ipIn(node.vmNamespace, ["addr", "add", node.vmAddress, "dev", node.vmInterface])
            try Command.ipIn(node.vmNamespace, ["link", "set", node.vmInterface, "up"])
        }
        for (i, node) in state.nodes.enumerated() where i + 1 < state.nodes.count {
            let next = state.nodes[i + 1]
            let (here, there) = ("hb\(i + 2)", "hb\(i + 1)")
            try Command.ipIn(node.namespace, ["link", "add", here, "type", "veth", "peer", "name", there,
                                              "netns", next.namespace])
            try Command.ipIn(node.namespace, ["addr", "add", "203.0.113.\(4 * i + 1)/30", "dev", here])
            try Command.ipIn(next.namespace, ["addr", "add", "203.0.113.\(4 * i + 2)/30", "dev", there])
            try Command.ipIn(node.namespace, ["link", "set", here, "up"])
            try Command.ipIn(next.namespace, ["link", "set", there, "up"])
        }
    }

    /// After the apply: the VM's port joins the profile's bridge, as a guest's vif would.
    static func attachVM(node: LabNode, profile: Profile) throws {
        try Command.ipIn(node.namespace, ["link", "set", node.vmPort, "master", profile.bridge.name])
        try Command.ipIn(node.namespace, ["link", "set", node.vmPort, "up"])
    }
}
