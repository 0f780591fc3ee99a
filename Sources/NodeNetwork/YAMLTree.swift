// The node tree the profile and inventory readers walk: what they read of a YAML node (the text
// and style of a scalar, the pairs of a mapping, the items of a list, and the place each starts)
// and nothing else.
import Yams

/// A composed YAML node as the readers see it. Lighter than `Yams.Node` (no `Tag` object and no
/// weak anchor per node, a mapping's pairs kept as composed): `FastCompose.light` builds it from
/// libyaml's events, and anything it declines is composed by Yams (every YAML error Yams'
/// words) and converted by `init(_:)`, so the readers see the same tree either way.
/// `LightTreeTests` holds the two equal.
enum YNode {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)
    /// (Yams' composer replaces an alias by the node it names: kept only to mirror `Yams.Node`.)
    case alias

    struct Scalar {
        var string: String
        var style: Node.Scalar.Style
        var mark: Mark?
    }

    /// Key and value pairs in the order written.
    struct Mapping: RandomAccessCollection {
        var pairs: [(YNode, YNode)]
        var style: Node.Mapping.Style
        var mark: Mark?

        var startIndex: Int { 0 }
        var endIndex: Int { pairs.count }
        subscript(index: Int) -> (key: YNode, value: YNode) { (pairs[index].0, pairs[index].1) }

        /// The value of the first key that is a scalar spelled `key`.
        subscript(key: String) -> YNode? {
            for pair in pairs {
                if case .scalar(let k) = pair.0, k.string == key { return pair.1 }
            }
            return nil
        }
    }

    /// Items in the order written.
    struct Sequence: RandomAccessCollection {
        var items: [YNode]
        var style: Node.Sequence.Style
        var mark: Mark?

        var startIndex: Int { 0 }
        var endIndex: Int { items.count }
        subscript(index: Int) -> YNode { items[index] }
    }

    var mark: Mark? {
        switch self {
        case .scalar(let s): return s.mark
        case .mapping(let m): return m.mark
        case .sequence(let s): return s.mark
        case .alias: return nil
        }
    }

    /// The text of a scalar (nil for other nodes).
    var string: String? {
        if case .scalar(let s) = self { return s.string }
        return nil
    }

    /// The tree Yams composed, as the readers see it.
    init(_ node: Node) {
        switch node {
        case .scalar(let s):
            self = .scalar(Scalar(string: s.string, style: s.style, mark: s.mark))
        case .mapping(let m):
            var pairs: [(YNode, YNode)] = []
            pairs.reserveCapacity(m.count)
            for pair in m { pairs.append((YNode(pair.key), YNode(pair.value))) }
            self = .mapping(Mapping(pairs: pairs, style: m.style, mark: m.mark))
        case .sequence(let s):
            self = .sequence(Sequence(items: s.map { YNode($0) }, style: s.style, mark: s.mark))
        case .alias:
            self = .alias
        }
    }
}
