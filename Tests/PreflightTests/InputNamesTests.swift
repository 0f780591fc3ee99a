// The preflight engine names no command line: every error and fix that points to an input says it
// the way the caller handed in (PreflightInputNames), so another front end (an Ansible module)
// gets its own names, and the CLI, handing in its flags, prints what it always printed. No root.
import DRBD
import Foundation
import Testing
import TestSupport
@testable import Preflight

/// The preflight inputs as xg-scale's CLI hands them in (PreflightInputNames.xgScale in
/// Sources/xg-scale), for tests whose expected texts are the ones users see.
let cliSpelling = PreflightInputNames(
    drbd: InputNames(config: "--config", host: "--host", noLocal: "--no-local", hosts: "--hosts", address: "--address",
                     portRange: "--port-range", disk: "--disk", meta: "--meta", allocate: "xg-scale drbd allocate"),
    newFile: "--new", resource: "--resource", inventory: "--inventory", exec: "--exec", check: "xg-scale drbd check",
    coordinator: "xg-scale preflight")

@Suite struct PreflightInputNamesTests {
    /// Another front end's names: nothing of the CLI in them.
    static let module = PreflightInputNames(
        drbd: InputNames(config: "CONFIG_PARAM", host: "HOST_PARAM", noLocal: "NOLOCAL_PARAM", hosts: "HOSTS_PARAM",
                         address: "ADDRESS_PARAM", portRange: "PORTS_PARAM", disk: "DISK_PARAM", meta: "META_PARAM",
                         allocate: "ALLOCATE_TASK"),
        newFile: "NEW_PARAM", resource: "RESOURCE_PARAM", inventory: "INVENTORY_PARAM", exec: "EXEC_PARAM",
        check: "CHECK_TASK", coordinator: "COORDINATOR_TASK")
    static let cliWords = ["--config", "--new", "--inventory", "--exec", "--resource", "--host", "xg-scale"]

    static func scratch() throws -> String {
        let d = "/tmp/xgpfn-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Every engine text that points to an input, each with the name it must say, for `names`.
    static func texts(_ names: PreflightInputNames, in dir: String) throws -> [(text: String, name: String)] {
        let good = dir + "/drbd.conf", bad = dir + "/bad.conf", lonely = dir + "/lonely.conf"
        try "resource r0 { device minor 0; disk /dev/a; meta-disk internal;\n  on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n"
            .write(toFile: good, atomically: true, encoding: .utf8)
        try "resource r {\n  bogus;\n}\nresource { }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try "resource r0 { device minor 0; disk /dev/a; meta-disk internal;\n  on a { address 10.0.0.1:7788; } }\n"
            .write(toFile: lonely, atomically: true, encoding: .utf8)
        func options(_ config: String, _ edit: (inout ClusterOptions) -> Void = { _ in }) -> ClusterOptions {
            var o = ClusterOptions(configPath: config, selfPath: "/x")
            o.inputs = names
            edit(&o)
            return o
        }
        func refusal(_ o: ClusterOptions) throws -> String {
            try #require(throws: PreflightError.self) { _ = try ClusterPreflight.run(o) }.description
        }
        let status = packageRoot().path + "/Tests/Fixtures/drbd/status"
        let proc84 = ReadyProbe.Sources(procDRBD: status + "/proc-drbd-84.txt", drbdsetup: "/nonexistent/drbdsetup")
        func notReady(_ config: String, host: String?) throws -> String {
            "\(try #require(throws: ReadyProbeError.self) { _ = try ReadyProbe.ready("vm-web", configPath: config, host: host, inputs: names, sources: proc84) })"
        }
        return [
            (try refusal(options(dir + "/none.conf")), names.drbd.config),
            (try refusal(options(good) { $0.newFiles = [dir + "/none.res"] }), names.newFile),
            (try refusal(options(bad)), names.check + " " + names.drbd.config + " " + bad),
            (try refusal(options(lonely)), names.resource),
            (try refusal(options(good) { $0.execTemplate = " " }), names.exec),
            (try refusal(options(good) { $0.execTemplate = "ip netns exec dom0" }), names.exec),
            (try refusal(options(good) { $0.execTemplate = "sh -c '{node}'" }), names.exec),
            (try refusal(options(good) { $0.inventoryPath = dir + "/none.yaml" }), names.inventory),
            (try notReady(dir + "/none.conf", host: "dom0"), names.drbd.config + " FILE; see " + names.check),
            (try notReady(status + "/drbd84.conf", host: "elsewhere"), names.drbd.host + " NAME"),
        ]
    }

    @Test func anotherFrontEndsNamesAreSaidAndNoneOfTheCLIs() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let texts = try Self.texts(Self.module, in: dir)
        for (text, name) in texts {
            #expect(text.contains(name), "\(text)")
            for word in Self.cliWords { #expect(!text.contains(word), "\(text)") }
        }
        let plain = try Self.texts(.plain, in: dir)
        for (text, name) in plain {
            #expect(text.contains(name), "\(text)")
            for word in Self.cliWords { #expect(!text.contains(word), "\(text)") }
        }
    }

    /// The CLI's names give the texts the CLI always printed, byte for byte.
    @Test func theCLIsNamesGiveTheTextsUsersKnow() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.texts(cliSpelling, in: dir).map(\.text)
        #expect(t[0] == "\(dir)/none.conf: error: cannot read the DRBD configuration (fix: pass an existing file with --config)")
        #expect(t[1] == "\(dir)/none.res: error: cannot read the new resource file (fix: pass an existing file with --new)")
        #expect(t[2].hasPrefix("\(dir)/bad.conf:4: error: resource needs exactly one name (fix: write: resource NAME { ... }) (1") && t[2].hasSuffix(" more; 'xg-scale drbd check --config \(dir)/bad.conf' lists them all)"), "\(t[2])")
        #expect(t[3] == "\(dir)/lonely.conf: error: no resource has two hosts with addresses to connect (fix: check the 'on HOST { address ...; }' sections, or --resource)")
        #expect(t[4] == "error: --exec is empty (fix: pass a command, e.g. --exec 'ip netns exec {node}')")
        #expect(t[5] == "error: --exec 'ip netns exec dom0' has no {node} (fix: put {node} where the node's name goes, e.g. 'ip netns exec {node}')")
        #expect(t[6].hasPrefix("error: --exec 'sh -c '{node}'' contains '''"), "\(t[6])")
        #expect(t[7] == "\(dir)/none.yaml: error: cannot read the inventory (fix: pass an existing file with --inventory)")
        #expect(t[8] == "\(dir)/none.conf: cannot read a valid DRBD configuration, needed with DRBD 8.4.11 to find vm-web's minors (fix: pass --config FILE; see xg-scale drbd check)")
        #expect(t[9] == "\(status84Conf()): resource vm-web has no volume with a minor on host elsewhere (fix: pass --host NAME as in its 'on NAME' section)")
    }

    func status84Conf() -> String { packageRoot().path + "/Tests/Fixtures/drbd/status/drbd84.conf" }
}
