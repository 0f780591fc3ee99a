import NodeNetwork
import Synchronization
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

/// `apply`'s profile and inventory, read and checked on a second thread while ArgumentParser
/// parses the command line on the first (each takes a few milliseconds; the machine has cores
/// to spare at start-up). Speculative and invisible: the arguments are guessed from a plain
/// scan of the command line, the result is used only when the parsed command asks to load
/// exactly the same inputs with the same trust, and a failed read is discarded (the normal
/// load then reads again and reports it). It only reads files, never waits on a FIFO or device
/// (UserFiles refuses them at once), and prints nothing.
enum ProfilePrefetch {
    private final class Pending: Sendable {
        let source: ProfileSource
        let loaded = Mutex<LoadedProfile?>(nil)
        init(_ source: ProfileSource) { self.source = source }
    }

    /// Set on the main thread before the command's thread starts, taken once by the command.
    nonisolated(unsafe) private static var pending: (Pending, Threads.Joinable)?

    /// Start reading when `arguments` look like a plain `apply PROFILE [options]`.
    static func start(_ arguments: [String]) {
        guard let source = guess(arguments) else { return }
        let job = Pending(source)
        let thread = Threads.spawn {
            // Signals stay with the main thread, as without this thread (see EntryPoint).
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            let loaded = try? source.read(trust: .whenRoot)
            job.loaded.withLock { $0 = loaded }
        }
        if let thread { pending = (job, thread) }
    }

    /// The profile read ahead when it was read from exactly `source` with `trust`, else nil.
    static func take(_ source: ProfileSource, trust: FileTrust) -> LoadedProfile? {
        guard let (job, thread) = pending else { return nil }
        pending = nil
        thread.join()
        guard trust == .whenRoot, job.source == source else { return nil }
        return job.loaded.withLock { $0 }
    }

    /// Wait for a read nobody will use (before exiting on a parse error: no thread is left
    /// running while the process exits).
    static func discard() {
        guard let (_, thread) = pending else { return }
        pending = nil
        thread.join()
    }

    /// apply's profile, inventory, node and inventory format, when every argument is one of
    /// apply's in its plain form (`--name value`, each value not starting with '-'); else nil.
    static func guess(_ arguments: [String]) -> ProfileSource? {
        guard arguments.first == "apply" else { return nil }
        let valued = ["--inventory", "--node", "--inventory-format", "--state-dir", "--confirm-within",
                      "--persist", "--persist-path"]
        var source = ProfileSource(profile: "")
        var format: String?
        var i = 1
        while i < arguments.count {
            let argument = arguments[i]
            if valued.contains(argument) {
                guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") else { return nil }
                let value = arguments[i + 1]
                switch argument {
                case "--inventory": source.inventory = value
                case "--node": source.node = value
                case "--inventory-format": format = value
                default: break
                }
                i += 2
            } else if argument == "--dry-run" || argument == "--json" {
                i += 1
            } else if argument.hasPrefix("-") || argument.isEmpty || !source.profile.isEmpty {
                return nil
            } else {
                source.profile = argument
                i += 1
            }
        }
        if let format {
            guard let known = InventoryFormat(rawValue: format) else { return nil }
            source.inventoryFormat = known
        }
        return source.profile.isEmpty ? nil : source
    }
}
