// SourceLocation, Diagnostic (and its Severity) and IPAddress are the shared vocabulary (module
// Vocabulary); re-exported so that every user of NodeNetwork speaks it without a second import.
@_exported import Vocabulary
