import CYaml
import Yams

/// Yams.compose's node tree for the documents profiles are made of, built straight from libyaml's
/// events (Yams' own libyaml, its CYaml module): one event reused, no event objects, no
/// Foundation string decoding, duplicate keys found with one set of strings per mapping.
/// `light` builds the readers' own lighter tree (`YNode`) from the same events, with the same
/// declines.
///
/// It declines (nil) whatever it is not sure to build exactly as Yams would: a syntax error,
/// anchors and aliases, explicit tags, more than one document, a mapping whose keys are not
/// plain distinct scalars. The caller then composes with Yams, so every error text, line and
/// column stays Yams'. `FastComposeTests` holds the trees equal, mark for mark.
enum FastCompose {
    /// The tree (`.some(nil)`: an empty stream), or nil when the caller must ask Yams.
    static func compose(_ text: String, resolver: Resolver, constructor: Constructor) -> Node?? {
        events(text, YamsTree(resolver: resolver, constructor: constructor))
    }

    /// `compose` as the readers' tree: `YNode(compose(...))` when `compose` gives a tree, nil
    /// when it declines (`LightTreeTests`).
    static func light(_ text: String) -> YNode?? {
        events(text, LightTree())
    }

    static func events<B: TreeBuilder>(_ text: String, _ builder: B) -> B.Tree?? {
        guard marksCanBeMade else { return nil }
        var text = text
        return text.withUTF8 { bytes -> B.Tree?? in
            // The parser and the event live on the heap, as in Yams (libyaml's structures are
            // never moved while in use).
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            parser.initialize(to: yaml_parser_t())
            let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
            event.initialize(to: yaml_event_t())
            defer { parser.deallocate(); event.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else { return nil }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
            var events = Events(parser: parser, event: event, builder: builder)
            return events.stream()
        }
    }

    /// Mark has no public initializer: it is made from its two Ints (line, column), which this
    /// checks once; if the layout ever differs, the fast path is never taken.
    static func mark(line: Int, column: Int) -> Mark {
        unsafeBitCast((line, column), to: Mark.self)
    }

    static let marksCanBeMade: Bool = {
        guard MemoryLayout<Mark>.size == MemoryLayout<(Int, Int)>.size else { return false }
        let m = mark(line: 7, column: 11)
        return m.line == 7 && m.column == 11
    }()
}

/// What a tree is made of, as the events give it (one builder per kind of tree).
protocol TreeBuilder {
    associatedtype Tree
    /// A scalar: `quoted` when libyaml says it is a string by its quotes (Yams tags it `str`).
    func scalar(_ value: String, quoted: Bool, style: Node.Scalar.Style, mark: Mark) -> Tree
    func sequence(_ items: [Tree], style: Node.Sequence.Style, mark: Mark) -> Tree
    /// A mapping of distinct scalar keys.
    func mapping(_ pairs: [(Tree, Tree)], style: Node.Mapping.Style, mark: Mark) -> Tree
    /// The text of a key read with `scalar`; the builder leaves the key as Yams' duplicate
    /// check leaves it.
    func keyText(_ key: Tree) -> String?
}

/// Yams' own tree: tags, styles, marks as Yams.compose makes them.
struct YamsTree: TreeBuilder {
    let resolver: Resolver
    let constructor: Constructor

    func tag(_ name: Tag.Name) -> Tag { Tag(name, resolver, constructor) }

    func scalar(_ value: String, quoted: Bool, style: Node.Scalar.Style, mark: Mark) -> Node {
        .scalar(.init(value, tag(quoted ? .str : .implicit), style, mark, nil))
    }

    func sequence(_ items: [Node], style: Node.Sequence.Style, mark: Mark) -> Node {
        .sequence(.init(items, tag(.implicit), style, mark, nil))
    }

    func mapping(_ pairs: [(Node, Node)], style: Node.Mapping.Style, mark: Mark) -> Node {
        .mapping(.init(pairs, tag(.implicit), style, mark, nil))
    }

    func keyText(_ key: Node) -> String? {
        // Yams' duplicate check hashes every key, which resolves its tag (Tag is a class whose
        // name is set on first use): resolved here too, so the trees are alike.
        _ = key.tag
        return key.scalar?.string
    }
}

/// The readers' tree (`YNode`).
struct LightTree: TreeBuilder {
    func scalar(_ value: String, quoted: Bool, style: Node.Scalar.Style, mark: Mark) -> YNode {
        .scalar(YNode.Scalar(string: value, style: style, mark: mark))
    }

    func sequence(_ items: [YNode], style: Node.Sequence.Style, mark: Mark) -> YNode {
        .sequence(YNode.Sequence(items: items, style: style, mark: mark))
    }

    func mapping(_ pairs: [(YNode, YNode)], style: Node.Mapping.Style, mark: Mark) -> YNode {
        .mapping(YNode.Mapping(pairs: pairs, style: style, mark: mark))
    }

