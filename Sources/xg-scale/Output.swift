import Foundation

/// Every line the CLI writes to stderr (errors, warnings, diagnostics) goes through here.
func printStderr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
