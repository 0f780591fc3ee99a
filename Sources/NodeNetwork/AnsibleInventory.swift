// An Ansible YAML inventory read as an xg-scale inventory: the admin's fleet described once.
//
//   all:
//     vars: {gateway: 192.0.2.1}
//     children:
//       xen:
//         hosts:
//           dom0:  {address: 192.0.2.10/24}
//           dom0m: {address: 192.0.2.11/24, ansible_host: 198.51.100.7}
//
// Every host is a node (its inventory hostname is `${node}` and --node); its vars are merged as
// Ansible merges them: the groups' vars from the inventory file, `all` first, then by group depth
// and, at one depth, by name; then group_vars/all, then group_vars/GROUP files in the same order;
// then the host's own vars, then host_vars/HOST. `ansible-inventory -i FILE --list` is the oracle.
import Yams

/// Which inventory format a file is written in.
public enum InventoryFormat: String, Sendable, CaseIterable {
    case xgScale = "xg-scale"
    case ansible
}

/// Reads the file beside the inventory at a relative path ("group_vars/web.yml"): its text, or nil
/// when there is no such file. The engine side does the I/O; the core stays pure.
public typealias InventorySidecarReader = (String) throws(ProfileError) -> String?

/// Lists the folder beside the inventory at a relative path ("group_vars/web"): its entry names,
/// or nil when it is not a folder.
public typealias InventorySidecarLister = (String) -> [String]?

/// One group of an Ansible inventory: the hosts listed directly in it and its child groups.
public struct InventoryGroup: Sendable, Equatable {
    public var name: String
    public var hosts: [String]
    public var children: [String]
}

extension Inventory {
    static let ansibleGroupKeys = ["hosts", "children", "vars"]

    /// Ansible when the top level names `all`, or a group written with hosts/children/vars;
    /// otherwise xg-scale's format (whose reader then explains any problem).
    public static func detectFormat(text: String) -> InventoryFormat {
        detectFormat(root: (try? Yams.compose(yaml: text, .basic, Constructor([:], [:], [:]), .utf8)).map { YNode($0) })
    }

    /// `detectFormat(text:)` of a composed document (nil: empty or not YAML).
    static func detectFormat(root: YNode?) -> InventoryFormat {
        guard let root, case .mapping(let top) = root else { return .xgScale }
        for (key, value) in top {
            guard case .scalar(let k) = key else { continue }
            if ["cluster", "nodes"].contains(k.string) { return .xgScale }
            if k.string == "all" { return .ansible }
            if case .mapping(let group) = value,
               group.contains(where: { ansibleGroupKeys.contains($0.key.string ?? "") }) { return .ansible }
        }
        return .xgScale
    }

    /// Parse an inventory in `format` (nil: detected). `sidecar` reads and `listing` lists
    /// host_vars/ and group_vars/ beside an Ansible inventory.
    public static func parse(text: String, file: String, format: InventoryFormat?,
                             sidecar: InventorySidecarReader = { _ throws(ProfileError) in nil },
                             listing: InventorySidecarLister = { _ in nil }) throws(ProfileError) -> Inventory {
        // The text is composed once, for the format and for the reader.
        var reader = YAMLReader(file: file, variables: nil)
        let root = reader.compose(text)
        switch format ?? detectFormat(root: root) {
        case .xgScale: return try parse(root: root, reader: reader)
        case .ansible: return try parseAnsible(root: root, reader: reader, sidecar: sidecar, listing: listing)
        }
    }

    static func parseAnsible(root: YNode?, reader: YAMLReader, sidecar: InventorySidecarReader,
                             listing: InventorySidecarLister) throws(ProfileError) -> Inventory {
        var r = reader
        let file = r.file
        guard let root else {
            if r.diagnostics.isEmpty {
                r.error(r.startOfFile, "the inventory is empty", fix: "write 'all:' with 'hosts:' (an Ansible YAML inventory)")
            }
            throw ProfileError(r.diagnostics)
        }
        var tree = AnsibleTree()
        let example = "all: {hosts: {dom0: {address: 192.0.2.10/24}}}"
        if let top = r.mapping(root, path: nil, keys: nil, example: example) {
            for e in top {
                tree.readGroup(e.key, at: e.keyLocation, e.value, parent: e.key == "all" ? nil : "all", reader: &r)
            }
        }
        if r.hasErrors { throw ProfileError(r.diagnostics) }
        var inventory = Inventory(file: file, cluster: nil, vars: [:], nodes: [], nodesLocation: r.startOfFile)
        inventory.format = .ansible
        var diagnostics = r.diagnostics
        do {
            inventory.nodes = try tree.nodes(file: file, sidecar: sidecar, listing: listing)
        } catch {
            diagnostics += error.diagnostics
        }
        if inventory.nodes.isEmpty && diagnostics.isEmpty {
            diagnostics.append(Diagnostic(.error, at: r.startOfFile, "the inventory lists no host",
                                          fix: "list the nodes under a group's hosts: \(example)"))
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ProfileError(diagnostics) }
        inventory.groups = tree.groupOrder.compactMap { tree.groups[$0] }.map {
            InventoryGroup(name: $0.name, hosts: $0.hosts, children: $0.children)
        }
        return inventory
    }
}

