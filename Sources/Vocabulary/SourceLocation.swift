// The words every core uses to talk about a user's file: where (SourceLocation), how bad
// (Severity) and what to do (Diagnostic). Pure values: no I/O, no dependencies.

/// A place in a file the user wrote. Lines and columns start at 1 (0: the file as a whole).
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }

    /// `FILE:LINE:COL`, the prefix of every diagnostic line.
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}
