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
    /// Read `path` (absolute) and everything it includes from `source`.
    public static func load(_ path: String, from source: any ConfigFileSource) -> LoadResult {
        var parser = SyntaxParser(source: source)
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

/// Volume number -> spec for one section: few entries, so an array beats a hashed dictionary.
private struct VolumeSpecs {
    private var entries: [(number: Int, spec: VolumeSpec)] = []
    var isEmpty: Bool { entries.isEmpty }
    /// The volume numbers, sorted.
    var numbers: [Int] { entries.map(\.number).sorted() }
    subscript(n: Int) -> VolumeSpec? {
        get {
            for e in entries where e.number == n { return e.spec }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.number == n }) {
                if let newValue { entries[i].spec = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((n, newValue))
            }
        }
    }
    subscript(n: Int, default d: @autoclosure () -> VolumeSpec) -> VolumeSpec {
        get { self[n] ?? d() }
        set { self[n] = newValue }
    }
}

private struct VolumeSpec {
    var device: String?
    var minor: Int?
    var disk: String?
    var meta: MetaDisk?
    var deviceLoc: Location?
    var diskLoc: Location?
    var metaLoc: Location?
    var location: Location?
    var deviceWritten = false
}

struct Interpreter {
    var errors: [ConfigError] = []
    private var markers: Set<Dialect> = []
    private var options = OptionCollector()

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

    private mutating func requireBlock(_ st: Statement) -> [Statement]? {
        if let b = st.block { return b }
        errors.append(ConfigError(st.location, "'\(st.keyword)' needs a { ... } section",
                                  fix: "write: \(st.keyword) ... { ... }"))
        return nil
    }