/// The groups and hosts as written, before vars are merged.
struct AnsibleTree {
    struct Group {
        var name: String
        var location: SourceLocation
        var hosts: [String] = []
        var children: [String] = []
        var parents: [String] = []
        var vars: [String: AnsibleValue] = [:]
    }

    var groups: [String: Group] = [:]
    var groupOrder: [String] = []
    /// Host name → (where it is first written, its vars in the inventory file).
    var hosts: [String: (location: SourceLocation, vars: [String: AnsibleValue])] = [:]
    var hostOrder: [String] = []

    mutating func group(_ name: String, at location: SourceLocation) {
        if groups[name] == nil {
            groups[name] = Group(name: name, location: location)
            groupOrder.append(name)
        }
    }

    mutating func readGroup(_ name: String, at location: SourceLocation, _ node: YNode, parent: String?,
                            reader r: inout YAMLReader) {
        if let why = Self.groupNameProblem(name) {
            r.error(location, "the group name '\(ValueRule.shown(name))' cannot be used: \(why)",
                    fix: "name groups with letters, digits and '_' (as Ansible does)")
            return
        }
        group(name, at: location)
        if let parent, parent != name {
            group(parent, at: location)
            if !groups[parent]!.children.contains(name) { groups[parent]!.children.append(name) }
            if !groups[name]!.parents.contains(parent) { groups[name]!.parents.append(parent) }
        }
        let example = "\(name): {hosts: {dom0: {address: 192.0.2.10/24}}, vars: {...}, children: {...}}"
        guard let fields = r.mapping(node, path: name, keys: Inventory.ansibleGroupKeys, example: example) else { return }
        for f in fields {
            switch f.key {
            case "vars":
                groups[name]!.vars.merge(AnsibleValue.readVars(f.value, path: "\(name).vars", reader: &r)) { $1 }
            case "children":
                for c in r.mapping(f.value, path: "\(name).children", keys: nil, example: "children: {web: {hosts: {...}}}") ?? [] {
                    readGroup(c.key, at: c.keyLocation, c.value, parent: name, reader: &r)
                }
            default:
                readHosts(f.value, group: name, reader: &r)
            }
        }
    }

    mutating func readHosts(_ node: YNode, group name: String, reader r: inout YAMLReader) {
        let entries = r.mapping(node, path: "\(name).hosts", keys: nil, example: "hosts: {dom0: {address: 192.0.2.10/24}}") ?? []
        for h in entries {
            let expanded: [String]
            do { expanded = try HostPattern.expand(h.key) } catch {
                r.error(h.keyLocation, "\(name).hosts: the host pattern '\(ValueRule.shown(h.key))' is invalid: \(error.reason)",
                        fix: "write a host name, or a range such as dom[01:10] or dom[a:f]")
                continue
            }
            let vars = AnsibleValue.readVars(h.value, path: "\(name).hosts.\(h.key)", reader: &r)
            for host in expanded {
                if host.isEmpty || ValueRule.problem(host) != nil {
                    r.error(h.keyLocation, "\(name).hosts: the host name '\(ValueRule.shown(host))' cannot be used (it is ${node}): "
                            + (ValueRule.problem(host) ?? "it is empty"), fix: ValueRule.fix)
                    continue
                }
                if hosts[host] == nil { hosts[host] = (h.keyLocation, [:]); hostOrder.append(host) }
                hosts[host]!.vars.merge(vars) { $1 }
                if !groups[name]!.hosts.contains(host) { groups[name]!.hosts.append(host) }
            }
        }
    }

    static func groupNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        return ValueRule.problem(name)
    }
}
