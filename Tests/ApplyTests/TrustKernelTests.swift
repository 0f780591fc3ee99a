// Trust nothing writable by others (issue 15, item 2) and the faults of item 4: an untrusted or
// unwritable state dir changes nothing, a planted symlink is never written through, a forged
// pending revert never makes confirm/rollback signal an unrelated process, a dead watchdog is
// reported. Root; real kernel in throwaway namespaces, a real unprivileged user via setpriv.
import Foundation
import Testing
import TestSupport
import Apply
import NodeNetwork

let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

@Suite(.serialized) struct TrustKernelTests {
    /// A state dir an unprivileged user owns (or anyone may write) is refused, naming the path
    /// and the fix, and the kernel is as before.
    @Test func anUntrustedStateDirIsRefusedAndChangesNothing() throws {
        guard try prerequisites(root: true, programs: ["ip", "setpriv"]) else { return }
        let lab = try Lab("untrusted")
        let scratch = try Scratch("untrusted")
        defer { lab.close(); scratch.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml")
        let before = try lab.kernelLinks()
        let hers = "/tmp/xga-nobody-\(getpid())-\(UUID().uuidString.prefix(8))"
        try runChecked(nobody + ["mkdir", "-m", "0700", hers])
        defer { try? FileManager.default.removeItem(atPath: hers) }
        let r = try run(["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "apply"] + args + ["--state-dir", hers])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(hers): the state directory is owned by uid 65534"), "\(r.stderr)")
        #expect(r.stderr.contains("fix: chown root"), "\(r.stderr)")
        // The default per-namespace directory under a root someone else owns.
        let d = try lab.xgDefault(["apply"] + args, root: hers + "/root")
        #expect(d.status == 1)
        #expect(d.stderr.contains("owned by uid 65534"), "\(d.stderr)")
        // Group-writable, root-owned.
        try runChecked(["chmod", "0770", scratch.path])
        let g = try run(["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "plan"] + args + ["--state-dir", scratch.path])
        #expect(g.status == 1)
        #expect(g.stderr.contains("writable by its group"), "\(g.stderr)")
        #expect(try lab.kernelLinks() == before)
    }

    /// Symlinks planted for lock, watchdog.log, owned.json and the namespace lock: refused, the
    /// files they point to keep their bytes, the kernel is as before.
    @Test func plantedSymlinksAreNeverWrittenThrough() throws {
        guard try prerequisites(root: true, programs: ["ip", "setpriv"]) else { return }
        let lab = try Lab("symlink")
        let victims = try Scratch("victims")
        defer { lab.close(); victims.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml") + ["--confirm-within", "30"]
        let before = try lab.kernelLinks()
        func victim(_ name: String) throws -> String {
            let p = victims.path + "/" + name
            try "precious \(name)\n".write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        func intact(_ p: String) -> Bool { (try? String(contentsOfFile: p, encoding: .utf8)) == "precious \((p as NSString).lastPathComponent)\n" }
        for name in ["lock", "watchdog.log", "owned.json"] {
            let target = try victim(name)
            try FileManager.default.createSymbolicLink(atPath: lab.stateDir + "/" + name, withDestinationPath: target)
            let r = try lab.xg(["apply"] + args)
            #expect(r.status == 1, "\(name): \(r.stdout)")
            #expect(r.stderr.contains("\(lab.stateDir)/\(name): the ") && r.stderr.contains("is a symbolic link"), "\(name): \(r.stderr)")
            #expect(intact(target), "\(name): the target was written")
            #expect(try lab.kernelLinks() == before, "\(name): the kernel changed")
            try FileManager.default.removeItem(atPath: lab.stateDir + "/" + name)
        }
        let nsLock = "/run/xg-scale/netns-\(lab.netnsInode).lock"
        let target = try victim("nslock")
        try? FileManager.default.removeItem(atPath: nsLock)
        try FileManager.default.createSymbolicLink(atPath: nsLock, withDestinationPath: target)
        defer { try? FileManager.default.removeItem(atPath: nsLock) }
        let r = try lab.xg(["apply"] + args)
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(nsLock): the namespace lock is a symbolic link"), "\(r.stderr)")
        #expect(intact(target))
        // An unprivileged user's state dir with her symlinks: refused before anything is opened.
        let hers = "/tmp/xga-nobody-\(getpid())-\(UUID().uuidString.prefix(8))"
        try runChecked(nobody + ["sh", "-c", "mkdir -m 0700 \(hers) && ln -s \(target) \(hers)/lock && ln -s \(target) \(hers)/watchdog.log"])
        defer { try? FileManager.default.removeItem(atPath: hers) }
        try FileManager.default.removeItem(atPath: nsLock)
        let h = try run(["ip", "netns", "exec", lab.ns.name, xgScaleBinary(), "apply"] + args + ["--state-dir", hers])
        #expect(h.status == 1)
        #expect(h.stderr.contains("owned by uid 65534"), "\(h.stderr)")
        #expect(intact(target))
        #expect(try lab.kernelLinks() == before)
    }

    /// A state that cannot be written (a full filesystem) before the change means no change:
    /// exit 1 and the kernel as before — never "applied, but cannot write owned.json".
    @Test func anUnwritableStateDirChangesNothing() throws {
        guard try prerequisites(root: true, programs: ["ip", "unshare", "mount", "dd"]) else { return }
        let lab = try Lab("full")
        let dir = try Scratch("full")
        defer { lab.close(); dir.close() }
        let before = try lab.kernelLinks()
        let script = #"mount -t tmpfs -o size=8k,mode=0755 none "$0" && dd if=/dev/zero of="$0/fill" bs=4k count=8 2>/dev/null; exec "$@""#
        let r = try run(["ip", "netns", "exec", lab.ns.name, "unshare", "-m", "sh", "-c", script, dir.path, xgScaleBinary(), "apply"]
                        + Lab.profileArgs("stp-two-switches.yaml") + ["--state-dir", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
        #expect(!r.stderr.contains("applied, but"))
        #expect(try lab.kernelLinks() == before, "the kernel changed although the state could not be written")
    }

    /// pending.json forged to name a live process that is not our watchdog (a `sleep`, with
    /// its real pid and start time), or pid -1 / 1: confirm and rollback never signal it.
    @Test func aForgedPendingRevertNeverGetsAnUnrelatedProcessKilled() throws {
        guard try prerequisites(root: true, programs: ["ip", "sleep"]) else { return }
        let lab = try Lab("forged")
        defer { lab.close() }
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sleeper.arguments = ["sleep", "60"]
        try sleeper.run()
        let pid = sleeper.processIdentifier
        defer { kill(pid, SIGKILL); sleeper.waitUntilExit() }
        #expect(try waitUntil(timeout: 5) { (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "sleep\n" })
        let start = try #require(processStartTime(pid))
        for (forgedPID, command) in [(pid, "confirm"), (pid, "rollback"), (-1, "confirm"), (1, "rollback")] {
            try forgePending(lab, pid: forgedPID, startTime: start)
            let r = try lab.xg([command])
            #expect(r.status == 0, "\(command) pid \(forgedPID): \(r.stderr)")
            #expect(r.stderr.contains("is not running"), "\(command) says the watchdog is not ours: \(r.stderr)")
            #expect(processState(pid) == "S" || processState(pid) == "R", "\(command) with pid \(forgedPID) killed the sleep")
            #expect(!FileManager.default.fileExists(atPath: lab.stateDir + "/pending.json"))
        }
    }

    /// A watchdog killed meanwhile: apply refuses saying nothing will revert, rollback still
    /// restores from the snapshot and says the watchdog was dead.
    @Test func aDeadWatchdogIsReportedAndRollbackStillWorks() throws {
        guard try prerequisites(root: true, programs: ["ip"]) else { return }
        let lab = try Lab("deadwd")
        defer { lab.close() }
        let args = Lab.profileArgs("stp-two-switches.yaml")
        let before = try lab.comparable()
        #expect(try lab.xg(["apply"] + args + ["--confirm-within", "60"]).status == 0)
        let watchdog = try #require(pendingWatchdog(lab))
        kill(watchdog, SIGKILL)
        #expect(try waitUntil(timeout: 5) { !isRunning(watchdog) })
        let again = try lab.xg(["apply"] + args)
        #expect(again.status == 1)
        #expect(again.stderr.contains("its watchdog (pid \(watchdog)) is not running"), "\(again.stderr)")
        #expect(again.stderr.contains("nothing will revert it"), "\(again.stderr)")
        let r = try lab.xg(["rollback"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("watchdog (pid \(watchdog)) is not running"), "\(r.stderr)")
        #expect(try lab.comparable() == before)
    }
}

/// Field 22 of /proc/PID/stat.
func processStartTime(_ pid: Int32) -> UInt64? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 19 ? UInt64(fields[19]) : nil
}

/// Write a pending.json whose watchdog is `pid` (claiming xg-scale as its program).
func forgePending(_ lab: Lab, pid: Int32, startTime: UInt64) throws {
    let p = PendingRevert(id: "forged", deadline: Date().timeIntervalSince1970 + 60, profile: "forged.yaml",
                          snapshot: Snapshot(state: NetworkState(interfaces: [])), created: [], ownedBefore: [])
    var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(p)) as? [String: Any] ?? [:]
    json["watchdog-pid"] = Int(pid)
    json["watchdog"] = ["pid": Int(pid), "start-time": startTime, "executable": xgScaleBinary()]
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: lab.stateDir + "/pending.json"))
}
