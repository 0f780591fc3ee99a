import DRBD
import Foundation
import Testing
import TestSupport

/// `drbd ready`: the judgement on /proc/drbd (8.3, 8.4) and drbdsetup status --json (9) fixtures,
/// and the command as a hook runs it (exit 0 ready, 2 not ready, 1 could not tell).
@Suite struct ReadyTests {
    let dir = fixturesRoot() + "/status"
    func text(_ name: String) throws -> String { try String(contentsOfFile: dir + "/" + name, encoding: .utf8) }

    @Test func procDRBD84ParsesRolesDisksAndSkipsUnconfigured() throws {
        let p = try ProcDRBD.parse(try text("proc-drbd-84.txt"))
        #expect(p.version == "8.4.11")
        #expect(p.major == 8)
        #expect(p.minors.keys.sorted() == [0, 1, 2, 3])
        #expect(p.minors[0]! == ("WFConnection", "Primary", "Unknown", "UpToDate", "DUnknown"))
        #expect(p.minors[2]!.disk == "Inconsistent")
    }

    @Test func procDRBD83ReadsStField() throws {
        let p = try ProcDRBD.parse(try text("proc-drbd-83.txt"))
        #expect(p.version == "8.3.16")
        #expect(p.minors[0]! == ("Connected", "Primary", "Secondary", "UpToDate", "UpToDate"))
        #expect(p.minors[1]! == ("StandAlone", "Secondary", "Unknown", "Outdated", "DUnknown"))
    }

    @Test func notDRBDIsAnError() {
        #expect(throws: StatusParseError.self) { _ = try ProcDRBD.parse("hello\n") }
    }

    @Test func judgementCoversEveryReason() {
        func state(_ role: String, _ disk: String, peer: String = "Secondary") -> ResourceState {
            ResourceState(name: "r", devices: [DeviceState(volume: 0, minor: 0, role: role, disk: disk)],
                          peers: [PeerState(name: "b", role: peer, connection: "Connected")])
        }
        #expect(Readiness.judge("r", state: state("Primary", "UpToDate"), allowTwoPrimaries: false, source: "t").ready)
        let secondary = Readiness.judge("r", state: state("Secondary", "UpToDate"), allowTwoPrimaries: false, source: "t")
        #expect(!secondary.ready && secondary.reason.contains("role is Secondary"))
        let inconsistent = Readiness.judge("r", state: state("Primary", "Inconsistent"), allowTwoPrimaries: false, source: "t")
        #expect(!inconsistent.ready && inconsistent.reason.contains("Inconsistent"))
        let diskless = Readiness.judge("r", state: state("Primary", "Diskless"), allowTwoPrimaries: false, source: "t")
        #expect(!diskless.ready && diskless.reason.contains("Diskless"))
        let twoPrimaries = Readiness.judge("r", state: state("Primary", "UpToDate", peer: "Primary"), allowTwoPrimaries: false, source: "t")
        #expect(!twoPrimaries.ready && twoPrimaries.reason.contains("peer b is Primary"))
        #expect(Readiness.judge("r", state: state("Primary", "UpToDate", peer: "Primary"), allowTwoPrimaries: true, source: "t").ready)
        let down = Readiness.judge("r", state: nil, allowTwoPrimaries: false, source: "t")
        #expect(!down.ready && down.reason.contains("not up"))
        // One volume of two Secondary: not ready.
        var two = state("Primary", "UpToDate")
        two.devices.append(DeviceState(volume: 1, minor: 1, role: "Secondary", disk: "UpToDate"))
        #expect(!Readiness.judge("r", state: two, allowTwoPrimaries: false, source: "t").ready)
    }

    @Test func allowTwoPrimariesReadFromTheConfiguration() throws {
        let c = try #require(ConfigLoader.load(dir + "/drbd84.conf", from: MemoryFileSource([dir + "/drbd84.conf": try text("drbd84.conf")])).configuration)
        #expect(c.allowsTwoPrimaries("vm-dual"))
        #expect(!c.allowsTwoPrimaries("vm-web"))
        #expect(c.minors(of: "vm-sync", on: "dom0").map(\.minor) == [2])
    }

    // The command, fed the fixtures as the kernel's state.
    func ready(_ args: [String], proc: String, status: String? = nil) throws -> ProcessResult {
        var env = ["XG_SCALE_PROC_DRBD": dir + "/" + proc]
        if let status {
            let script = try tempDir() + "/drbdsetup"
            try "#!/bin/sh\n[ \"$1\" = status ] && [ \"$3\" = --json ] || exit 20\ncase \"$2\" in vm-web|vm-db|vm-mail) cat '\(dir)/\(status)';; *) echo \"$2: No such resource\" >&2; exit 10;; esac\n"
                .write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            env["XG_SCALE_DRBDSETUP"] = script
        }
        return try run(["env"] + env.map { "\($0)=\($1)" } + [xgScaleBinary(), "drbd", "ready"] + args)
    }

