// `xg-scale lab up`: resolve the profile and inventory, load the profile per node, build.
import ArgumentParser
import Foundation
import Lab
import NodeNetwork
import SystemIO

extension XGScale {
    struct LabUp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up",
            abstract: "Build the two-switch lab in network namespaces, apply PROFILE on every node, start the monitors.",
            discussion: """
                Topology (namespaces xgl-LAB-sw1, xgl-LAB-sw2, xgl-LAB-NODE, xgl-LAB-NODE-vm):
                  switch1, switch2   a bridge br0 with kernel STP in each; linked by the veth 'isl'
                  NODE               one uplink to each switch, named as the profile names them \
                (switch ends nKuJ); a heartbeat veth hbK to the next node on 203.0.113.0/30 pairs; \
                the profile applied by `xg-scale apply` run in the namespace
                  NODE-vm            eth0 with 198.51.100.K/24; its peer vifD.0 is a port of the \
                profile's bridge, as a guest's vif would be
                Nodes are the inventory's, in order (default 2). The node's host addresses come \
                from the profile and inventory, as on the real node.

                STP: switch1 is the root (priority 4096, switch2 8192; 0 and 1 when the profile's \
                bridge priority is 8192 or lower). Both switches run the profile's timers \
                (forward-delay, hello-time, max-age): in STP every bridge uses the timers the \
                root announces in its BPDUs, so the root's timers rule the whole tree; a switch \
                with kernel defaults would make the profile's timers void. A profile without \
                bridge.stp (a bond) gets forward-delay 4, hello-time 1, max-age 6 on the switches.

                Apply: each node runs this same program as `ip netns exec NS xg-scale apply \
                PROFILE --inventory F --node NODE --state-dir LABDIR/NODE.apply --json` (no \
                timed revert; lock under LABDIR). A separate process inside the namespace puts \
                every thread of it there, and exercises exactly the `apply` users run.

                Monitors: `xg-scale monitor --json --profile … --metrics-file LABDIR/NODE.prom` \
                per node, detached (own session), its JSON lines in LABDIR/NODE.monitor.jsonl; \
                pid and start time are recorded before it counts as started. Then `lab up` \
                waits until no bridge port of a switch or node is listening or learning (polled; \
                at most 2 x forward-delay + max-age + 10 s) and says how long the tree took.

                Defaults: --profile stp-two-switches.yaml and --inventory inventory.yaml, looked \
                for in ./profiles/, in profiles/ above this executable (a source tree), then in \
                /usr/share/doc/xg-scale/examples/ (the Debian package). Without any inventory \
                the nodes are node1, node2, … and the profile must need no variables.

                State: LABDIR = $XG_SCALE_LAB_ROOT/LAB (default /run/xg-scale/lab/LAB), owned by \
                root, mode 0700; state.json lists every namespace before it is created.

                Refused, exit 1, nothing left behind: not root; the name is taken (its directory \
                or namespaces exist); the profile or inventory is invalid (the loader's \
                file:line error); the inventory has fewer nodes than --nodes; the kernel lacks \
                what the profile needs (a bond profile without the bonding driver names module \
                'bonding' / CONFIG_BONDING and the qemu VM harness, Tests/VM). A failure halfway \
                removes what was made, as `lab down` would, and exits 1; so does SIGINT, SIGTERM \
                or SIGHUP. After a kill -9, `xg-scale lab down --name LAB` removes it all.

                --json prints the lab's record (state.json) when it is up.

                Exit status: 0 the lab is up, 1 refused or failed (nothing left behind).
                """)

        @OptionGroup var lab: LabName

        @Option(help: ArgumentHelp("The profile applied on every node (default: the shipped stp-two-switches.yaml).", valueName: "profile"))
        var profile: String?

        @Option(help: ArgumentHelp("The inventory naming the nodes and their variables (default: the shipped inventory.yaml).", valueName: "file"))
        var inventory: String?

        @Option(help: ArgumentHelp("How many nodes (the inventory's first N).", valueName: "n"))
        var nodes = 2

        @Flag(help: "Print the lab's record as JSON once it is up.")
        var json = false

        func validate() throws {
            guard (1...LabLayout.maxNodes).contains(nodes) else {
                throw ValidationError("--nodes must be between 1 and \(LabLayout.maxNodes) (got \(nodes))")
            }
        }

        func run() throws {
            let store = try lab.store()
            do { try LabEngine.requireRoot("lab up", "it creates network namespaces") } catch { throw labFail("\(error)", "lab up") }
            guard let profilePath = profile.map(absolute) ?? shipped("stp-two-switches.yaml") else {
                throw labFail("no shipped profile stp-two-switches.yaml found (looked in ./profiles, profiles/ above this program, /usr/share/doc/xg-scale/examples): pass --profile FILE", "lab up")
            }
            let inventoryPath = inventory.map(absolute) ?? shipped("inventory.yaml")
            let inputs = try loadNodes(profilePath: profilePath, inventoryPath: inventoryPath)
            let request = LabRequest(profilePath: profilePath, inventoryPath: inventoryPath, nodes: inputs,
                                     executable: selfPath())
            let state: LabState
            do {
                state = try LabEngine.up(store: store, request: request, progress: { if !json { print($0) } })
            } catch {
                throw labFail("\(error)", "lab up")
            }
            if json { print(try JSONOutput.string(state), terminator: "") } else {
                print("lab '\(state.name)' is up: \(state.nodes.map(\.name).joined(separator: ", ")) on switch1/switch2 (state \(store.statePath))")
                print("next: xg-scale lab status --name \(state.name); xg-scale lab down --name \(state.name)")
            }
        }

        /// Each node's profile with its inventory variables, or exit 1 with the loader's errors.
        func loadNodes(profilePath: String, inventoryPath: String?) throws -> [LabNodeInput] {
            do {
                let text = try readFile(profilePath, what: "profile")
                let inv = try inventoryPath.map { try readInventory($0, format: nil) }
                let names = inv.map { $0.nodes.map(\.name) } ?? (1...nodes).map { "node\($0)" }
                guard names.count >= nodes else {
                    throw labFail("the inventory \(inventoryPath ?? "") lists \(names.count) node\(names.count == 1 ? "" : "s"), fewer than --nodes \(nodes): add nodes to it or lower --nodes; nothing was built", "lab up")
                }
                return try names.prefix(nodes).map { name in
                    let loaded = try ProfileLoader.load(text: text, file: profilePath, variables: try inv?.variables(forNode: name))
                    return LabNodeInput(name: name, profile: loaded.profile)
                }
            } catch let error as ProfileError {
                printDiagnostics(error.diagnostics)
                throw labFail("the profile or inventory is not valid; nothing was built", "lab up")
            }
        }

        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        }

        /// A shipped example: ./profiles/, profiles/ above this executable, the package's examples.
        func shipped(_ file: String) -> String? {
            var candidates = [FileManager.default.currentDirectoryPath + "/profiles/" + file]
            var dir = URL(fileURLWithPath: selfPath()).deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(dir.appendingPathComponent("profiles/" + file).path)
                dir.deleteLastPathComponent()
            }
            candidates.append("/usr/share/doc/xg-scale/examples/" + file)
            return candidates.first { FileManager.default.fileExists(atPath: $0) }
        }
    }
}

/// This program's path (/proc/self/exe), run again inside the lab's namespaces.
func selfPath() -> String {
    Processes.executable(of: "/proc/self/exe") ?? CommandLine.arguments[0]
}
