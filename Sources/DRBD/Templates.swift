// Unrendered configuration templates: a Jinja2 (Ansible, Salt) or ERB (Puppet, Chef) file saved
// as drbd.conf before it was rendered. drbdadm would stop at some brace or ';' the template
// syntax upsets; we name the template syntax itself, at its line, before any other error.

enum Templates {
    /// The openers that never occur in drbd.conf outside comments: `{{ var }}`, `{% tag %}`,
    /// `<%= expr %>` / `<% code %>`.
    static let markers: [(open: [UInt8], engine: String)] = [
        (Array("{{".utf8), "Jinja"), (Array("{%".utf8), "Jinja"), (Array("<%".utf8), "ERB"),
    ]

    /// The first template marker outside a comment (inside quotes too: a quoted
    /// `"{{ handler }}"` is a template left unrendered as well), as an error at its place.
    static func firstMarker(in text: String, file: String) -> ConfigError? {
        let bytes = Array(text.utf8)
        var line = 1, column = 1, i = 0
        var inQuote = false, inComment = false
        while i < bytes.count {
            let b = bytes[i]
            if b == 10 {
                line += 1; column = 1; i += 1; inQuote = false; inComment = false; continue
            }
            if !inComment {
                if b == UInt8(ascii: "\"") { inQuote.toggle() }
                else if b == UInt8(ascii: "#") && !inQuote { inComment = true }
                else if b == UInt8(ascii: "{") || b == UInt8(ascii: "<"), // cheap test first: most bytes are neither
                        let m = markers.first(where: { matches($0.open, bytes, at: i) }) {
                    let snippet = excerpt(bytes, from: i)
                    return ConfigError(SourceLocation(file: file, line: line, column: column),
                                       "unrendered template syntax '\(snippet)' (\(m.engine)): this file is a template, not a DRBD configuration",
                                       fix: "render it with Ansible/Puppet first (or replace the template expression with its value)")
                }
            }
            // Count columns in characters: skip UTF-8 continuation bytes.
            if b & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return nil
    }

    private static func matches(_ m: [UInt8], _ bytes: [UInt8], at i: Int) -> Bool {
        i + m.count <= bytes.count && bytes[i..<(i + m.count)].elementsEqual(m)
    }

    /// The template expression from its opener to its closer (`}}`, `%}`, `%>`), at most 40 bytes.
    private static func excerpt(_ bytes: [UInt8], from i: Int) -> String {
        var end = i + 2
        while end < bytes.count && bytes[end] != 10 && end - i < 40 {
            let pair = end + 1 < bytes.count ? (bytes[end], bytes[end + 1]) : (0, 0)
            end += 1
            if pair == (UInt8(ascii: "}"), UInt8(ascii: "}")) || pair == (UInt8(ascii: "%"), UInt8(ascii: "}"))
                || pair == (UInt8(ascii: "%"), UInt8(ascii: ">")) { end += 1; break }
        }
        return String(decoding: bytes[i..<min(end, bytes.count)], as: UTF8.self)
    }
}
