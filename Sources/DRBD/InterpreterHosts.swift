// The host parts of the interpreter: `address [FAMILY] IP:PORT` endpoints, option sections,
// `on`/`floating`/`stacked-on-top-of` host sections and `connection { host … }` blocks.

extension Interpreter {
    /// `[FAMILY] IP:PORT` from words.
    mutating func endpoint(_ words: ArraySlice<Word>, at loc: SourceLocation) -> Endpoint? {
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
        guard let (ipText, portText) = addressAndPort(w, family: family) else { return nil }
        guard let port = Int(portText), port > 0, port < 65536 else {
            errors.append(ConfigError(w.location, "port '\(portText)' is not a number from 1 to 65535",
                                      fix: "use a port such as 7788"))
            return nil
        }
        guard let ip = endpointIP(ipText, family: family, in: w) else { return nil }
        return Endpoint(family: family, ip: ip, port: port, location: loc)
    }

    /// `IP:PORT` or, for ipv6, `[IP]:PORT` split in its address and port texts.
    mutating func addressAndPort(_ w: Word, family: AddressFamily) -> (Substring, Substring)? {
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
            return (w.text[w.text.index(after: w.text.startIndex)..<close], w.text[w.text.index(close, offsetBy: 2)...])
        }
        guard let colon = w.text.lastIndex(of: ":") else {
            errors.append(ConfigError(w.location, "address '\(w.text)' has no port", fix: "write IP:PORT, e.g. 10.0.0.1:7788"))
            return nil
        }
        if family == .ipv6 {
            errors.append(ConfigError(w.location, "an IPv6 address must be written in brackets",
                                      fix: "write: address ipv6 [ADDRESS]:PORT;"))
            return nil
        }
        return (w.text[..<colon], w.text[w.text.index(after: colon)...])
    }

    /// The canonical form of the address text `ipText` of word `w`, with its IPv6 zone if any.
    mutating func endpointIP(_ ipText: Substring, family: AddressFamily, in w: Word) -> String? {
        // A link-local IPv6 address may carry its zone (`[fe80::1%eth0]`), as drbdadm 9 accepts:
        // the address part is canonicalised and the zone kept, so conflicts compare both.
        var ipText = ipText
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
        return ip
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

    mutating func hostSection(_ st: Statement, _ b: [Statement]) -> (HostSection, VolumeSpecs)? {
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

    mutating func connection(_ st: Statement, _ b: [Statement]) -> Connection {
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

    mutating func connectionHost(_ s: Statement) -> ConnectionHost? {
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