    @Test func drbd84CommandExitCodesAndReasons() throws {
        let conf = ["--config", dir + "/drbd84.conf", "--host", "dom0"]
        let web = try ready(["vm-web"] + conf, proc: "proc-drbd-84.txt")
        #expect(web.status == 0, "\(web.stdout)\(web.stderr)")
        #expect(web.stdout.hasPrefix("ready: vm-web"))
        let mail = try ready(["vm-mail"] + conf, proc: "proc-drbd-84.txt")
        #expect(mail.status == 2)
        #expect(mail.stdout.contains("role is Secondary") && mail.stdout.contains("(fix: drbdadm primary vm-mail"))
        let mailJSON = try ready(["vm-mail", "--json"] + conf, proc: "proc-drbd-84.txt")
        let obj = try #require(JSONSerialization.jsonObject(with: Data(mailJSON.stdout.utf8)) as? [String: Any])
        let peers = try #require(obj["peers"] as? [[String: Any]])
        #expect(peers.count == 1 && peers[0]["name"] as? String == "dom0m" && peers[0]["role"] as? String == "Primary")
        #expect(try ready(["vm-sync"] + conf, proc: "proc-drbd-84.txt").status == 2)
        #expect(try ready(["vm-dual"] + conf, proc: "proc-drbd-84.txt").status == 0)
        let down = try ready(["vm-down"] + conf, proc: "proc-drbd-84.txt")
        #expect(down.status == 2 && down.stdout.contains("not up"))
        let unknown = try ready(["nope"] + conf, proc: "proc-drbd-84.txt")
        #expect(unknown.status == 1 && unknown.stderr.contains("no resource nope"))
        let wrongHost = try ready(["vm-web", "--config", dir + "/drbd84.conf", "--host", "elsewhere"], proc: "proc-drbd-84.txt")
        #expect(wrongHost.status == 1 && wrongHost.stderr.contains("--host"))
        let noConfig = try ready(["vm-web", "--config", "/nonexistent/drbd.conf"], proc: "proc-drbd-84.txt")
        #expect(noConfig.status == 1)
    }

    @Test func drbd9CommandReadsDrbdsetupStatusJSON() throws {
        let conf = ["--config", dir + "/drbd9.conf"]
        let web = try ready(["vm-web", "--json"] + conf, proc: "proc-drbd-9.txt", status: "status-9.json")
        #expect(web.status == 0, "\(web.stdout)\(web.stderr)")
        let obj = try #require(JSONSerialization.jsonObject(with: Data(web.stdout.utf8)) as? [String: Any])
        #expect(obj["ready"] as? Bool == true)
        #expect(obj["source"] as? String == "drbdsetup status")
        #expect((obj["devices"] as? [[String: Any]])?.compactMap { $0["minor"] as? Int } == [10, 11])
        #expect((obj["peers"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["dom0m", "dom0x"])
        for key in ["resource", "reason", "role", "disk"] { #expect(obj[key] != nil, "\(key)") }
        let db = try ready(["vm-db"] + conf, proc: "proc-drbd-9.txt", status: "status-9.json")
        #expect(db.status == 2 && db.stdout.contains("peer dom0m is Primary"))
        let mail = try ready(["vm-mail"] + conf, proc: "proc-drbd-9.txt", status: "status-9.json")
        #expect(mail.status == 2 && mail.stdout.contains("Secondary"))
        let gone = try ready(["vm-gone"] + conf, proc: "proc-drbd-9.txt", status: "status-9.json")
        #expect(gone.status == 2 && gone.stdout.contains("not up"))
    }

    @Test func noModuleIsNotReady() throws {
        let r = try run(["env", "XG_SCALE_PROC_DRBD=/nonexistent/proc-drbd", xgScaleBinary(), "drbd", "ready", "vm-web", "--json"])
        #expect(r.status == 2)
        #expect(r.stdout.contains("not loaded"))
    }

    @Test func libvirtHookBlocksADomainWhoseResourceIsNotReady() throws {
        let hook = packageRoot().appendingPathComponent("contrib/libvirt-qemu-hook-drbd-ready").path
        func start(_ resource: String) throws -> ProcessResult {
            let xml = "<domain><devices><disk type='block'><source dev='/dev/drbd/by-res/\(resource)/0'/></disk></devices></domain>\n"
            return try run(["env", "XG_SCALE=\(xgScaleBinary())", "XG_DRBD_CONF=\(dir)/drbd84.conf",
                            "XG_SCALE_PROC_DRBD=\(dir)/proc-drbd-84.txt", "XG_DRBD_HOST=dom0",
                            "sh", hook, "vm1", "prepare", "begin", "-"],
                           input: xml)
        }
        #expect(try start("vm-web").status == 0)
        let blocked = try start("vm-mail")
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("not starting vm1") && blocked.stderr.contains("Secondary"))
        // Other operations pass through untouched.
        #expect(try run(["sh", hook, "vm1", "started", "begin", "-"], input: "").status == 0)
    }
}
