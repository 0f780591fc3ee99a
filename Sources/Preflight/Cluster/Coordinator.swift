// `xg-scale preflight`: phase 1 starts the node side on every node (bounded parallelism),
// which gathers facts and opens the listeners; phase 2 has every node connect to its peers,
// all at once; then every node side is ended and the answers are put together.
import DRBD
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ClusterPreflight {
    /// The one entry point: inputs checked (throws before anything runs), then the two phases.
    public static func run(_ o: ClusterOptions) throws(PreflightError) -> ClusterReport {
        signal(SIGPIPE, SIG_IGN)
        let config = try Inputs.configuration(o)
        let only = try Inputs.selection(o.resources, in: config)
        let pairs = PairDerivation.pairs(config, resources: only)
        guard !pairs.isEmpty else {
            throw PreflightError(at: config.files.first ?? o.configPath, "no resource has two hosts with addresses to connect",
                                 fix: "check the 'on HOST { address ...; }' sections, or \(o.inputs.resource)")
        }
        let nodes = PairDerivation.nodes(config, pairs: pairs, resources: only)
        let transport = try Inputs.transport(o)
        var argvs: [String: [String]] = [:]
        for n in nodes {
            do { argvs[n] = try transport.argv(for: n) } catch {
                let loc = config.resources.lazy.compactMap { r in r.hosts.first { $0.names.contains(n) }?.location }.first
                throw PreflightError(at: loc?.file ?? "", line: loc?.line ?? 0, error)
            }
        }
        let isSSH = o.execTemplate == nil
        let run = Run(config: config, pairs: pairs, nodes: nodes, argvs: argvs, timeoutMs: o.timeoutMs,
                      parallel: max(1, o.parallel), startupMs: isSSH ? 15_000 : 5_000)
        return run.execute()
    }
}

/// One run's state: sessions and facts per node, shared by the per-node threads.
final class Run: @unchecked Sendable {
    let config: Configuration, pairs: [ProbePair], nodes: [String], argvs: [String: [String]]
    let timeoutMs: Int, parallel: Int, startupMs: Int
    private let lock = NSLock()
    private var sessions: [String: NodeSession] = [:]
    private var facts: [String: NodeFacts] = [:]
    private var errors: [String: String] = [:]
    private var outcomes: [Int: ConnectOutcome] = [:]

    init(config: Configuration, pairs: [ProbePair], nodes: [String], argvs: [String: [String]],
         timeoutMs: Int, parallel: Int, startupMs: Int) {
        self.config = config; self.pairs = pairs; self.nodes = nodes; self.argvs = argvs
        self.timeoutMs = timeoutMs; self.parallel = parallel; self.startupMs = startupMs
    }

    var lifetimeMs: Int { startupMs + timeoutMs + 2 * timeoutMs + 5_000 }

    func execute() -> ClusterReport {
        phase1()
        phase2()
        let group = DispatchGroup()
        for (node, s) in lock.withLock({ sessions }) {
            // A node side that answered ends on its own once stdin closes; one that never did
            // (a hung ssh, a slow node) is ended now.
            let grace: Duration = lock.withLock { facts[node] != nil } ? .seconds(2) : .zero
            group.enter()
            Thread.detachNewThread { s.finish(grace: grace); group.leave() }
        }
        group.wait()
        return report()
    }

    private func phase1() {
        let slots = DispatchSemaphore(value: parallel)
        let group = DispatchGroup()
        for n in nodes {
            group.enter()
            Thread.detachNewThread { [self] in
                slots.wait()
                start(n)
                slots.signal()
                group.leave()
            }
        }
        group.wait()
    }

    private func start(_ node: String) {
        let s = NodeSession(node: node, argv: argvs[node]!)
        let task = NodeTask(node: node, configuration: configuration(for: node), listen: listenSpecs(node), own: ownSpecs(node),
                            lifetimeMs: lifetimeMs)
        do { try s.start() } catch {
            lock.withLock { errors[node] = "cannot start \(argvs[node]!.joined(separator: " ")): \(error)" }
            return
        }
        lock.withLock { sessions[node] = s }
        let deadline = ContinuousClock.now + .milliseconds(startupMs + timeoutMs)
        guard let data = try? JSONEncoder().encode(task), s.send(data),
              let line = s.readLine(deadline: deadline), let f = try? JSONDecoder().decode(NodeFacts.self, from: line) else {
            let why = s.failure(waitedMs: startupMs + timeoutMs)
            lock.withLock { errors[node] = why }
            return
        }
        lock.withLock { facts[node] = f }
    }

    /// The resources that name `node` (its local checks need no others).
    func configuration(for node: String) -> Configuration {
        var c = config
        c.resources = c.resources.filter { r in
            r.hosts.contains { $0.names.contains(node) || $0.kind == .floating }
                || r.connections.contains { $0.paths.contains { $0.contains { $0.name == node } } }
        }
        return c
    }

    func listenSpecs(_ node: String) -> [SocketSpec] {
        var seen = Set<SocketSpec>()
        return pairs.filter { $0.to == node }.map { SocketSpec($0.target) }.filter { seen.insert($0).inserted }
    }

    func ownSpecs(_ node: String) -> [SocketSpec] {
        var seen = Set<SocketSpec>()
        let mine = pairs.flatMap { p in [p.from == node ? p.source : nil, p.to == node ? p.target : nil].compactMap { $0 } }
        return mine.map(SocketSpec.init).filter { seen.insert($0).inserted }
    }

    private func phase2() {
        let known = lock.withLock { facts }
        var plans: [String: [ConnectSpec]] = [:]
        for (i, p) in pairs.enumerated() {
            guard known[p.from] != nil, let to = known[p.to],
                  let l = to.listeners.first(where: { $0.socket == SocketSpec(p.target) }),
                  l.state == .listening || (l.state == .drbd && l.drbdState == "LISTEN") else { continue }
            plans[p.from, default: []].append(ConnectSpec(id: i, source: SocketSpec(p.source), target: l.socket, push: l.state == .listening))
        }
        let group = DispatchGroup()
        for (node, specs) in plans {
            guard let s = lock.withLock({ sessions[node] }) else { continue }
            group.enter()
            // A thread per node: each blocks on its node's answer (the global queue's few
            // threads would serialize them).
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                let plan = ConnectPlan(connects: specs, timeoutMs: timeoutMs)
                let deadline = ContinuousClock.now + .milliseconds(2 * timeoutMs + 3_000)
                guard let data = try? JSONEncoder().encode(plan), s.send(data), let line = s.readLine(deadline: deadline),
                      let r = try? JSONDecoder().decode(NodeResults.self, from: line) else {
                    let why = s.failure(waitedMs: 2 * timeoutMs + 3_000)
                    lock.withLock { errors[node] = "no results: " + why }
                    return
                }
                lock.withLock { for o in r.outcomes { outcomes[o.id] = o } }
            }
        }
        group.wait()
    }

    private func report() -> ClusterReport {
        let (f, e, o) = lock.withLock { (facts, errors, outcomes) }
        let pairReports = pairs.enumerated().map { i, p in Verdict.pair(p, outcome: o[i], facts: f, errors: e) }
        let nodeReports = nodes.map { n in
            NodeReport(node: n, reachable: f[n] != nil && (e[n] == nil), findings: f[n]?.findings ?? [], error: e[n])
        }
        return ClusterReport(pairs: pairReports, nodes: nodeReports)
    }
}
