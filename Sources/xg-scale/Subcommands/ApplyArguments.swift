import Apply
import ArgumentParser
import Netlink
import NodeNetwork
#if canImport(Glibc)
import Glibc
#endif

/// The values of `apply`'s arguments, its checks and what it does: one place shared by
/// ApplyCommand (ArgumentParser's parse) and FastApply (a plain command line read without it).
struct ApplyArguments: Equatable {
    var source: ProfileSource
    var stateDir: String? = nil
    var dryRun = false
    var confirmWithin: Double? = nil
    var persist: PersistFormat? = nil
    var persistPath: String? = nil
    var json = false

    /// apply's options by their long names, as ArgumentParser names ApplyCommand's properties
    /// (FastApplyTests compares this table with the names ArgumentParser declares).
    enum Option: String, CaseIterable {
        case inventory, node, inventoryFormat = "inventory-format", stateDir = "state-dir", dryRun = "dry-run",
             confirmWithin = "confirm-within", persist, persistPath = "persist-path", json

        var isFlag: Bool { self == .dryRun || self == .json }

        /// Store `value` (nil for a flag) as ArgumentParser would: each value is converted by the
        /// same `init?(argument:)` ArgumentParser calls. False when that conversion refuses it.
        func store(_ value: String?, in arguments: inout ApplyArguments) -> Bool {
            switch self {
            case .dryRun: arguments.dryRun = true
            case .json: arguments.json = true
            case .inventory: arguments.source.inventory = value
            case .node: arguments.source.node = value
            case .stateDir: arguments.stateDir = value
            case .persistPath: arguments.persistPath = value
            case .inventoryFormat:
                guard let value, let format = InventoryFormat(argument: value) else { return false }
                arguments.source.inventoryFormat = format
            case .confirmWithin:
                guard let value, let seconds = Double(argument: value) else { return false }
                arguments.confirmWithin = seconds
            case .persist:
                guard let value, let format = PersistFormat(argument: value) else { return false }
                arguments.persist = format
            }
            return true
        }
    }

    /// ApplyCommand.validate's checks (ArgumentParser prints a thrown ValidationError with the usage).
    func validate() throws {
        try source.validate()   // first, as ProfileInput's validation ran before
        if let s = confirmWithin, !(s > 0 && s <= 86400) {
            throw ValidationError("--confirm-within must be between 0 and 86400 seconds (got \(s))")
        }
        if confirmWithin != nil && dryRun {
            throw ValidationError("--confirm-within and --dry-run exclude each other (a dry run changes nothing)")
        }
        if persistPath != nil && persist == nil {
            throw ValidationError("--persist-path needs --persist interfaces|networkd")
        }
        if let p = persistPath, p.isEmpty || !p.hasPrefix("/") {
            throw ValidationError("--persist-path must be an absolute path (got '\(p)')")
        }
    }

    /// The apply itself, whichever way the command line was parsed: load the profile, apply it
    /// through one ApplySession, print the outcome (exit 1 on failure).
    func run() throws {
        // The kernel's state is read on a second thread while the profile is read here (a
        // backend that cannot be made now is made, and its error reported, after the profile).
        let early = try? Self.backend(prefetching: true)
        let desired = try desiredState(source)
        let result: ApplyResult
        let progress = StepLines()
        do {
            defer { progress.flush() }
            let session = ApplySession(store: try StateStore.resolve(option: stateDir),
                                       backend: try early ?? Self.backend())
            let request = ApplyRequest(desired: desired, profile: source.sourceDescription,
                                       confirmWithin: confirmWithin, dryRun: dryRun,
                                       persist: persist.map { PersistRequest(format: $0, path: persistPath) })
            result = try session.apply(request, onStep: json || dryRun ? nil : progress.add, onBatch: progress.flush)
        } catch {
            throw fail("apply", "\(error)")
        }
        try printApply(result, json: json, confirmWithin: confirmWithin)
    }

    /// Test hook: XG_SCALE_FAULT_STEP=K makes step K fail (or, with XG_SCALE_FAULT_KIND=signal,
    /// SIGTERM arrive during it; kill: SIGKILL before it; stop: SIGSTOP before it), in front of
    /// the real kernel backend.
    static func backend(prefetching: Bool = false) throws -> NetworkBackend {
        let kernel = try KernelBackend()
        if prefetching { kernel.prefetchState() }
        // getenv, not ProcessInfo's environment: that copies the whole environment first.
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        guard let text = env("XG_SCALE_FAULT_STEP"), let step = Int(text) else { return kernel }
        return FaultInjectingBackend(kernel, failAtStep: step,
                                     kind: FaultKind(rawValue: env("XG_SCALE_FAULT_KIND") ?? "") ?? .error)
    }
}
