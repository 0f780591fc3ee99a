// The first line of every file xg-scale renders, and how a file is recognised as ours (render
// --output and apply --persist overwrite only such files).

public enum RenderedHeader {
    /// The start of the header in a `#`-commented file: what marks a file as ours.
    public static let mark = "# Rendered by xg-scale "

    /// `# Rendered by xg-scale from SOURCE. Do not edit: …` with `comment` as the comment sign.
    public static func line(source: String, comment: String = "#") -> String {
        // One line whatever the file names hold: a newline in `source` would end the comment.
        "\(comment) Rendered by xg-scale from \(ValueRule.oneLine(source)). Do not edit: change the profile and render again.\n"
    }

    /// True when `text` starts with the header: a file xg-scale wrote.
    public static func begins(_ text: String) -> Bool { text.hasPrefix(mark) }

    /// True when any line of `text` is the header (several rendered files joined in one).
    public static func anywhere(_ text: String) -> Bool { begins(text) || text.contains("\n" + mark) }
}
