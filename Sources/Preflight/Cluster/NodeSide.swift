// `xg-scale preflight-node`: the node side of the cluster preflight. Reads a NodeTask line on
// stdin, opens the listeners, answers NodeFacts; reads a ConnectPlan, answers NodeResults;
// ends at end of stdin or at its own deadline, whichever comes first, listeners closed.
import DRBD
import Foundation
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

public enum NodeSide {
    /// Serve one coordinator on stdin/stdout. Returns the exit status. `inputs`: how the
    /// findings' fixes and the errors name the inputs and the coordinator (the CLI: its own).
    public static func run(inputs: PreflightInputNames) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let input = LineReader(fd: 0)
        // The task must arrive promptly; the lifetime it names starts then.
        guard let line = input.next(deadline: .now + .seconds(60)),
              let task = try? JSONDecoder().decode(NodeTask.self, from: Data(line)) else {
            printErr("preflight-node: no task on stdin (it is started by '\(inputs.coordinator)')")
            return 1
        }
        let lifetime = Duration.milliseconds(max(1000, task.lifetimeMs))
        let deadline = ContinuousClock.now + lifetime
        Thread.detach {
            // Our own deadline: whatever the coordinator does, the listeners close.
            Thread.sleep(forTimeInterval: Double(lifetime.milliseconds) / 1000)
            _exit(3)
        }
        let socks = LocalMachine.sockets(ports: portRange(task), timeWait: false)
        let server = EchoServer(task.listen, sockets: socks)
        server.start()
        let facts = NodeFacts(node: task.node, hostname: LocalMachine.hostname(),
                              findings: findings(task, sockets: socks, inputs: inputs.drbd), listeners: server.statuses,
                              ruleset: nftRuleset())
        guard emit(facts) else { server.stop(); return 0 }
        guard let l = input.next(deadline: deadline), let plan = try? JSONDecoder().decode(ConnectPlan.self, from: Data(l)) else {
            server.stop()
            return 0
        }
        // From now on the end of stdin (the coordinator is done, or died) ends us at once, even
        // in the middle of the probes; until then peers may still connect to our listeners.
        let ended = DispatchSemaphore(value: 0)
        Thread.detach {
            while input.next(deadline: deadline) != nil {}
            ended.signal()
        }
        Thread.detach {
            _ = emit(NodeResults(outcomes: PairProbe.run(plan)))
        }
        ended.wait()
        server.stop()
        return 0
    }

    static func portRange(_ t: NodeTask) -> ClosedRange<Int>? {
        let ports = (t.listen + t.own).map(\.port)
        guard let lo = ports.min(), let hi = ports.max() else { return nil }
        return lo...hi
    }

    static func emit<T: Encodable>(_ value: T) -> Bool {
        guard var data = try? JSONEncoder().encode(value) else { return false }
        data.append(10)
        return (try? Files.writeAll(1, [UInt8](data), path: "stdout")) != nil
    }

    static func printErr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    /// `drbd check`'s findings for this node, and the port-ephemeral warnings.
    static func findings(_ task: NodeTask, sockets: [LocalSocket], inputs: InputNames) -> [Finding] {
        var facts = LocalFacts(addresses: LocalMachine.interfaceAddresses(), sockets: sockets,
                               sizeOf: { LocalMachine.size(of: $0) })
        let ports = Set(task.own.map(\.port))
        for i in facts.sockets.indices where ports.contains(facts.sockets[i].port) && !facts.sockets[i].isKernelSocket {
            facts.sockets[i].owner = LocalMachine.owner(ofSocketInode: facts.sockets[i].inode)
        }
        let options = CheckOptions(host: task.node, minorCount: LocalMachine.moduleMinorCount(), local: facts,
                                   inputs: inputs)
        // This node's findings, and those of the configuration as a whole (no host).
        var out = Checker.check(task.configuration, options: options).filter { $0.host == nil || $0.host == task.node }
        out += EphemeralPorts.findings(task, range: EphemeralPorts.localRange(), reserved: EphemeralPorts.reserved())
        return out
    }

    /// `nft -j list ruleset`, nil when nft is missing or fails.
    static func nftRuleset() -> String? {
        for path in ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"] where FileManager.default.isExecutableFile(atPath: path) {
            guard let run = try? Command.run([path, "-j", "list", "ruleset"], timeout: .seconds(10)) else { return nil }
            return run.status == 0 ? run.stdoutText : nil
        }
        return nil
    }
}
