// SourceLocation, Diagnostic (and its Severity) and IPAddress are the shared vocabulary (module
// Vocabulary); re-exported so that every user of DRBD speaks it without a second import.
@_exported import Vocabulary

/// The DRBD parser's name for a SourceLocation, kept for its callers.
public typealias Location = SourceLocation
