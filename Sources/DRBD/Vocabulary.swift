// SourceLocation, Diagnostic (and its Severity) and IPAddress are the shared vocabulary (module
// Vocabulary); re-exported so that every user of DRBD speaks it without a second import.
@_exported import Vocabulary

/// The DRBD parser's old name for a SourceLocation, kept while callers (its tests) still use it;
/// the sources say SourceLocation.
public typealias Location = SourceLocation
