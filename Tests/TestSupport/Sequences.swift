// Small helpers on event sequences, shared by the monitor and link-event tests.

/// Distinct successive values (a, a, b, a -> a, b, a).
public func transitions<T: Equatable>(_ values: [T]) -> [T] {
    var result: [T] = []
    for v in values where result.last != v { result.append(v) }
    return result
}

/// Whether `needle` appears in `haystack` in order (not necessarily adjacent).
public func isSubsequence<T: Equatable>(_ needle: [T], of haystack: [T]) -> Bool {
    var i = needle.startIndex
    for v in haystack where i < needle.endIndex && needle[i] == v { i += 1 }
    return i == needle.endIndex
}
