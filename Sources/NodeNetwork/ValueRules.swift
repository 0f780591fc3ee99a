// What every consumer of a profile value can carry. A value ends up on an `ip -batch` line, in
// an ifupdown `interfaces` stanza, in a systemd-networkd key, in a netlink attribute and in
// messages: one control character, blank or `#` there ends a line, splits a word or starts a
// comment, so a value that holds one could carry a second command. Every string a profile or
// inventory gives is checked here, before anything is rendered or sent to the kernel.

public enum ValueRule {
    /// Why `value` cannot be carried by every render, or nil when it can: no control character
    /// (NUL, newline, CR, tab, DEL, C1), no whitespace and no `#`.
    public static func problem(_ value: String) -> String? {
        for (offset, scalar) in value.unicodeScalars.enumerated() {
            if let what = forbidden(scalar) {
                return "character \(offset + 1) is \(what)"
            }
        }
        return nil
    }

    /// Why `value` cannot be a command line that xg-scale splits on blanks into an argv itself
    /// (never a shell, never a render): blanks between words are allowed, control characters
    /// and `#` are not.
    public static func commandProblem(_ value: String) -> String? {
        for (offset, scalar) in value.unicodeScalars.enumerated() where scalar != " " {
            if let what = forbidden(scalar) { return "character \(offset + 1) is \(what)" }
        }
        return nil
    }

    /// The fix shown with a command-line value error.
    public static let commandFix = "write the command as words separated by spaces: no control characters (newline, tab, NUL) and no '#'"

    /// The name of a forbidden character, or nil.
    static func forbidden(_ s: Unicode.Scalar) -> String? {
        switch s.value {
        // (Printable ASCII first: nearly every character, and no Unicode property look-up.)
        case 0x21, 0x22, 0x24...0x7E: return nil
        case 0: return "a NUL byte (U+0000)"
        case 0x0A: return "a newline (U+000A)"
        case 0x0D: return "a carriage return (U+000D)"
        case 0x09: return "a tab (U+0009)"
        case 0x20: return "a space"
        case 0x23: return "'#', which starts a comment in ip -batch and interfaces files"
        case 0x01...0x1F, 0x7F, 0x80...0x9F: return "a control character (U+\(hex(s.value)))"
        default:
            return s.properties.isWhitespace ? "whitespace (U+\(hex(s.value)))" : nil
        }
    }

    static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// The fix shown with every value error.
    public static let fix = "write the value as one word: no control characters (newline, tab, NUL), no spaces and no '#'"

    /// `text` for a message: one line, at most 60 characters.
    public static func shown(_ text: String) -> String {
        let line = oneLine(String(text.unicodeScalars.prefix(61)))
        return text.unicodeScalars.count > 60 ? String(line.unicodeScalars.prefix(60)) + "..." : line
    }

    /// `text` made safe for a one-line comment: control characters and newlines shown escaped.
    public static func oneLine(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            switch s.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0...0x1F, 0x7F, 0x80...0x9F, 0x2028, 0x2029: out += "\\u{\(hex(s.value))}"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }
}
