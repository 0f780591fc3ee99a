// The inventory: which nodes a cluster has and the values `${NAME}` takes on each.
//
//   cluster: xen1
//   vars: {gateway: 192.0.2.1}            # optional, for every node
//   nodes:
//     dom0:  {vars: {address: 192.0.2.10/24}}
//     dom0m: {vars: {address: 192.0.2.11/24}}
//
// `${node}` is the node's name and `${cluster}` the cluster's; a node's vars override `vars`.
import Yams

public struct Inventory: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var vars: [String: String]
        public var location: SourceLocation
        /// Vars whose value cannot reach a profile (Ansible inventories only): name → why, with
        /// the place. Using one in a profile is an error; other tools may still read them.
        public var refused: [String: String] = [:]
    }

    public var file: String
    public var cluster: String?
    public var vars: [String: String]
    /// In file order.
    public var nodes: [Node]
    /// Where `nodes` is written (for "no such node" errors).
    public var nodesLocation: SourceLocation
    public var format: InventoryFormat = .xgScale
    /// Ansible inventories: every group, in file order (xg-scale's format has none).
    public var groups: [InventoryGroup] = []

    static let topKeys = ["cluster", "vars", "nodes"]
    static let nodeKeys = ["vars"]
    static let reserved = ["node", "cluster"]
    /// Vars xg-scale reads as a command line (the preflight's ssh transport splits them into an
    /// argv itself). They may hold blanks, and so are never substituted into a profile.
    /// (An array: a one-name Set literal costs a first-use runtime type lookup, ~0.4 M
    /// instructions of every apply.)
    public static let commandVariables = ["ssh-command"]

    public static func isValidVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// Parse and validate an inventory; throws every problem with its line and column.
    public static func parse(text: String, file: String) throws(ProfileError) -> Inventory {
        var r = YAMLReader(file: file, variables: nil)
        let root = r.compose(text)
        return try parse(root: root, reader: r)
    }

    /// `parse(text:file:)` of a composed document (nil: empty or not YAML, with `r`'s diagnostics).
    static func parse(root: YNode?, reader: YAMLReader) throws(ProfileError) -> Inventory {
        var r = reader
        let file = r.file
        guard let root else {
            if r.diagnostics.isEmpty {
                r.error(r.startOfFile, "the inventory is empty", fix: "write 'cluster: NAME' and 'nodes: {NODE: {vars: {...}}}'")
            }
            throw ProfileError(r.diagnostics)
        }
        var inventory = Inventory(file: file, cluster: nil, vars: [:], nodes: [], nodesLocation: r.startOfFile)
        let example = "nodes: {dom0: {vars: {address: 192.0.2.10/24}}}"
        guard let top = r.mapping(root, path: nil, keys: topKeys, example: "'cluster: xen1' and '\(example)'") else {
            throw ProfileError(r.diagnostics)
        }
        var hasNodes = false
        for e in top {
            switch e.key {
            case "cluster":
                inventory.cluster = r.string(e.value, path: "cluster", example: "cluster: xen1")
            case "vars":
                inventory.vars = readVars(e.value, path: "vars", reader: &r)
            default:
                hasNodes = true
                inventory.nodesLocation = e.keyLocation
                guard let nodes = r.mapping(e.value, path: "nodes", keys: nil, example: example) else { continue }
                if nodes.isEmpty {
                    r.error(e.keyLocation, "nodes is empty", fix: "list each node: \(example)")
                }
                for n in nodes {
                    var node = Node(name: n.key, vars: [:], location: n.keyLocation)
                    if n.key.isEmpty {
                        r.error(n.keyLocation, "a node needs a name", fix: "key each node by its name, e.g. dom0")
                    } else if let why = ValueRule.problem(n.key) {
                        r.error(n.keyLocation, "nodes: the node name '\(ValueRule.shown(n.key))' cannot be used (it is ${node}): \(why)",
                                fix: ValueRule.fix)
                    }
                    if let fields = r.mapping(n.value, path: "nodes.\(n.key)", keys: nodeKeys,
                                              example: "\(n.key): {vars: {address: 192.0.2.10/24}}") {
                        for f in fields { node.vars = readVars(f.value, path: "nodes.\(n.key).vars", reader: &r) }
                    }
                    inventory.nodes.append(node)
                }
            }
        }
        if !hasNodes {
            r.error(r.startOfFile, "missing 'nodes'", fix: "add the cluster's nodes: \(example)")
        }
        if r.hasErrors { throw ProfileError(r.diagnostics) }
        return inventory
    }

    static func readVars(_ node: YNode, path: String, reader r: inout YAMLReader) -> [String: String] {
        guard let entries = r.mapping(node, path: path, keys: nil, example: "vars: {address: 192.0.2.10/24}") else { return [:] }
        var vars: [String: String] = [:]
        for e in entries {
            if !isValidVariableName(e.key) {
                r.error(e.keyLocation, "\(path): '\(e.key)' is not a valid variable name",
                        fix: "use letters, digits, '_' and '-', starting with a letter or '_'")
                continue
            }
            if reserved.contains(e.key) {
                r.error(e.keyLocation, "\(path): '\(e.key)' is set by xg-scale (the \(e.key)'s name) and cannot be defined",
                        fix: "rename the variable")
                continue
            }
            // Inventory values are literal: no substitution inside them.
            guard case .scalar(let s) = e.value, !YAMLReader.isNull(e.value) else {
                r.error(r.location(e.value), "\(path).\(e.key) must be a single value, got \(YAMLReader.describe(e.value))",
                        fix: "write one value, e.g. \(e.key): 192.0.2.10/24")
                continue
            }
            let isCommand = commandVariables.contains(e.key)
            if let why = isCommand ? ValueRule.commandProblem(s.string) : ValueRule.problem(s.string) {
                r.error(r.location(e.value), "\(path).\(e.key): the value '\(ValueRule.shown(s.string))' cannot be used: \(why)",
                        fix: isCommand ? ValueRule.commandFix : ValueRule.fix)
                continue
            }
            vars[e.key] = s.string
        }
        return vars
    }

    /// The variables of one node: `vars`, then the node's vars, plus `node` and `cluster`.
    /// An unknown node is an error at `nodes` listing the known ones.
    public func variables(forNode name: String) throws(ProfileError) -> Variables {
        guard let node = nodes.first(where: { $0.name == name }) else {
            throw ProfileError([Diagnostic(.error, at: nodesLocation, "no node '\(name)' in \(file)",
                                           fix: "use one of: \(listing(nodes.map(\.name)))")])
        }
        // The node's vars over the top-level ones (a loop, not `merging`/`filter`: each costs
        // a first-use runtime type lookup).
        var values = vars
        for (key, value) in node.vars { values[key] = value }
        for key in Self.commandVariables { values[key] = nil }
        values["node"] = node.name
        if let cluster { values["cluster"] = cluster }
        let hint = format == .ansible
            ? "the host \(name) or one of its groups in \(file), or in host_vars/\(name).yml beside it"
            : "nodes.\(name).vars (or the top-level vars) in \(file)"
        var variables = Variables(values: values, origin: "\(file) (node \(name))", defineHint: hint)
        variables.refused = node.refused
        return variables
    }
}