    func keyText(_ key: YNode) -> String? { key.string }
}

/// libyaml's event stream, one event at a time (the one event it fills is deleted after use).
private struct Events<B: TreeBuilder> {
    typealias Tree = B.Tree
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let e: UnsafeMutablePointer<yaml_event_t>
    let builder: B

    init(parser: UnsafeMutablePointer<yaml_parser_t>, event: UnsafeMutablePointer<yaml_event_t>, builder: B) {
        self.parser = parser; self.e = event; self.builder = builder
    }

    var event: yaml_event_t { e.pointee }

    /// The next event's type, or nil on a libyaml error. (Deleting a zeroed or deleted event is
    /// harmless: libyaml frees what it points to and zeroes it.)
    mutating func next() -> yaml_event_type_t? {
        yaml_event_delete(e)
        guard yaml_parser_parse(parser, e) == 1 else { return nil }
        return e.pointee.type
    }

    /// STREAM-START [DOCUMENT-START node DOCUMENT-END] STREAM-END, as Yams' singleRoot reads it.
    mutating func stream() -> Tree?? {
        defer { yaml_event_delete(e) }
        guard next() == YAML_STREAM_START_EVENT, let first = next() else { return nil }
        if first == YAML_STREAM_END_EVENT { return .some(nil) }
        guard first == YAML_DOCUMENT_START_EVENT, let start = next(), let root = node(start),
              next() == YAML_DOCUMENT_END_EVENT, next() == YAML_STREAM_END_EVENT else { return nil }
        return .some(root)
    }

    var startMark: Mark {
        FastCompose.mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
    }

    /// The node the current event (of type `type`) starts, or nil to decline.
    mutating func node(_ type: yaml_event_type_t) -> Tree? {
        switch type {
        case YAML_SCALAR_EVENT: return scalar()
        case YAML_SEQUENCE_START_EVENT: return sequence()
        case YAML_MAPPING_START_EVENT: return mapping()
        default: return nil   // aliases, errors
        }
    }

    mutating func scalar() -> Tree? {
        let s = event.data.scalar
        guard s.anchor == nil,
              let style = Node.Scalar.Style(rawValue: numericCast(s.style.rawValue)) else { return nil }
        let quoted: Bool
        if s.quoted_implicit == 1 { quoted = true } else if s.tag == nil { quoted = false } else { return nil }
        let value = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
        return builder.scalar(value, quoted: quoted, style: style, mark: startMark)
    }

    mutating func sequence() -> Tree? {
        let s = event.data.sequence_start
        guard s.anchor == nil, s.implicit != 0 else { return nil }
        let mark = startMark
        var nodes: [Tree] = []
        while let type = next(), type != YAML_SEQUENCE_END_EVENT {
            guard let n = node(type) else { return nil }
            nodes.append(n)
        }
        guard event.type == YAML_SEQUENCE_END_EVENT,
              // Yams reads the style from the end event (whose data is zeroed): kept as it does.
              let style = Node.Sequence.Style(rawValue: numericCast(event.data.sequence_start.style.rawValue))
        else { return nil }
        return builder.sequence(nodes, style: style, mark: mark)
    }

    mutating func mapping() -> Tree? {
        let m = event.data.mapping_start
        guard m.anchor == nil, m.implicit != 0 else { return nil }
        let mark = startMark
        var pairs: [(Tree, Tree)] = []
        pairs.reserveCapacity(4)   // (grown one by one, most mappings would allocate twice)
        var many: Set<String>?
        while let type = next(), type != YAML_MAPPING_END_EVENT {
            // Keys: plain distinct scalars (a repeated or non-scalar key goes to Yams, which
            // reports duplicates in its own words).
            guard type == YAML_SCALAR_EVENT, let key = scalar(), let text = builder.keyText(key),
                  isNew(text, among: pairs, many: &many), let valueType = next(), let value = node(valueType)
            else { return nil }
            pairs.append((key, value))
        }
        guard event.type == YAML_MAPPING_END_EVENT,
              let style = Node.Mapping.Style(rawValue: numericCast(event.data.mapping_start.style.rawValue))
        else { return nil }
        return builder.mapping(pairs, style: style, mark: mark)
    }

    /// Whether a key spelled `text` is not yet among the keys of `pairs` (the mapping so far):
    /// the few keys of most mappings are compared in place (no list or set storage made, no
    /// string hashed); from the 16th key on, a set of them all (`many`, made once) is asked.
    func isNew(_ text: String, among pairs: [(Tree, Tree)], many: inout Set<String>?) -> Bool {
        if many == nil && pairs.count < 16 {
            for pair in pairs where builder.keyText(pair.0) == text { return false }
            return true
        }
        if many == nil { many = Set(pairs.compactMap { builder.keyText($0.0) }) }
        return many!.insert(text).inserted
    }
}
