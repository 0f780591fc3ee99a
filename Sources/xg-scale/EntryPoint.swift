import ArgumentParser
import Dispatch
#if canImport(Glibc)
import Glibc
import SystemIO
#endif

/// The program's entry point. ArgumentParser's `@main` on an async root starts Swift concurrency
/// and Dispatch's worker threads before parsing; only `monitor` is async, so every other command
/// is parsed and run synchronously (Benchmarks/startup.sh measures the saving).
///
/// The command runs on a thread of its own while the main thread waits with every signal
/// unblocked, as under Dispatch: a SIGINT or SIGTERM is handled on the main thread and never
/// interrupts the command's system calls (`Interrupts` installs its handler without SA_RESTART).
/// A plain `apply` command line is read without ArgumentParser (FastApply).
@main
enum EntryPoint {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let command: () throws -> Void
        if let apply = fastApply(arguments) {
            command = { try apply.run() }
        } else {
            let parsed: ParsableCommand
            do {
                parsed = try parse(arguments)
            } catch {
                XGScale.exit(withError: error)
            }
            // `monitor`, the one async command, by its type: a cast to AsyncParsableCommand would
            // scan the binary's protocol conformances twice (~0.5 M instructions).
            if let monitor = parsed as? XGScale.MonitorCommand {
                runAsync(monitor)
            }
            command = {
                var parsed = parsed
                try parsed.run()
            }
        }
        oneMallocArena()
        Threads.runJoined {
            do {
                try command()
            } catch {
                XGScale.exit(withError: error)
            }
        }
    }

    /// A plain `apply` command line read without ArgumentParser (FastApply), run as
    /// ApplyCommand.run runs it; nil for any other command line.
    ///
    /// Test hook: XG_SCALE_NO_FAST_APPLY=1 (or XG_SCALE_FULL_PARSE=1) leaves every command line
    /// to ArgumentParser (a test compares both, byte for byte).
    static func fastApply(_ arguments: [String]) -> ApplyArguments? {
        guard getenv("XG_SCALE_NO_FAST_APPLY") == nil, getenv("XG_SCALE_FULL_PARSE") == nil else { return nil }
        return FastApply.parse(arguments)
    }

    /// One malloc arena for the whole process, as with MALLOC_ARENA_MAX=1: glibc would give the
    /// command's thread an arena of its own, grown by one mprotect system call per 4 KiB page
    /// (~240 per apply); the main arena grows by brk, 128 KiB at a time. The main thread only
    /// waits, so nothing contends for the arena. (mallopt is not in Swift's Glibc module.)
    static func oneMallocArena() {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8   // M_ARENA_MAX, malloc.h
        guard let mallopt = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(mallopt, to: Mallopt.self)(arenaMax, 1)
    }

    /// The command `arguments` name. A leaf subcommand (`apply`, `render`, ...) is first parsed on
    /// its own, which spares ArgumentParser the reflection of the whole tree; any other outcome
    /// (an error, --help, --version, a completion request) is left to the full parse, so what is
    /// printed and the exit status are the full parser's.
    ///
    /// Test hook: XG_SCALE_FULL_PARSE=1 skips the leaf parse (a test compares both, byte for byte).
    static func parse(_ arguments: [String]) throws -> ParsableCommand {
        if getenv("XG_SCALE_FULL_PARSE") == nil,
           let name = arguments.first, !arguments.contains(where: answeredByParser),
           let leaf = XGScale.configuration.subcommands.first(where: { $0._commandName == name }),
           leaf.configuration.subcommands.isEmpty,
           let parsed = try? leaf.parseAsRoot(Array(arguments.dropFirst())),
           type(of: parsed) == leaf {
            return parsed
        }
        return try XGScale.parseAsRoot(arguments)
    }

    /// Help, version, completion-script and dump-help requests: the leaf parse would only hand
    /// them on to the full parse.
    static func answeredByParser(_ argument: String) -> Bool {
        ["-h", "-help", "--help", "--version", "--experimental-dump-help"].contains(argument)
            || argument.hasPrefix("--generate-completion-script")
    }

    /// `monitor`: run on Swift concurrency's executor, the main queue drained by Dispatch, as
    /// ArgumentParser's async entry point does.
    static func runAsync(_ parsed: sending AsyncParsableCommand) -> Never {
        Task {
            var command = parsed
            do {
                try await command.run()
            } catch {
                XGScale.exit(withError: error)
            }
            exit(0)
        }
        dispatchMain()
    }
}
