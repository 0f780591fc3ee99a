// Ansible inventory vars: one value as written, host ranges, and the merge per host in
// Ansible's order (see AnsibleInventory.swift).
import Yams

/// One var of an Ansible inventory. Only a single non-null value can reach a profile; a value
/// the ValueRule refuses is kept with its reason, and is an error only where a profile uses it
/// (an inventory also holds vars for other tools, such as ansible_ssh_common_args).
struct AnsibleValue: Sendable {
    var value: String?
    var location: SourceLocation
    var problem: String?

    static func readVars(_ node: YNode, path: String, reader r: inout YAMLReader) -> [String: AnsibleValue] {
        var out: [String: AnsibleValue] = [:]
        for e in r.mapping(node, path: path, keys: nil, example: "vars: {address: 192.0.2.10/24}") ?? [] {
            if !Inventory.isValidVariableName(e.key) {
                r.error(e.keyLocation, "\(path): '\(ValueRule.shown(e.key))' is not a valid variable name",
                        fix: "use letters, digits and '_', starting with a letter or '_'")
                continue
            }
            if e.key == "node" {
                r.error(e.keyLocation, "\(path): 'node' is set by xg-scale (the inventory hostname) and cannot be defined",
                        fix: "rename the variable")
                continue
            }
            var v = AnsibleValue(value: nil, location: r.location(e.value), problem: nil)
            if case .scalar(let s) = e.value, !YAMLReader.isNull(e.value) {
                v.value = s.string
                let isCommand = Inventory.commandVariables.contains(e.key)
                if let why = isCommand ? ValueRule.commandProblem(s.string) : ValueRule.problem(s.string) {
                    v.problem = "\(v.location): the value '\(ValueRule.shown(s.string))' of \(path).\(e.key) cannot be used: \(why)"
                }
            }
            out[e.key] = v
        }
        return out
    }
}

/// Ansible's host ranges: `dom[01:10]`, `dom[a:f]`, `dom[0:20:5]`, several in one name.
enum HostPattern {
    struct Invalid: Error { var reason: String }

    static func expand(_ pattern: String) throws(Invalid) -> [String] {
        guard let open = pattern.firstIndex(of: "[") else { return [pattern] }
        guard let close = pattern[open...].firstIndex(of: "]") else { throw Invalid(reason: "'[' without a closing ']'") }
        let head = String(pattern[..<open])
        let parts = pattern[pattern.index(after: open)..<close].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else { throw Invalid(reason: "a range is [START:END] or [START:END:STEP]") }
        let step = parts.count == 3 ? Int(parts[2]) : 1
        guard let step, step > 0 else { throw Invalid(reason: "the step must be a positive number") }
        let middles = try range(parts[0].isEmpty ? "0" : parts[0], parts[1], step: step)
        var out: [String] = []
        for tail in try expand(String(pattern[pattern.index(after: close)...])) {
            out += middles.map { head + $0 + tail }
        }
        return out
    }

