// The DRBD core names no command line: every fix that points to an input says it the way the
// caller handed in (the CLI: its flags), and a caller that names nothing gets the core's words.
import DRBD
import Testing

@Suite struct InputNamesTests {
    static let shouting = InputNames(config: "CONFIG", host: "HOST", noLocal: "NOLOCAL", hosts: "HOSTS",
                                     address: "ADDRESS", portRange: "PORTS", disk: "DISK", meta: "META",
                                     allocate: "ALLOCATE")
    static let two = "resource r1 { device /dev/drbd1; disk /dev/vg/r1; meta-disk /dev/sdb1 [0];\n on a { address 10.0.0.1:7788; } on b { address 10.0.0.2:7788; } }\n"

    /// The allocator's refusals, each with the input its fix points to.
    func refusals(_ names: InputNames) throws -> [(AllocationError, String)] {
        let c = try config(Self.two)
        func refusal(_ edit: (inout AllocationRequest) -> Void) -> AllocationError? {
            var req = AllocationRequest(name: "new", hosts: ["a", "b"])
            req.inputs = names
            edit(&req)
            do { _ = try Allocator.allocate(req, in: c); return nil } catch { return error }
        }
        let cases: [(AllocationError?, String)] = [
            (refusal { $0.hosts = ["a"] }, names.hosts),
            (refusal { $0.addresses = ["a": "not-an-ip"] }, names.address),
            (refusal { $0.hosts = ["a", "zz"] }, names.address),
            (refusal { $0.portRange = 7788...7788 }, names.portRange),
            (refusal { $0.disk = "relative/disk" }, names.disk),
            (refusal { $0.disk = "/dev/vg/r1" }, names.disk),
            (refusal { $0.disk = "/dev/vg/{name}"; $0.meta = "/dev/x;y" }, names.meta),
        ]
        return try cases.map { (try #require($0.0, "not refused: \($0.1)"), $0.1) }
    }

    @Test func allocationFixesNameTheInputsAsTheCallerSpellsThem() throws {
        for (error, input) in try refusals(Self.shouting) {
            #expect(error.description.contains(input), "\(error)")
            #expect(!error.description.contains("--"), "\(error)")
        }
        for (error, input) in try refusals(.plain) {
            #expect(error.description.contains(input), "\(error)")
            #expect(!error.description.contains("--"), "\(error)")
        }
    }

    @Test func aGivenAddressIsSaidGivenWithTheCallersName() throws {
        var req = AllocationRequest(name: "new", hosts: ["a", "b"])
        req.addresses = ["a": "10.0.0.9"]
        req.inputs = Self.shouting
        #expect(try Allocator.allocate(req, in: config(Self.two)).hosts[0].addressReason == "given with ADDRESS")
    }

    @Test func checkFixesNameTheInputsAsTheCallerSpellsThem() throws {
        let clash = Self.two + Self.two.replacingOccurrences(of: "r1", with: "r2")
        let f = Checker.check(load(clash), options: CheckOptions(host: "zz", inputs: Self.shouting))
        let fixes = Dictionary(f.map { ($0.check, $0.fix) }, uniquingKeysWith: { a, _ in a })
        #expect(fixes[.unknownHost] == "pass HOST with one of those names, or add 'on zz { ... }' sections")
        #expect(fixes[.portConflict] == "give resource r2 a free port, e.g. with 'ALLOCATE'")
        #expect(fixes[.minorConflict] == "use a free minor, e.g. from 'ALLOCATE'")
        #expect(fixes[.metaIndexConflict] == "use a free index on /dev/sdb1, e.g. from 'ALLOCATE META /dev/sdb1'")
        #expect(!f.contains { $0.fix.contains("--") || $0.message.contains("--") }, "\(f)")
    }

    @Test func aMissingConfigurationFileIsNamedAsTheCallerSpellsIt() {
        let r = ConfigLoader.load("/etc/none.conf", from: MemoryFileSource([:]), inputs: Self.shouting)
        #expect(r.errors.map(\.fix) == ["pass an existing file with CONFIG"])
        #expect(ConfigLoader.load("/etc/none.conf", from: MemoryFileSource([:])).errors.map(\.fix)
                == ["pass an existing file with config"])
    }
}
