/// Link names by ifindex, as one dump found them: what indexes in link attributes (master, veth
/// peer, bond primary) resolve through. Kept sorted by index and searched by halving: no
/// hashing, and no generic dictionary for the runtime to instantiate (a `[Int: String]` costs
/// ~0.4 M instructions of metadata and conformance lookups on first use in a process).
struct LinkNames: ExpressibleByDictionaryLiteral {
    private var indexes: [Int] = []
    private var names: [String] = []

    init() {}

    /// The names of `links` (the first of an index wins).
    init(_ links: [LinkRecord]) {
        indexes.reserveCapacity(links.count)
        names.reserveCapacity(links.count)
        // A dump sorted by index (LinkReader's) is taken as it is; anything else inserted in order.
        // (By index, reading two fields: `for link in links` copies every whole record.)
        for i in links.indices {
            let index = links[i].index
            if let last = indexes.last, last >= index {
                if self[index] == nil { self[index] = links[i].name }
            } else {
                indexes.append(index)
                names.append(links[i].name)
            }
        }
    }

    init(dictionaryLiteral elements: (Int, String)...) {
        for (index, name) in elements where self[index] == nil { self[index] = name }
    }

    /// Where `index` is, or would be inserted.
    private func position(_ index: Int) -> Int {
        var low = 0, high = indexes.count
        while low < high {
            let middle = (low + high) / 2
            if indexes[middle] < index { low = middle + 1 } else { high = middle }
        }
        return low
    }

    subscript(index: Int) -> String? {
        get {
            let p = position(index)
            return p < indexes.count && indexes[p] == index ? names[p] : nil
        }
        set {
            let p = position(index)
            let found = p < indexes.count && indexes[p] == index
            switch (found, newValue) {
            case (true, let name?): names[p] = name
            case (true, nil): indexes.remove(at: p); names.remove(at: p)
            case (false, let name?): indexes.insert(index, at: p); names.insert(name, at: p)
            case (false, nil): break
            }
        }
    }
}
