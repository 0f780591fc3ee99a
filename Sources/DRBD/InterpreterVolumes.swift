// The volume parts of the interpreter: `volume N { }` sections, their device/disk/meta-disk
// fields and the inheritance specs that carry them from resource to host sections.

/// Volume number -> spec for one section: few entries, so an array beats a hashed dictionary.
struct VolumeSpecs {
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

struct VolumeSpec {
    var device: String?
    var minor: Int?
    var disk: String?
    var meta: MetaDisk?
    var deviceLoc: SourceLocation?
    var diskLoc: SourceLocation?
    var metaLoc: SourceLocation?
    var location: SourceLocation?
    var deviceWritten = false
}

extension Interpreter {
    mutating func volumeNumber(_ st: Statement) -> Int? {
        guard st.words.count == 2, let n = Int(st.words[1].text), n >= 0, n < 65536 else {
            errors.append(ConfigError(st.location, "volume needs a number from 0 to 65535",
                                      fix: "write: volume 0 { ... }"))
            return nil
        }
        return n
    }

    /// `volume N { ... }` in a resource: its fields into `volumes[N]`, its option sections checked.
    mutating func volumeSection(_ st: Statement, into volumes: inout VolumeSpecs) {
        guard let b = requireBlock(st), let n = volumeNumber(st) else { return }
        markers.insert(.v84)
        var spec = volumes[n] ?? VolumeSpec(location: st.location)
        for v in b where v.block == nil && Interpreter.isVolumeKey(v.keyword) {
            volumeField(v, into: &spec)
        }
        for v in b where v.block != nil { options.add(v, strict: false) }
        volumes[n] = spec
    }

    /// The effective volumes of one host section: the union of the volume numbers of the host
    /// (`own`) and the resource (`inherited`), host fields over resource fields. A volume left
    /// without a device on an `on` or `floating` host is an error.
    mutating func effectiveVolumes(of host: HostSection, own: VolumeSpecs, inherited volumes: VolumeSpecs,
                                   resource name: String) -> [Volume] {
        let numbers = own.isEmpty ? volumes.numbers : volumes.isEmpty ? own.numbers
            : Array(Set(volumes.numbers).union(own.numbers)).sorted()
        var out: [Volume] = []
        for n in numbers {
            let a = own[n], b = volumes[n]
            let v = Interpreter.volume(n, own: a, inherited: b)
            if v.minor == nil, a?.deviceWritten != true, b?.deviceWritten != true, host.kind == .on || host.kind == .floating {
                errors.append(ConfigError(a?.location ?? b?.location ?? host.location,
                                          "volume \(n) of resource \(name) on \(host.label) has no device",
                                          fix: "add 'device /dev/drbdN minor N;' to the resource or the host section"))
            }
            out.append(v)
        }
        return out
    }

    /// Volume `n` from the host's spec `a` over the resource's `b`: the device and minor come
    /// together from whichever names one, disk and meta-disk each from the first that has it.
    static func volume(_ n: Int, own a: VolumeSpec?, inherited b: VolumeSpec?) -> Volume {
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
        return v
    }

    mutating func volumeField(_ st: Statement, into spec: inout VolumeSpec) {
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

    mutating func bad(_ st: Statement, _ what: String, _ fix: String) {
        errors.append(ConfigError(st.location, what, fix: fix))
    }
}
