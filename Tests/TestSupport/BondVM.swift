// Shared by every test target that needs bonding: runs scenarios in the bonding VM (Tests/VM): a real Debian 6.1 kernel under qemu (TCG) with the
// bonding, bridge and veth modules, iproute2 and a static-stdlib build of xg-scale.
// Each `boot` costs one VM boot (about 6-8 s here): put several checks in one scenario.
import Foundation

public enum BondVM {
    public static let folder = packageRoot().appendingPathComponent("Tests/VM")

    /// Programs the harness needs on the host (see Tests/VM/README.md for the apt packages).
    public static let programs = ["qemu-system-x86_64", "cpio", "busybox", "apt-get", "apt-cache", "dpkg-deb",
                           "timeout", "ip", "swift"]

    /// Whether the VM tests can run: false (skip) outside CI when a program is missing; under
    /// CI=true a missing program throws, so the test fails. Root is not needed (qemu TCG).
    public static func available() throws -> Bool {
        try prerequisites(root: false, programs: programs)
    }

    /// `prepare.sh` once per test process: downloads the kernel package when not cached, rebuilds
    /// xg-scale with --static-swift-stdlib (incremental) and re-assembles the initramfs.
    private static let preparation: Result<Void, TestSupportError> = {
        do {
            let r = try run([folder.appendingPathComponent("prepare.sh").path])
            if r.status != 0 { return .failure(.commandFailed("Tests/VM/prepare.sh", r)) }
            return .success(())
        } catch {
            return .failure(.missingPrerequisite("Tests/VM/prepare.sh could not start: \(error)"))
        }
    }()

    public static func prepare() throws { try preparation.get() }

    /// Boot the VM once with `scenario` (busybox sh source) and the given files copied to the
    /// scenario's working folder. Returns the scenario's stdout, stderr and exit status.
    /// `hostRoot`: the host's / shared read-only at /host (run.sh --host-root), for tools the
    /// initramfs lacks, e.g. `chroot /host /usr/bin/python3 ...`.
    public static func boot(scenario: String, files: [URL] = [], timeout: Int = 180,
                            hostRoot: Bool = false) throws -> ProcessResult {
        try prepare()
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("xg-bondvm-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("scenario.sh")
        try scenario.write(to: script, atomically: true, encoding: .utf8)
        return try run([folder.appendingPathComponent("run.sh").path, "--timeout", String(timeout)]
                       + (hostRoot ? ["--host-root"] : []) + [script.path] + files.map(\.path))
    }

    /// Boot with one of the scenarios kept in Tests/VM/scenarios.
    public static func boot(scenarioFile name: String, files: [URL] = [], timeout: Int = 180,
                            hostRoot: Bool = false) throws -> ProcessResult {
        let text = try String(contentsOf: folder.appendingPathComponent("scenarios/\(name)"), encoding: .utf8)
        return try boot(scenario: text, files: files, timeout: timeout, hostRoot: hostRoot)
    }

    /// Split a scenario's output into its "=== NAME" sections.
    public static func sections(_ output: String) -> [String: String] {
        var result: [String: String] = [:]
        var name: String?
        var lines: [Substring] = []
        func flush() { if let name { result[name] = lines.joined(separator: "\n") } }
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("=== ") {
                flush()
                name = String(line.dropFirst(4))
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        return result
    }
}

/// What an admin reads in /proc/net/bonding/BOND.
public struct BondingProc: Equatable, Sendable {
    public struct Slave: Equatable, Sendable {
        public var name: String
        public var miiStatus: String
        public var linkFailureCount: Int?
    }
    public var mode: String = ""              // "fault-tolerance (active-backup)", "IEEE 802.3ad Dynamic link aggregation"
    public var primary: String?               // "Primary Slave: veth0 (primary_reselect always)" -> "veth0"
    public var activeSlave: String?           // nil when the line is absent (802.3ad) or says None
    public var miiStatus: String = ""
    public var miimon: Int?
    public var transmitHashPolicy: String?    // "layer3+4 (1)" -> "layer3+4"
    public var lacpRate: String?              // "fast" / "slow"
    public var slaves: [Slave] = []

    public init(_ text: String) {
        var current: Slave?
        func value(_ line: Substring, _ key: String) -> String? {
            line.hasPrefix(key + ": ") ? String(line.dropFirst(key.count + 2)).trimmingCharacters(in: .whitespaces) : nil
        }
        for line in text.split(separator: "\n") {
            if let v = value(line, "Slave Interface") {
                if let current { slaves.append(current) }
                current = Slave(name: v, miiStatus: "")
            } else if current != nil {
                if let v = value(line, "MII Status") { current!.miiStatus = v }
                if let v = value(line, "Link Failure Count") { current!.linkFailureCount = Int(v) }
            } else if let v = value(line, "Bonding Mode") {
                mode = v
            } else if let v = value(line, "Primary Slave") {
                let name = String(v.split(separator: " ").first ?? "")
                primary = name == "None" ? nil : name
            } else if let v = value(line, "Currently Active Slave") {
                activeSlave = v == "None" ? nil : v
            } else if let v = value(line, "MII Status") {
                miiStatus = v
            } else if let v = value(line, "MII Polling Interval (ms)") {
                miimon = Int(v)
            } else if let v = value(line, "Transmit Hash Policy") {
                transmitHashPolicy = String(v.split(separator: " ").first ?? "")
            } else if let v = value(line, "LACP rate") {
                lacpRate = v
            }
        }
        if let current { slaves.append(current) }
    }

    public func slave(_ name: String) -> Slave? { slaves.first { $0.name == name } }
}

/// What the host's xg-scale build offers (the VM runs a static build of the same sources).
/// A test that needs a feature calls `require`: it goes through the prerequisite mechanism, so
/// under CI=true a build without it fails the test instead of skipping it.
public enum HostCLI {
    /// `xg-scale SUBCOMMAND --help` succeeds and mentions every given option.
    public static func supports(_ subcommand: String, options: [String] = []) -> Bool {
        guard let r = try? run([xgScaleBinary(), subcommand, "--help"]), r.status == 0 else { return false }
        return options.allSatisfy { r.stdout.contains($0) }
    }
    public static var hasShowJSON: Bool { supports("show", options: ["--json"]) }
    public static var hasRender: Bool { supports("render", options: ["--format"]) }

    /// True when `xg-scale SUBCOMMAND` has every option; else throws (CI) or skips the test.
    public static func require(_ subcommand: String, options: [String] = []) throws -> Bool {
        try prerequisite(supports(subcommand, options: options),
                         "`xg-scale \(subcommand)` with \(options.joined(separator: " ")) in this build")
    }
}
