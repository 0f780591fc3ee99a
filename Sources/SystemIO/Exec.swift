// The one place this process is replaced by another program: execv(2) from an argv (never a
// shell string). The program keeps our pid, our descriptors (stdin, stdout, stderr, the
// terminal), our environment and signal mask, so whoever waits on us waits on it and its exit
// status is ours.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum Exec {
    /// Replace this process with `argv`; argv[0] is the program's path (no PATH lookup). Returns
    /// only when the program could not be run, with the reason (errno's).
    public static func replace(with argv: [String]) -> SystemError {
        precondition(!argv.isEmpty, "exec needs a program")
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(argv[0], cArgs)
        let failure = SystemError("run", argv[0], errno: errno)
        for p in cArgs { free(p) }
        return failure
    }
}
