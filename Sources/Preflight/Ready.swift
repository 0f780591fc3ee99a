// The I/O of `xg-scale drbd ready`: read the kernel's view of a DRBD resource — /proc/drbd, and for
// DRBD 9 `drbdsetup status RESOURCE --json` — and hand it to the pure judgement in DRBD.
import DRBD
import SystemIO
import Foundation

/// Could not tell whether the resource is ready (exit 1): a `Diagnostic` naming what and the
/// fix, at the configuration file when it is about it; printed after the command's name, so
/// without a severity word.
public struct ReadyProbeError: Error, CustomStringConvertible {
    public var diagnostic: Diagnostic
    init(at file: String = "", _ message: String, fix: String) {
        diagnostic = Diagnostic(.error, at: SourceLocation(file: file, line: 0, column: 0), message, fix: fix)
    }
    public var description: String { diagnostic.text(severity: false) }
}

public enum ReadyProbe {
    /// Where the kernel's state is read. Tests point these at fixtures:
    /// XG_SCALE_PROC_DRBD (a file) and XG_SCALE_DRBDSETUP (a program).
    public struct Sources: Sendable {
        public var procDRBD: String
        public var drbdsetup: String
        public init(procDRBD: String = "/proc/drbd", drbdsetup: String = "drbdsetup") {
            self.procDRBD = procDRBD; self.drbdsetup = drbdsetup
        }
        public static var fromEnvironment: Sources {
            let env = ProcessInfo.processInfo.environment
            return Sources(procDRBD: env["XG_SCALE_PROC_DRBD"] ?? "/proc/drbd",
                           drbdsetup: env["XG_SCALE_DRBDSETUP"] ?? "drbdsetup")
        }
    }

    /// Is `resource` ready for a VM to start on this node (`host`, default uname -n)? `inputs`:
    /// how an error's fix names the configuration and host inputs (the CLI: its flags).
    public static func ready(_ resource: String, configPath: String, host: String?, inputs: PreflightInputNames,
                             sources: Sources = .fromEnvironment) throws -> Readiness {
        guard let procText = readFile(sources.procDRBD).map({ String(decoding: $0, as: UTF8.self) }) else {
            return Readiness.judge(resource, state: nil, allowTwoPrimaries: false, source: sources.procDRBD)
                .with(reason: "the drbd kernel module is not loaded (\(sources.procDRBD) does not exist)",
                      fix: "modprobe drbd && drbdadm up \(resource) && drbdadm primary \(resource)")
        }
        let proc: ProcDRBD
        do { proc = try ProcDRBD.parse(procText, source: sources.procDRBD) } catch {
            throw ReadyProbeError("\(error)", fix: "check that \(sources.procDRBD) is DRBD's")
        }
        let config = readConfig(configPath)
        if proc.major >= 9 {
            let state = try statusJSON(resource, drbdsetup: sources.drbdsetup)
            let two = config?.allowsTwoPrimaries(resource) ?? false
            return Readiness.judge(resource, state: state, allowTwoPrimaries: two, source: "drbdsetup status")
        }
        // 8.x: /proc/drbd lists minors only; the configuration says which are this resource's.
        guard let config else {
            throw ReadyProbeError(at: configPath, "cannot read a valid DRBD configuration, needed with DRBD \(proc.version) to find \(resource)'s minors", fix: "pass \(inputs.drbd.config) FILE; see \(inputs.check)")
        }
        guard config.resources.contains(where: { $0.name == resource }) else {
            throw ReadyProbeError(at: configPath, "no resource \(resource)", fix: "check the name; resources: \(config.resources.map(\.name).sorted().joined(separator: ", "))")
        }
        let me = host ?? LocalMachine.hostname()
        let minors = config.minors(of: resource, on: me)
        guard !minors.isEmpty else {
            throw ReadyProbeError(at: configPath, "resource \(resource) has no volume with a minor on host \(me)", fix: "pass \(inputs.drbd.host) NAME as in its 'on NAME' section")
        }
        let peer = config.resources.first { $0.name == resource }?.hosts.flatMap(\.names).filter { $0 != me }.first ?? "peer"
        return Readiness.judge(resource, state: proc.state(of: resource, minors: minors, peer: peer),
                               allowTwoPrimaries: config.allowsTwoPrimaries(resource), source: sources.procDRBD)
    }

    static func readConfig(_ path: String) -> Configuration? {
        let loaded = ConfigLoader.load(path, from: DiskFileSource())
        return loaded.errors.isEmpty ? loaded.configuration : nil
    }

    /// `drbdsetup status RESOURCE --json`; nil when the resource is not up (drbdsetup says so).
    static func statusJSON(_ resource: String, drbdsetup: String) throws -> ResourceState? {
        let run: Command.Result
        do { run = try Command.run([drbdsetup, "status", resource, "--json"], timeout: .seconds(30)) } catch {
            throw ReadyProbeError("cannot run \(drbdsetup): \(error)", fix: "install drbd-utils")
        }
        let data = Data(run.stdout), errText = run.stderrText
        if run.status != 0 {
            if errText.contains("No such resource") || errText.contains("Unknown resource") { return nil }
            let why = run.timedOut ? "did not answer within 30 s" : "exited \(run.status)"
            throw ReadyProbeError("\(drbdsetup) status \(resource) --json \(why): \(errText.split(separator: "\n").first ?? "")", fix: "run it by hand to see why")
        }
        let resources: [StatusResource]
        do { resources = try JSONDecoder().decode([StatusResource].self, from: data) } catch {
            throw ReadyProbeError("\(drbdsetup) status --json printed something that is not its JSON: \(error)", fix: "check drbd-utils' version, 9.x needed")
        }
        return resources.first { $0.name == resource }?.state
    }

    /// The fields of drbd-utils 9's `drbdsetup status --json` that the judgement needs.
    struct StatusResource: Decodable {
        struct Device: Decodable {
            var volume: Int?
            var minor: Int?
            var diskState: String?
            enum CodingKeys: String, CodingKey { case volume, minor, diskState = "disk-state" }
        }
        struct Connection: Decodable {
            var name: String?
            var peerNodeID: Int?
            var peerRole: String?
            var connectionState: String?
            enum CodingKeys: String, CodingKey {
                case name, peerNodeID = "peer-node-id", peerRole = "peer-role", connectionState = "connection-state"
            }
        }
        var name: String
        var role: String?
        var devices: [Device]?
        var connections: [Connection]?

        var state: ResourceState {
            ResourceState(
                name: name,
                devices: (devices ?? []).map {
                    DeviceState(volume: $0.volume, minor: $0.minor ?? -1, role: role ?? "Unknown", disk: $0.diskState ?? "DUnknown")
                },
                peers: (connections ?? []).map {
                    PeerState(name: $0.name ?? "node-id \($0.peerNodeID ?? -1)", role: $0.peerRole ?? "Unknown",
                              connection: $0.connectionState ?? "Unknown")
                })
        }
    }
}

extension Readiness {
    func with(reason: String, fix: String) -> Readiness {
        var r = self
        r.reason = reason
        r.fix = fix
        return r
    }
}
