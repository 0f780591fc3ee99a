// Propose the next free port, minor and meta-disk index for a new resource, and render its
// section in the configuration's dialect.

public struct AllocationRequest: Sendable {
    public var name: String
    public var hosts: [String]
    public var portRange: ClosedRange<Int> = 7788...7999
    /// Backing disk; `{name}` is replaced by the resource name. nil: derived from the existing
    /// resources when they all name their disk after the resource.
    public var disk: String?
    /// nil or "internal": internal meta-data; otherwise an external device to take an index on.
    public var meta: String?
    /// Addresses given on the command line, by host.
    public var addresses: [String: String] = [:]
    public var dialect: Dialect?
    /// How the caller names the request's inputs in an error's fix ("pass a wider --port-range").
    public var inputs: InputNames = .plain
    public init(name: String, hosts: [String]) { self.name = name; self.hosts = hosts }
}

public struct AllocatedHost: Codable, Sendable, Equatable {
    public var name: String
    public var address: String
    public var family: AddressFamily
    public var nodeID: Int?
    /// Why this address (given, the only one known, or on the other hosts' network).
    public var addressReason: String
    enum CodingKeys: String, CodingKey { case name, address, family, nodeID = "node-id", addressReason = "address-reason" }
}

public struct Allocation: Codable, Sendable, Equatable {
    public var name: String
    public var port: Int
    public var minor: Int
    public var device: String
    public var disk: String
    public var metaDisk: String
    public var metaIndex: Int?
    public var dialect: Dialect
    public var hosts: [AllocatedHost]
    public var text: String
    enum CodingKeys: String, CodingKey {
        case name, port, minor, device, disk, dialect, hosts, text
        case metaDisk = "meta-disk", metaIndex = "meta-index"
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(port, forKey: .port)
        try c.encode(minor, forKey: .minor); try c.encode(device, forKey: .device)
        try c.encode(disk, forKey: .disk); try c.encode(metaDisk, forKey: .metaDisk)
        try c.encode(metaIndex, forKey: .metaIndex); try c.encode(dialect, forKey: .dialect)
        try c.encode(hosts, forKey: .hosts); try c.encode(text, forKey: .text)
    }
}

/// A request that cannot be served, with the fix.
public struct AllocationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var fix: String
    public var description: String { "error: \(message) (fix: \(fix))" }
}

