// Interface lookups by name in the calling thread's network namespace, for the engines (which
// import no C networking call themselves).
#if canImport(Glibc)
import Glibc
#endif

public enum InterfaceLookup {
    /// The ifindex of `name`, nil when no interface has that name.
    public static func index(of name: String) -> Int? {
        let index = if_nametoindex(name)
        return index == 0 ? nil : Int(index)
    }

    /// The name of interface `index`, nil when none has that index.
    public static func name(of index: Int) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard index > 0, index <= Int(UInt32.max), if_indextoname(UInt32(index), &buffer) != nil else { return nil }
        return String(cString: buffer)
    }

    /// Whether an interface called `name` exists.
    public static func exists(_ name: String) -> Bool { index(of: name) != nil }
}
