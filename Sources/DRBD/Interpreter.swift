// Statement tree -> Configuration, applying drbdadm's inheritance: resource-level
// device/disk/meta-disk and `volume N {}` sections apply to every host section, which may
// override them field by field.

/// The result of reading a configuration: the model (nil after a syntax error that stops
/// parsing) and every error found.
public struct LoadResult: Sendable {
    public var configuration: Configuration?
    public var errors: [ConfigError]
}

public enum ConfigLoader {
    /// Read `path` (absolute) and everything it includes from `source`; `inputs` names the
    /// configuration file in a fix as the caller's user knows it.
    public static func load(_ path: String, from source: any ConfigFileSource, inputs: InputNames = .plain) -> LoadResult {
        var parser = SyntaxParser(source: source, inputs: inputs)
        do {
            let statements = try parser.parseMain(path)
            var interp = Interpreter()
            let config = interp.interpret(statements, files: parser.files)
            return LoadResult(configuration: config, errors: interp.errors)
        } catch {
            return LoadResult(configuration: nil, errors: [error])
        }
    }

    /// Parse text held in memory (e.g. `drbdadm dump` output) as file `name`.
    public static func load(text: String, name: String = "/dev/stdin") -> LoadResult {
        load(name, from: MemoryFileSource([name: text]))
    }
}

struct Interpreter {
    var errors: [ConfigError] = []
    var markers: Set<Dialect> = []
    var options = OptionCollector()

    mutating func interpret(_ statements: [Statement], files: [String]) -> Configuration {
        var resources: [Resource] = []
        var global: [String] = []
        var common: [String] = []
        var skipped = 0
        for st in statements {
            switch st.keyword {
            case "global":
                guard let b = requireBlock(st) else { continue }
                global += b.map(\.text)
            case "common":
                guard let b = requireBlock(st) else { continue }
                scanMarkers(b)
                common += b.map(\.text)
                for o in b { options.add(o) }
            case "skip":
                guard requireBlock(st) != nil else { continue }
                skipped += 1
            case "resource":
                guard let b = requireBlock(st) else { continue }
                guard st.words.count == 2 else {
                    errors.append(ConfigError(st.location, "resource needs exactly one name",
                                              fix: "write: resource NAME { ... }"))
                    continue
                }
                if let r = resource(name: st.words[1].text, at: st.location, b) { resources.append(r) }
            default:
                errors.append(ConfigError(st.location, "unknown top-level keyword '\(st.keyword)'",
                                          fix: "use global, common, resource, skip or include at the top level"))
            }
        }
        // Stacked sections run on the hosts of the resource below them.
        let anyStacked = resources.contains { $0.stackedOn != nil }
        let byName = anyStacked ? Dictionary(resources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) : [:]
        for i in resources.indices where anyStacked {
            for j in resources[i].hosts.indices {
                if case .stacked(let lower) = resources[i].hosts[j].kind {
                    if let low = byName[lower] {
                        resources[i].hosts[j].names = low.hosts.flatMap(\.names)
                    } else {
                        errors.append(ConfigError(resources[i].hosts[j].location,
                                                  "stacked-on-top-of names resource '\(lower)', which is not defined",
                                                  fix: "define resource \(lower) or correct the name"))
                    }
                }
            }
        }
        let dialect = markers.max() ?? .v84
        errors += options.check(dialect: markers.max())
        return Configuration(files: files, resources: resources, global: global, common: common,
                             dialect: dialect, skipped: skipped)
    }

    mutating func requireBlock(_ st: Statement) -> [Statement]? {
        if let b = st.block { return b }
        errors.append(ConfigError(st.location, "'\(st.keyword)' needs a { ... } section",
                                  fix: "write: \(st.keyword) ... { ... }"))
        return nil
    }

    mutating func scanMarkers(_ b: [Statement]) {
        for s in b {
            switch s.keyword {
            case "syncer", "flexible-meta-disk": markers.insert(.v83)
            case "resync-rate", "c-plan-ahead", "options": markers.insert(.v84)
            case "node-id", "connection", "connection-mesh", "path": markers.insert(.v9)
            default: break
            }
            if let sub = s.block { scanMarkers(sub) }
        }
    }

    mutating func resource(name: String, at loc: SourceLocation, _ block: [Statement]) -> Resource? {
        var r = Resource(name: name, location: loc, hosts: [], connections: [], meshes: [], options: [])
        var volumes = VolumeSpecs()
        var hostSpecs: [VolumeSpecs] = []
        for st in block {
            switch st.keyword {
            case let k where st.block == nil && Interpreter.isVolumeKey(k):
                volumeField(st, into: &volumes[0, default: VolumeSpec(location: st.location)])
            case "volume":
                volumeSection(st, into: &volumes)
            case "on", "floating", "stacked-on-top-of":
                // `floating ADDR;` without a section is allowed (device etc. are inherited).
                guard let b = st.keyword == "floating" && st.block == nil ? [] : requireBlock(st) else { continue }
                if let (h, specs) = hostSection(st, b) { r.hosts.append(h); hostSpecs.append(specs) }
            case "connection":
                guard let b = requireBlock(st) else { continue }
                markers.insert(.v9)
                r.connections.append(connection(st, b))
            case "connection-mesh":
                guard let b = requireBlock(st) else { continue }
                markers.insert(.v9)
                for s in b where s.keyword == "hosts" {
                    r.meshes.append(s.arguments.map(\.text))
                }
            case "skip":
                continue
            default:
                resourceOption(st, into: &r)
            }
        }
        for i in r.hosts.indices {
            r.hosts[i].volumes = effectiveVolumes(of: r.hosts[i], own: hostSpecs[i], inherited: volumes,
                                                  resource: name)
        }
        return r
    }

    /// A statement of a resource that is none of its sections: an option (or an options section).
    mutating func resourceOption(_ st: Statement, into r: inout Resource) {
        if let b = st.block { scanMarkers(b) }
        if st.keyword == "syncer" { markers.insert(.v83) }
        if st.keyword == "options" { markers.insert(.v84) }
        r.options.append(st.text)
        options.add(st)
        Interpreter.addOptions(st, to: &r.sections)
    }
}