public enum Allocator {
    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } && s.unicodeScalars.allSatisfy(\.isASCII)
    }

    /// `sockets` are the listeners on this machine (a port held there is not offered).
    public static func allocate(_ req: AllocationRequest, in config: Configuration,
                                sockets: [LocalSocket] = []) throws(AllocationError) -> Allocation {
        try checkNames(req, in: config)
        let dialect = req.dialect ?? config.dialect
        if dialect < .v9 && req.hosts.count > 2 {
            throw AllocationError(message: "DRBD \(dialect.rawValue) resources have exactly two hosts, \(req.hosts.count) given",
                                  fix: "pass two hosts, or move the configuration to DRBD 9 syntax")
        }
        // Addresses: command line first, else the host's address in existing resources on the
        // network of the other hosts' chosen addresses.
        let choices = try AddressChooser.choose(hosts: req.hosts, fixed: try givenAddresses(req), in: config,
                                                 inputs: req.inputs)
        let addrs = choices.map(\.endpoint)
        let port = try freePort(req, addresses: addrs, in: config, sockets: sockets)
        let metaDev = (req.meta == nil || req.meta == "internal") ? nil : req.meta
        let used = Usage(of: req.hosts, in: config, metaDevice: metaDev)
        // Minor: free on every host, so the device has the same name everywhere.
        guard let minor = (0...dialect.maxMinor).first(where: { !used.minors.contains($0) }) else {
            throw AllocationError(message: "no free minor on these hosts", fix: "remove unused resources")
        }
        var metaIndex: Int?
        if let md = metaDev {
            if used.metaWhole {
                throw AllocationError(message: "meta device \(md) is used whole (flexible) by an existing resource",
                                      fix: "pass another \(req.inputs.meta) device or \(req.inputs.meta) internal")
            }
            metaIndex = (0...).first { !used.metaIndexes.contains($0) }
        }
        let diskPath = try backingDisk(req, in: config, metaDevice: metaDev, inUse: used.disks)
        let meta: MetaDisk = metaDev.map { .indexed($0, metaIndex!) } ?? .internal
        let hosts = req.hosts.enumerated().map { i, h in
            AllocatedHost(name: h, address: addrs[i].ip, family: addrs[i].family, nodeID: dialect == .v9 ? i : nil,
                          addressReason: choices[i].reason)
        }
        // Where the configuration offered a choice, say which address was taken and why.
        let why = req.hosts.indices.filter { choices[$0].chosen }
            .map { "# address of \(req.hosts[$0]): \(addrs[$0].ip), \(choices[$0].reason)\n" }.joined()
        let text = why + render(name: req.name, hosts: hosts, port: port, minor: minor, disk: diskPath,
                          meta: meta, dialect: dialect, commonHasProtocol: config.common.contains { $0.contains("protocol") })
        try checkRendered(text, name: req.name)
        return Allocation(name: req.name, port: port, minor: minor, device: "/dev/drbd\(minor)",
                          disk: diskPath, metaDisk: meta.description, metaIndex: metaIndex,
                          dialect: dialect, hosts: hosts, text: text)
    }

    /// Refuse a value that would not stay one word of drbd.conf: whitespace or a control
    /// character (a newline ends the statement), ';', '{', '}', quotes, '#' or '\\'. Paths must
    /// be absolute.
    static func checkWord(_ value: String, option: String, example: String, allowing keyword: String) throws(AllocationError) {
        if value == keyword { return }
        let shown = value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        var found: [String] = []
        for c in value.unicodeScalars where c.value < 0x21 || c.value == 0x7F || (0x80...0x9F).contains(c.value)
            || c.properties.isWhitespace || ";{}\"'#\\".unicodeScalars.contains(c) {
            let what = c == "\n" ? "a newline" : c == " " ? "a space" : c.value < 0x20 || c.value >= 0x7F ? "a control character"
                : c.properties.isWhitespace ? "whitespace" : "'\(c)'"
            if !found.contains(what) { found.append(what) }
        }
        if !found.isEmpty {
            let list = found.count == 1 ? found[0] : found.dropLast().joined(separator: ", ") + " and " + found.last!
            throw AllocationError(message: "\(option) '\(shown)' contains \(list), which drbd.conf would read as syntax",
                                  fix: "pass a plain device path without blanks, ';', braces, quotes or '#', e.g. \(option) \(example)")
        }
        guard value.hasPrefix("/") else {
            throw AllocationError(message: "\(option) '\(shown)' is not an absolute device path",
                                  fix: "pass e.g. \(option) \(example) (or \(option) \(keyword))")
        }
    }

    /// The printed section must read back as exactly this one resource: nothing a value carried
    /// may have added a statement.
    static func checkRendered(_ text: String, name: String) throws(AllocationError) {
        let back = ConfigLoader.load(text: text, name: "allocated.res")
        guard back.errors.isEmpty, let c = back.configuration, c.resources.map(\.name) == [name] else {
            throw AllocationError(message: "the section for \(name) does not read back as one resource",
                                  fix: "report this: a value reached drbd.conf unchecked")
        }
    }

    /// The resource section, ready for /etc/drbd.d/NAME.res.
    public static func render(name: String, hosts: [AllocatedHost], port: Int, minor: Int, disk: String,
                              meta: MetaDisk, dialect: Dialect, commonHasProtocol: Bool) -> String {
        func addr(_ h: AllocatedHost) -> String {
            h.family.isIPv6 ? "ipv6 [\(h.address)]:\(port)" : "\(dialect == .v83 ? "" : "ipv4 ")\(h.address):\(port)"
        }
        var t = "resource \(name) {\n"
        switch dialect {
        case .v83:
            if !commonHasProtocol { t += "  protocol C;\n" }
            for h in hosts {
                t += "  on \(h.name) {\n"
                t += "    device    /dev/drbd\(minor);\n"
                t += "    disk      \(disk);\n"
                t += "    address   \(addr(h));\n"
                t += "    meta-disk \(meta);\n"
                t += "  }\n"
            }
        case .v84, .v9:
            t += "  device    /dev/drbd\(minor) minor \(minor);\n"
            t += "  disk      \(disk);\n"
            t += "  meta-disk \(meta);\n"
            for h in hosts {
                t += "  on \(h.name) {\n"
                if let n = h.nodeID { t += "    node-id   \(n);\n" }
                t += "    address   \(addr(h));\n"
                t += "  }\n"
            }
            if dialect == .v9 && hosts.count > 2 {
                t += "  connection-mesh {\n    hosts \(hosts.map(\.name).joined(separator: " "));\n  }\n"
            }
        }
        return t + "}\n"
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound]; out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of s: String) -> Range<Substring.Index>? {
        guard !s.isEmpty, count >= s.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
            i = index(after: i)
        }
        return nil
    }
}