    private mutating func scanMarkers(_ b: [Statement]) {
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

    private mutating func resource(name: String, at loc: Location, _ block: [Statement]) -> Resource? {
        var r = Resource(name: name, location: loc, hosts: [], connections: [], meshes: [], options: [])
        var volumes = VolumeSpecs()
        var hostSpecs: [VolumeSpecs] = []
        for st in block {
            switch st.keyword {
            case let k where st.block == nil && Interpreter.isVolumeKey(k):
                volumeField(st, into: &volumes[0, default: VolumeSpec(location: st.location)])
            case "volume":
                guard let b = requireBlock(st), let n = volumeNumber(st) else { continue }
                markers.insert(.v84)
                var spec = volumes[n] ?? VolumeSpec(location: st.location)
                for v in b where v.block == nil && Interpreter.isVolumeKey(v.keyword) {
                    volumeField(v, into: &spec)
                }
                for v in b where v.block != nil { options.add(v, strict: false) }
                volumes[n] = spec
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
                if let b = st.block { scanMarkers(b) }
                if st.keyword == "syncer" { markers.insert(.v83) }
                if st.keyword == "options" { markers.insert(.v84) }
                r.options.append(st.text)
                options.add(st)
                Interpreter.addOptions(st, to: &r.sections)
            }
        }
        // Effective volumes per host: the union of volume numbers, host fields over resource fields.
        for i in r.hosts.indices {
            let own = hostSpecs[i]
            let numbers = own.isEmpty ? volumes.numbers : volumes.isEmpty ? own.numbers
                : Array(Set(volumes.numbers).union(own.numbers)).sorted()
            var out: [Volume] = []
            for n in numbers {
                let a = own[n], b = volumes[n]
                var v = Volume(number: n)
                if a?.device != nil || a?.minor != nil {
                    v.device = a?.device; v.minor = a?.minor; v.deviceLocation = a?.deviceLoc
                } else {
                    v.device = b?.device; v.minor = b?.minor; v.deviceLocation = b?.deviceLoc
                }
                v.disk = a?.disk ?? b?.disk
                v.diskLocation = a?.disk != nil ? a?.diskLoc : b?.diskLoc
                v.metaDisk = a?.meta ?? b?.meta
                v.metaDiskLocation = a?.meta != nil ? a?.metaLoc : b?.metaLoc
                if v.minor == nil, a?.deviceWritten != true, b?.deviceWritten != true, r.hosts[i].kind == .on || r.hosts[i].kind == .floating {
                    errors.append(ConfigError(a?.location ?? b?.location ?? r.hosts[i].location,
                                              "volume \(n) of resource \(name) on \(r.hosts[i].label) has no device",
                                              fix: "add 'device /dev/drbdN minor N;' to the resource or the host section"))
                }
                out.append(v)
            }
            r.hosts[i].volumes = out
        }
        return r
    }

    private mutating func volumeNumber(_ st: Statement) -> Int? {
        guard st.words.count == 2, let n = Int(st.words[1].text), n >= 0, n < 65536 else {
            errors.append(ConfigError(st.location, "volume needs a number from 0 to 65535",
                                      fix: "write: volume 0 { ... }"))
            return nil
        }
        return n
    }

    private mutating func volumeField(_ st: Statement, into spec: inout VolumeSpec) {
        let args = st.words.dropFirst()
        switch st.keyword {
        case "device":
            spec.deviceWritten = true
            let texts = args.map(\.text)
            var path: String?
            var minor: Int?
            if texts.count == 1 {
                path = texts[0]
            } else if texts.count == 2, texts[0] == "minor" {
                minor = Int(texts[1]); markers.insert(.v9)
                if minor == nil { bad(st, "minor must be a number", "write: device minor N;"); return }
            } else if texts.count == 3, texts[1] == "minor" {
                path = texts[0]; minor = Int(texts[2]); markers.insert(.v84)
                if minor == nil { bad(st, "minor must be a number", "write: device /dev/drbdN minor N;"); return }
            } else {
                bad(st, "device expects '/dev/drbdN', '/dev/drbdN minor N' or 'minor N'",
                    "write: device /dev/drbdN minor N;"); return
            }
            if minor == nil, let p = path {
                if p.hasPrefix("/dev/drbd"), let m = Int(p.dropFirst("/dev/drbd".count)) {
                    minor = m
                } else if p.hasPrefix("drbd"), let m = Int(p.dropFirst(4)) {
                    minor = m
                } else {
                    bad(st, "cannot tell the minor number of device '\(p)'",
                        "write: device \(p) minor N;"); return
                }
            }
            if let m = minor, m < 0 || m > (1 << 20) - 1 {
                bad(st, "minor \(m) is out of range 0..\((1 << 20) - 1)", "use a minor from 0 to \((1 << 20) - 1)"); return
            }
            spec.device = path; spec.minor = minor; spec.deviceLoc = st.location
        case "disk":
            guard args.count == 1 else { bad(st, "disk expects one device path or 'none'", "write: disk /dev/VG/LV;"); return }
            spec.disk = args.first!.text; spec.diskLoc = st.location
        case "flexible-meta-disk":
            markers.insert(.v83)
            guard args.count == 1 else { bad(st, "flexible-meta-disk expects one device", "write: flexible-meta-disk /dev/DEV;"); return }
            spec.meta = args.first!.text == "internal" ? .internal : .flexible(args.first!.text); spec.metaLoc = st.location
        default: // meta-disk
            let joined = args.count == 1 ? args.first!.text : args.map(\.text).joined(separator: " ")
            guard let m = Interpreter.parseMeta(joined) else {
                bad(st, "meta-disk expects 'internal', 'DEV' or 'DEV [INDEX]'", "write: meta-disk internal; or meta-disk /dev/DEV [0];"); return
            }
            spec.meta = m; spec.metaLoc = st.location
        }
    }

    static func isVolumeKey(_ k: String) -> Bool {
        switch k {
        case "device", "disk", "meta-disk", "flexible-meta-disk": return true
        default: return false
        }
    }

    static func parseMeta(_ s: String) -> MetaDisk? {
        if s == "internal" { return .internal }
        let t = s.trimmingWhitespace
        if t.isEmpty { return nil }
        if t == "internal" { return .internal }
        if t.hasSuffix("]"), let open = t.lastIndex(of: "[") {
            let dev = String(t[..<open]).trimmingWhitespace
            guard let idx = Int(t[t.index(after: open)..<t.index(before: t.endIndex)].trimmingWhitespace),
                  idx >= 0, !dev.isEmpty, !dev.contains(" ") else { return nil }
            return .indexed(dev, idx)
        }
        guard !t.contains(" "), !t.contains("[") else { return nil }
        return .flexible(t)
    }

    private mutating func bad(_ st: Statement, _ what: String, _ fix: String) {
        errors.append(ConfigError(st.location, what, fix: fix))
    }

    /// `[FAMILY] IP:PORT` from words.
    mutating func endpoint(_ words: ArraySlice<Word>, at loc: Location) -> Endpoint? {
        var ws = words
        var family = AddressFamily.ipv4
        if let f = ws.first, let af = AddressFamily(rawValue: f.text) {
            family = af; ws.removeFirst()
        }
        guard ws.count == 1 else {
            errors.append(ConfigError(loc, "address expects '[ipv4|ipv6|ssocks|sdp] IP:PORT'",
                                      fix: "write: address ipv4 10.0.0.1:7788; or address ipv6 [fd00::1]:7788;"))
            return nil
        }
        let w = ws[ws.startIndex]
        var ipText: Substring, portText: Substring
        if w.text.hasPrefix("[") {
            guard let close = w.text.lastIndex(of: "]"),
                  w.text[w.text.index(after: close)...].hasPrefix(":") else {
                errors.append(ConfigError(w.location, "bad IPv6 address '\(w.text)'", fix: "write: address ipv6 [fd00::1]:7788;"))
                return nil
            }
            guard family == .ipv6 else {
                errors.append(ConfigError(w.location, "an address in brackets needs the ipv6 family",
                                          fix: "write: address ipv6 \(w.text);"))
                return nil
            }
            ipText = w.text[w.text.index(after: w.text.startIndex)..<close]
            portText = w.text[w.text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = w.text.lastIndex(of: ":") else {
                errors.append(ConfigError(w.location, "address '\(w.text)' has no port", fix: "write IP:PORT, e.g. 10.0.0.1:7788"))
                return nil
            }
            if family == .ipv6 {
                errors.append(ConfigError(w.location, "an IPv6 address must be written in brackets",
                                          fix: "write: address ipv6 [ADDRESS]:PORT;"))
                return nil
            }
            ipText = w.text[..<colon]; portText = w.text[w.text.index(after: colon)...]
        }
        guard let port = Int(portText), port > 0, port < 65536 else {
            errors.append(ConfigError(w.location, "port '\(portText)' is not a number from 1 to 65535",
                                      fix: "use a port such as 7788"))
            return nil
        }
        // A link-local IPv6 address may carry its zone (`[fe80::1%eth0]`), as drbdadm 9 accepts:
        // the address part is canonicalised and the zone kept, so conflicts compare both.
        var zone = ""
        if family.isIPv6, let pct = ipText.firstIndex(of: "%") {
            zone = String(ipText[pct...]); ipText = ipText[..<pct]
            guard zone.count > 1, zone.count <= 16, !zone.dropFirst().contains(where: { $0 == "%" || $0 == "/" || $0 == ":" }) else {
                errors.append(ConfigError(w.location, "bad zone '\(zone)' in IPv6 address '\(w.text)'",
                                          fix: "write the interface name after '%', e.g. address ipv6 [fe80::1%eth0]:7788;"))
                return nil
            }
        }
        guard let ip = IPAddress.canonical(String(ipText), ipv6: family.isIPv6).map({ $0 + zone }) else {
            errors.append(ConfigError(w.location, "'\(ipText)' is not an \(family.isIPv6 ? "IPv6" : "IPv4") address",
                                      fix: family.isIPv6 ? "write: address ipv6 [fd00::1]:7788;" : "write: address 10.0.0.1:7788;"))
            return nil
        }
        return Endpoint(family: family, ip: ip, port: port, location: loc)
    }

    /// `net { max-buffers 8000; }` → sections["net"]["max-buffers"] = "8000"; `protocol C;` →
    /// sections["resource"]["protocol"] = "C". Nested blocks (proxy plugins) are not options.
    static func addOptions(_ st: Statement, to sections: inout [String: [String: String]]) {
        func value(_ s: Statement) -> String { s.arguments.isEmpty ? "yes" : s.arguments.map(\.text).joined(separator: " ") }
        guard let b = st.block else {
            sections["resource", default: [:]][st.keyword] = value(st)
            return
        }
        for o in b where o.block == nil { sections[st.keyword, default: [:]][o.keyword] = value(o) }
    }

    private mutating func hostSection(_ st: Statement, _ b: [Statement]) -> (HostSection, VolumeSpecs)? {
        var h = HostSection(kind: .on, names: [], nodeID: nil, address: nil, volumes: [], location: st.location)
        switch st.keyword {
        case "on":
            guard st.words.count >= 2 else {
                bad(st, "'on' needs a host name", "write: on HOSTNAME { ... }"); return nil
            }
            h.names = st.arguments.map(\.text)
        case "floating":
            markers.insert(.v84)
            h.kind = .floating
            guard let e = endpoint(st.words.dropFirst(), at: st.location) else { return nil }
            h.address = e
        default:
            guard st.words.count == 2 else {
                bad(st, "stacked-on-top-of needs one resource name", "write: stacked-on-top-of RESOURCE { ... }"); return nil
            }
            h.kind = .stacked(lower: st.words[1].text)
        }
        var specs = VolumeSpecs()
        for s in b {
            switch s.keyword {
            case "node-id":
                markers.insert(.v9)
                guard s.words.count == 2, let n = Int(s.words[1].text), n >= 0, n < 32 else {
                    bad(s, "node-id needs a number from 0 to 31", "write: node-id 0;"); continue
                }
                h.nodeID = n
            case "address":
                if let e = endpoint(s.words.dropFirst(), at: s.location) { h.address = e }
            case let k where s.block == nil && Interpreter.isVolumeKey(k):
                volumeField(s, into: &specs[0, default: VolumeSpec(location: s.location)])
            case "volume":
                guard let vb = requireBlock(s), let n = volumeNumber(s) else { continue }
                markers.insert(.v84)
                var spec = specs[n] ?? VolumeSpec(location: s.location)
                for v in vb where v.block == nil && Interpreter.isVolumeKey(v.keyword) {
                    volumeField(v, into: &spec)
                }
                specs[n] = spec
            default:
                if let sb = s.block { scanMarkers(sb) }
                options.add(s, strict: false)
                h.options.append(s.text)
            }
        }
        return (h, specs)
    }

    private mutating func connection(_ st: Statement, _ b: [Statement]) -> Connection {
        var c = Connection(name: st.words.count > 1 ? st.words[1].text : nil, paths: [], location: st.location)
        var implicit: [ConnectionHost] = []
        for s in b {
            if s.keyword == "host" && s.block == nil {
                if let h = connectionHost(s) { implicit.append(h) }
            } else if s.block != nil, s.keyword == "net" || s.keyword == "disk" {
                options.add(s, strict: false)
            } else if s.keyword == "path", let pb = s.block {
                c.paths.append(pb.filter { $0.keyword == "host" && $0.block == nil }.compactMap { connectionHost($0) })
            }
        }
        if !implicit.isEmpty { c.paths.insert(implicit, at: 0) }
        return c
    }

    private mutating func connectionHost(_ s: Statement) -> ConnectionHost? {
        let w = s.arguments
        guard let name = w.first?.text else { bad(s, "host needs a name", "write: host NAME address IP:PORT;"); return nil }
        var h = ConnectionHost(name: name, address: nil, port: nil, location: s.location)
        var i = 1
        while i < w.count {
            switch w[i].text {
            case "address":
                var j = i + 1
                var parts: [Word] = []
                if j < w.count, AddressFamily(rawValue: w[j].text) != nil { parts.append(w[j]); j += 1 }
                if j < w.count { parts.append(w[j]); j += 1 }
                h.address = endpoint(parts[...], at: s.location)
                i = j
            case "port":
                guard i + 1 < w.count, let p = Int(w[i + 1].text), p > 0, p < 65536 else {
                    bad(s, "port needs a number from 1 to 65535", "write: host NAME port 7788;"); return nil
                }
                h.port = p; i += 2
            default:
                i = w.count // via proxy ... : opaque
            }
        }
        return h
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