    static func range(_ start: String, _ end: String, step: Int) throws(Invalid) -> [String] {
        if let a = Int(start), let b = Int(end) {
            guard a <= b else { throw Invalid(reason: "the range ends before it starts") }
            let width = start.hasPrefix("0") && start.count > 1 ? start.count : 0
            if width > 0 && start.count != end.count {
                throw Invalid(reason: "a zero-padded range needs START and END of the same length")
            }
            return stride(from: a, through: b, by: step).map {
                let s = String($0)
                return String(repeating: "0", count: max(0, width - s.count)) + s
            }
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        guard start.count == 1, end.count == 1, let a = letters.firstIndex(of: Character(start)),
              let b = letters.firstIndex(of: Character(end)), a <= b else {
            throw Invalid(reason: "a range is of numbers ([01:10]) or of lowercase letters ([a:f])")
        }
        return stride(from: a, through: b, by: step).map { String(letters[$0]) }
    }
}

extension AnsibleTree {
    /// Every host as a node, its vars merged in Ansible's order.
    mutating func nodes(file: String, sidecar: InventorySidecarReader,
                        listing: InventorySidecarLister) throws(ProfileError) -> [Inventory.Node] {
        group("all", at: SourceLocation(file: file, line: 1, column: 1))
        for host in hostOrder where !groups.values.contains(where: { $0.name != "all" && $0.hosts.contains(host) }) {
            if groups["ungrouped"] == nil { group("ungrouped", at: hosts[host]!.location) }
            groups["ungrouped"]!.hosts.append(host)
            if !groups["ungrouped"]!.parents.contains("all") { groups["ungrouped"]!.parents.append("all") }
            if !groups["all"]!.children.contains("ungrouped") { groups["all"]!.children.append("ungrouped") }
        }
        let depths = try self.depths()
        var files: [String: [String: AnsibleValue]] = [:]
        func fileVars(_ kind: String, _ name: String) throws(ProfileError) -> [String: AnsibleValue] {
            let key = "\(kind)/\(name)"
            if let known = files[key] { return known }
            var merged: [String: AnsibleValue] = [:]
            for (rel, text) in try Self.varsTexts(key, sidecar: sidecar, listing: listing) {
                var r = YAMLReader(file: Self.beside(file, rel), variables: nil)
                if let root = r.compose(text) { merged.merge(AnsibleValue.readVars(root, path: key, reader: &r)) { $1 } }
                if r.hasErrors { throw ProfileError(r.diagnostics) }
            }
            files[key] = merged
            return merged
        }
        var out: [Inventory.Node] = []
        for host in hostOrder {
            // Ansible's order: depth, then ansible_group_priority (default 1), then name.
            func priority(_ g: String) -> Int { groups[g]!.vars["ansible_group_priority"]?.value.flatMap { Int($0) } ?? 1 }
            let chain = ancestors(of: host).sorted { (depths[$0]!, priority($0), $0) < (depths[$1]!, priority($1), $1) }
            var vars: [String: AnsibleValue] = [:]
            for g in chain { vars.merge(groups[g]!.vars) { $1 } }
            vars.merge(try fileVars("group_vars", "all")) { $1 }
            for g in chain where g != "all" { vars.merge(try fileVars("group_vars", g)) { $1 } }
            vars.merge(hosts[host]!.vars) { $1 }
            vars.merge(try fileVars("host_vars", host)) { $1 }
            var node = Inventory.Node(name: host, vars: ["inventory_hostname": host], location: hosts[host]!.location)
            for (name, v) in vars where name != "ansible_group_priority" {
                guard let value = v.value else { continue }
                if let problem = v.problem { node.refused[name] = problem } else { node.vars[name] = value }
            }
            out.append(node)
        }
        return out
    }

    /// The groups a host is in, directly or through parents, with `all`.
    func ancestors(of host: String) -> Set<String> {
        var seen: Set<String> = ["all"]
        var todo = groups.values.filter { $0.hosts.contains(host) }.map(\.name)
        while let g = todo.popLast() {
            guard seen.insert(g).inserted else { continue }
            todo += groups[g]?.parents ?? []
        }
        return seen
    }

    /// A group's depth: `all` is 0, a child one deeper than its deepest parent (as Ansible counts).
    func depths() throws(ProfileError) -> [String: Int] {
        var depth: [String: Int] = [:]
        var visiting: Set<String> = []
        func visit(_ g: String) -> Int? {
            if let d = depth[g] { return d }
            guard visiting.insert(g).inserted else { return nil }
            var d = 0
            for p in groups[g]!.parents {
                guard let pd = visit(p) else { return nil }
                d = max(d, pd + 1)
            }
            if g != "all" && groups[g]!.parents.isEmpty { d = 1 }
            visiting.remove(g)
            depth[g] = d
            return d
        }
        for g in groupOrder where visit(g) == nil {
            throw ProfileError([Diagnostic(.error, at: groups[g]!.location, "the group '\(g)' is among its own children",
                                           fix: "remove the loop from the children: a group cannot contain itself")])
        }
        return depth
    }

    static let varsExtensions = ["", ".yml", ".yaml", ".json"]

    /// The files that hold `base`'s vars ("group_vars/web") with their text, as Ansible finds
    /// them: the first of `web`, `web.yml`, `web.yaml`, `web.json` that exists, alone; when it
    /// is a folder, its files (no extension or one of those; not hidden, not `~` backups) in name
    /// order, subfolders included.
    static func varsTexts(_ base: String, sidecar: InventorySidecarReader,
                          listing: InventorySidecarLister) throws(ProfileError) -> [(String, String)] {
        func walk(_ dir: String, _ entries: [String], depth: Int) throws(ProfileError) -> [(String, String)] {
            var out: [(String, String)] = []
            for name in entries.sorted() where !name.hasPrefix(".") && !name.hasSuffix("~") {
                let path = dir + "/" + name
                let ext = name.lastIndex(of: ".").map { String(name[$0...]) } ?? ""
                if let sub = listing(path) {
                    if ext.isEmpty && depth < 8 { out += try walk(path, sub, depth: depth + 1) }
                } else if varsExtensions.contains(ext), let text = try sidecar(path) {
                    out.append((path, text))
                }
            }
            return out
        }
        for ext in varsExtensions {
            let path = base + ext
            if let entries = listing(path) { return try walk(path, entries, depth: 0) }
            if let text = try sidecar(path) { return [(path, text)] }
        }
        return []
    }

    /// `rel` in the folder of `file`, as a path to show.
    static func beside(_ file: String, _ rel: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return rel }
        return String(file[...slash]) + rel
    }
}
