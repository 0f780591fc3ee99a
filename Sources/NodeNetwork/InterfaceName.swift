// Interface names as the kernel (dev_valid_name) and every render read them. Nearly every name is
// ASCII and is checked byte by byte; any other goes through Unicode properties and Foundation.
import Foundation

public enum InterfaceName {
    /// Why the kernel (dev_valid_name) or a render would refuse or misread `name`, or nil when
    /// it is fine: 1-15 bytes, not "." or "..", no '/', ':', whitespace, control characters or
    /// '#' (ip -batch comment), no '*', '?', '[' or ']' (systemd-networkd reads Name= as a glob).
    public static func problem(_ name: String) -> String? {
        if name.utf8.isEmpty { return "it is empty" }
        return name.utf8.allSatisfy({ $0 < 0x80 }) ? asciiProblem(name) : generalProblem(name)
    }

    /// `problem` of an ASCII name, byte by byte: no Unicode property look-ups and no Foundation
    /// string search (nearly every name; `generalProblem` gives the same answer, more slowly).
    static func asciiProblem(_ name: String) -> String? {
        let utf8 = name.utf8
        if utf8.isEmpty { return "it is empty" }
        // Nearly every name: at most 15 bytes, each printable and none refused below, and not
        // "." or "..". Nothing to say about it, found in one pass.
        if isPlain(name, dollar: true) { return nil }
        // One pass notes what each later check needs; the checks then run in `generalProblem`'s order.
        var blank = false, refused = false, slash = false, colon = false
        var glob: UInt8?
        for b in utf8 {
            switch b {
            // The ASCII White_Space characters: tab to carriage return, and space.
            case 0x09...0x0D, 0x20: blank = true
            case UInt8(ascii: "/"): slash = true
            case UInt8(ascii: ":"): colon = true
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "]"): glob = glob ?? b
            default: break
            }
            if !refused, ValueRule.forbidden(Unicode.Scalar(b)) != nil { refused = true }
        }
        if blank { return "it contains whitespace" }
        if refused, let why = ValueRule.problem(name) { return why }
        if utf8.count > 15 { return "it is \(utf8.count) bytes long, the kernel allows 15" }
        if name == "." || name == ".." { return "'.' and '..' are reserved" }
        if slash { return "it contains '/'" }
        if colon { return "it contains ':'" }
        if let glob { return "it contains '\(Unicode.Scalar(glob))', which systemd-networkd reads as a pattern" }
        return nil
    }

    /// Whether `name` is fine (`problem` is nil) and holds no '$' (no `${NAME}` to substitute):
    /// 1-15 plain bytes, not "." or "..", in one pass.
    static func isPlainWithoutDollar(_ name: String) -> Bool { isPlain(name, dollar: false) }

    /// One pass over `name`: 1-15 bytes, each an `isPlainByte` (and not '$' unless `dollar`),
    /// not dots only. True means `asciiProblem` has nothing to say.
    static func isPlain(_ name: String, dollar: Bool) -> Bool {
        var dots = true
        var count = 0
        for b in name.utf8 {
            guard isPlainByte(b), dollar || b != UInt8(ascii: "$") else { return false }
            if b != UInt8(ascii: ".") { dots = false }
            count += 1
            if count > 15 { return false }
        }
        return count >= 1 && !dots
    }

    /// A byte no check of `asciiProblem` refuses: printable ASCII but '#' (a comment), '/', ':'
    /// and the glob characters '*', '?', '[' and ']'.
    static func isPlainByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "#"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "*"), UInt8(ascii: "?"),
             UInt8(ascii: "["), UInt8(ascii: "]"): return false
        default: return b > 0x20 && b < 0x7F
        }
    }

    /// `problem` of any name, through Unicode properties and Foundation's search.
    static func generalProblem(_ name: String) -> String? {
        let bytes = name.utf8.count
        if bytes == 0 { return "it is empty" }
        if name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) { return "it contains whitespace" }
        if let why = ValueRule.problem(name) { return why }
        if bytes > 15 { return "it is \(bytes) bytes long, the kernel allows 15" }
        if name == "." || name == ".." { return "'.' and '..' are reserved" }
        if name.contains("/") { return "it contains '/'" }
        if name.contains(":") { return "it contains ':'" }
        if let g = name.unicodeScalars.first(where: { "*?[]".unicodeScalars.contains($0) }) {
            return "it contains '\(g)', which systemd-networkd reads as a pattern"
        }
        return nil
    }
}
