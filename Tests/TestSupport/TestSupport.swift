// Shared helpers for the test targets: locate the built `xg-scale`, run commands, and create
// throwaway network namespaces that are always deleted.
import Foundation
import Testing

/// Result of a finished process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum TestSupportError: Error, CustomStringConvertible {
    case missingPrerequisite(String)
    case commandFailed(String, ProcessResult)

    public var description: String {
        switch self {
        case .missingPrerequisite(let what): return "missing prerequisite: \(what)"
        case .commandFailed(let cmd, let r):
            return "command failed (\(r.status)): \(cmd)\nstdout: \(r.stdout)\nstderr: \(r.stderr)"
        }
    }
}

/// Where the package's products are built (the folder that holds the test bundle).
public func buildProductsDirectory() -> URL {
    // The test runner is `.build/<triple>/debug/xg-scalePackageTests.xctest` (or similar); the
    // executables sit beside it.
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("xg-scale").path) {
            return url
        }
        url.deleteLastPathComponent()
    }
    // Fall back to the package's .build/debug relative to this source file.
    let pkg = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return pkg.appendingPathComponent(".build/debug")
}

/// Path of the built `xg-scale` executable.
public func xgScaleBinary() -> String {
    buildProductsDirectory().appendingPathComponent("xg-scale").path
}

/// The package's root folder (for profiles/, Tests/Fixtures/...).
public func packageRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

/// Run a program (looked up in PATH when not absolute), feeding `input` on stdin.
@discardableResult
public func run(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil)
    throws -> ProcessResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? inPipe.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = errPipe.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Run and throw unless the exit status is 0.
@discardableResult
public func runChecked(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
    let r = try run(arguments, input: input)
    if r.status != 0 { throw TestSupportError.commandFailed(arguments.joined(separator: " "), r) }
    return r
}

/// True when the tests run under CI (CI=true): a missing prerequisite must fail there, not skip.
public var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

public var isRoot: Bool { getuid() == 0 }

/// Whether a test that needs root and the given programs can run. Under CI a missing
/// prerequisite throws (so the test fails); elsewhere the running test is cancelled, so it is
/// reported as skipped (not passed), and false is returned when no test is running.
/// `files`: paths that must exist (e.g. a daemon binary under /lib).
public func prerequisites(root: Bool = true, programs: [String] = [], files: [String] = []) throws -> Bool {
    var missing: [String] = []
    if root && !isRoot { missing.append("root") }
    for p in programs {
        let r = try? run(["sh", "-c", "command -v \(p)"])
        if r?.status != 0 { missing.append(p) }
    }
    for f in files where !FileManager.default.fileExists(atPath: f) { missing.append(f) }
    return try prerequisite(missing.isEmpty, missing.joined(separator: ", "))
}

/// One prerequisite the caller checked itself (a folder set up by a script, a build feature):
/// true when `satisfied`; otherwise throws under CI=true and skips the test elsewhere.
/// Every guard that can skip a test goes through here, so CI never reports a skip as a pass.
public func prerequisite(_ satisfied: Bool, _ what: @autoclosure () -> String) throws -> Bool {
    if satisfied { return true }
    if isCI { throw TestSupportError.missingPrerequisite(what()) }
    if Test.current != nil { try Test.cancel("missing prerequisite: \(what())") }
    return false
}

/// A network namespace created for one test and deleted by `close()` (call it in `defer`).
/// Names are unique per process and call: `xgt-<pid>-<n>-<tag>`.
public final class Namespace: @unchecked Sendable {
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()
    public let name: String
    private var closed = false

    public init(_ tag: String = "ns") throws {
        let n: Int = Namespace.lock.withLock { Namespace.counter += 1; return Namespace.counter }
        name = "xgt-\(getpid())-\(n)-\(tag)"
        try runChecked(["ip", "netns", "add", name])
        try exec(["ip", "link", "set", "lo", "up"])
    }

    /// Run a command inside the namespace (every thread of it is inside).
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
        try TestSupport.run(["ip", "netns", "exec", name] + arguments, input: input)
    }

    /// Run inside the namespace and throw unless it exits 0.
    @discardableResult
    public func exec(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
        let r = try run(arguments, input: input)
        if r.status != 0 {
            throw TestSupportError.commandFailed("[\(name)] " + arguments.joined(separator: " "), r)
        }
        return r
    }

    /// Throw unless the namespace has no route out (only loopback and links the test made).
    public func assertNoDefaultRoute() throws {
        for family in ["-4", "-6"] {
            let r = try exec(["ip", family, "route", "show", "default"])
            if !r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw TestSupportError.commandFailed("namespace \(name) has a default route", r)
            }
        }
    }

    /// Delete the namespace (and every interface in it). Safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = try? TestSupport.run(["ip", "netns", "delete", name])
    }

    deinit { close() }
}

/// Wait until `condition` holds, polling every `interval`, for at most `timeout` seconds.
/// Returns whether it held. Tests wait for the event with a bound, never for a fixed time.
public func waitUntil(timeout: Double, interval: Double = 0.05, _ condition: () throws -> Bool)
    rethrows -> Bool
{
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}
