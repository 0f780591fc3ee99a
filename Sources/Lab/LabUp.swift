// `lab up`: check everything that can refuse first (root, name, kernel), then build the plan of
// LabLayout step by step, journalling each namespace in the record before it is created, so
// that `lab down` (or the undo of a failed `up`) finds all of it.
import Foundation
import NodeNetwork
import SystemIO

public enum LabEngine {
    /// Build the lab. On a failure halfway, everything made so far is removed (as `lab down`
    /// would) and the error is rethrown. `progress` gets one line per stage.
    public static func up(store: LabStore, request: LabRequest, progress: (String) -> Void = { _ in }) throws -> LabState {
        try requireRoot("lab up", "it creates network namespaces")
        guard let first = request.nodes.first?.profile else { throw LabError("no node to build: --nodes must be 1 or more") }
        try checkKernel(for: first.redundancy)
        var state = try LabLayout.plan(store: store, request: request)
        let taken = try existingNamespaces().filter { $0.hasPrefix(LabLayout.namespace(lab: store.name, "")) }
        if !taken.isEmpty, !store.exists {
            throw LabError("namespaces of a lab named '\(store.name)' exist already (\(taken.joined(separator: ", "))) without its record: delete them (ip netns delete NAME) or choose another --name")
        }
        try store.create()
        catchInterrupts()
        do {
            try store.save(state)
            try build(&state, store: store, request: request, progress: progress)
            state.phase = "up"
            try store.save(state)
            return state
        } catch {
            progress("failed; removing what was made")
            do { _ = try down(store: store) } catch let undo {
                throw LabError("\(error); removing what was made failed too (\(undo)): run `xg-scale lab down --name \(store.name)`")
            }
            throw error
        }
    }

    /// Refuse unless root: `what` needs it `because`.
    public static func requireRoot(_ what: String, _ because: String) throws {
        guard geteuid() == 0 else { throw LabError("\(what) needs root: \(because) (run it with sudo)") }
    }

    static func build(_ state: inout LabState, store: LabStore, request: LabRequest,
                      progress: (String) -> Void) throws {
        for ns in LabLayout.namespaces(of: state) {
            try checkInterrupted()
            state.namespaces.append(ns)
            try store.save(state)
            do { try Command.check([Command.ip, "netns", "add", ns]) } catch {
                // Not made by us (it appeared meanwhile, say): never to be deleted by the undo.
                state.namespaces.removeLast()
                try store.save(state)
                throw error
            }
            try Command.ipIn(ns, ["link", "set", "lo", "up"])
        }
        progress("namespaces: \(state.namespaces.joined(separator: " "))")
        try LabWiring.switches(state)
        progress("switches: switch1 (STP root, priority \(state.switches[0].priority ?? 0)) and switch2 linked by \(LabLayout.interSwitchPort)")
        try LabWiring.nodes(state)
        progress("wired \(state.nodes.count) nodes: uplinks \(state.nodes[0].uplinks.map(\.name).joined(separator: ", ")), heartbeat, VM")
        for (i, node) in state.nodes.enumerated() {
            try checkInterrupted()
            try applyProfile(node: node, store: store, request: request, input: request.nodes[i])
            try LabWiring.attachVM(node: node, profile: request.nodes[i].profile)
            progress("\(node.name): profile applied in \(node.namespace), VM \(node.vmAddress) on \(request.nodes[i].profile.bridge.name)")
        }
        for (i, node) in state.nodes.enumerated() {
            try checkInterrupted()
            let process = try startMonitor(node: node, store: store, request: request, input: request.nodes[i])
            state.processes.append(process)
            try store.save(state)
            progress("\(node.name): monitor pid \(process.pid), events in \(node.monitorLog)")
        }
        let seconds = try waitForConvergence(state)
        progress("spanning tree settled in \(String(format: "%.1f", seconds)) s (no port listening or learning)")
    }

    /// The profile applied in the node's namespace by this same program's `apply` (no timed
    /// revert), with its state and lock inside the lab's directory.
    static func applyProfile(node: LabNode, store: LabStore, request: LabRequest, input: LabNodeInput) throws {
        var argv = [Command.ip, "netns", "exec", node.namespace, request.executable, "apply", request.profilePath]
        if let inventory = request.inventoryPath { argv += ["--inventory", inventory, "--node", node.name] }
        let dir = store.path("\(node.name).apply")
        argv += ["--state-dir", dir, "--json"]
        let r = try Command.labRun(argv, environment: ["XG_SCALE_LOCK_DIR": store.directory])
        guard r.status == 0 else {
            let why = r.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LabError("applying \(request.profilePath) in node \(node.name) (\(node.namespace)) failed (exit \(r.status)): \(why)")
        }
    }

    /// `xg-scale monitor --json` in the node's namespace, detached; the lab's metrics file in
    /// its arguments is what later proves the process is this lab's.
    static func startMonitor(node: LabNode, store: LabStore, request: LabRequest, input: LabNodeInput) throws -> LabProcess {
        var argv = [Command.ip, "netns", "exec", node.namespace, request.executable, "monitor", "--json",
                    "--no-local-syslog", "--topology-poll", "1", "--metrics-file", metricsFile(forNode: node.name, store)]
        argv += ["--profile", request.profilePath]
        if let inventory = request.inventoryPath { argv += ["--inventory", inventory, "--node", node.name] }
        let (pid, start) = try Command.spawnDetached(argv, log: node.monitorLog)
        return LabProcess(role: "monitor", node: node.name, pid: pid, startTime: start, log: node.monitorLog)
    }


    /// Refuse a profile the kernel cannot carry, naming the module and its CONFIG option.
    static func checkKernel(for redundancy: Redundancy) throws {
        var needed = [("bridge", "CONFIG_BRIDGE", "the switches and the nodes' bridges")]
        if redundancy == .bond { needed.append(("bonding", "CONFIG_BONDING", "this bond profile")) }
        for (module, option, why) in needed where !moduleAvailable(module) {
            var message = "this kernel (\(kernelRelease())) has no \(module) driver, which \(why) needs: module '\(module)' (\(option)) is neither loaded nor loadable (modprobe \(module) failed)."
            if module == "bonding" {
                message += " Rehearse bond profiles in the qemu bonding VM instead (Tests/VM: `sh Tests/VM/prepare.sh`, then `make test-vm`), or on a kernel built with \(option)=m."
            }
            throw LabError(message)
        }
    }

    static func moduleAvailable(_ module: String) -> Bool {
        if FileManager.default.fileExists(atPath: "/sys/module/\(module)") { return true }
        let modprobe = ["/usr/sbin/modprobe", "/sbin/modprobe"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let modprobe, let r = try? Command.labRun([modprobe, "-q", module]) else { return false }
        return r.status == 0
    }

    static func kernelRelease() -> String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The names `ip netns list` shows.
    static func existingNamespaces() throws -> [String] {
        let r = try Command.check([Command.ip, "netns", "list"])
        return r.stdoutText.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}
