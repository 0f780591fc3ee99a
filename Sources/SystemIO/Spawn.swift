// The one place a child process is started: posix_spawn from an argv (never a shell string),
// with its three standard descriptors chosen by the caller, the environment extended by the
// caller, every signal at its default and none blocked, and no descriptor of ours inherited.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum Spawn {
    /// What the child's descriptors 0, 1, 2 are: /dev/null or one of our descriptors (dup2'd).
    struct Stdio {
        var stdin: Int32?
        var stdout: Int32?
        var stderr: Int32?
    }

    /// Start `argv` (argv[0] looked up in PATH when it has no slash). `environment` is added to
    /// (and overrides) ours. `newSession`: the child leads its own session (setsid), so a signal
    /// to our process group does not reach it. `closeOthers`: mark every descriptor above 2 of
    /// this process close-on-exec first, for a long-lived child that must hold no pipe of ours.
    static func start(_ argv: [String], stdio: Stdio, environment: [String: String] = [:],
                      newSession: Bool = false, closeOthers: Bool = false) throws -> pid_t {
        precondition(!argv.isEmpty, "a child needs a program")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, fd) in [(Int32(0), stdio.stdin), (1, stdio.stdout), (2, stdio.stderr)] {
            if let fd { posix_spawn_file_actions_adddup2(&actions, fd, target) } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none); sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc 2.26)
        posix_spawnattr_setflags(&attributes, Int16(Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | (newSession ? setsid : 0)))
        if closeOthers { markInheritedCloseOnExec() }
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var cEnv = environment.isEmpty ? [] : merged(environment).map { strdup($0) } + [nil]
        defer { for p in cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = cEnv.isEmpty ? spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
            : cEnv.withUnsafeMutableBufferPointer { spawn(&pid, argv[0], &actions, &attributes, &cArgs, $0.baseAddress) }
        guard rc == 0 else {
            throw SystemError("run", argv[0], errno: rc, fix: "install \(argv[0]) or give its full path")
        }
        return pid
    }

    private static func spawn(_ pid: inout pid_t, _ program: String, _ actions: inout posix_spawn_file_actions_t,
                              _ attributes: inout posix_spawnattr_t, _ argv: inout [UnsafeMutablePointer<CChar>?],
                              _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        program.contains("/") ? posix_spawn(&pid, program, &actions, &attributes, &argv, envp)
            : posix_spawnp(&pid, program, &actions, &attributes, &argv, envp)
    }

    /// Our environment as KEY=VALUE, with `extra` replacing or added.
    private static func merged(_ extra: [String: String]) -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            let key = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
            if extra[key] == nil { out.append(text) }
            p += 1
        }
        return out + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// Every descriptor above 2 of this process close-on-exec (a pipe end inherited by a
    /// long-lived child would keep its reader waiting for end of file).
    private static func markInheritedCloseOnExec() {
        guard let dir = opendir("/proc/self/fd") else { return }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd > 2, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// A pipe whose both ends are close-on-exec (no other child inherits them).
    static func pipePair(for program: String) throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try posix("create a pipe for", program) { pipe(&fds) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// write(2) without dying of SIGPIPE when the reader is gone: SIGPIPE is blocked on this
    /// thread for the call and a SIGPIPE it raised is taken back; EPIPE is returned instead.
    static func writeNoSignal(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (count: Int, errno: Int32) {
        var pipeSet = sigset_t(), old = sigset_t(), pending = sigset_t()
        sigemptyset(&pipeSet); sigaddset(&pipeSet, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSet, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        sigpending(&pending)
        let wasPending = sigismember(&pending, SIGPIPE) == 1
        let n = write(fd, bytes.baseAddress, bytes.count)
        let e = n < 0 ? errno : 0
        if e == EPIPE && !wasPending {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSet, nil, &zero)
        }
        return (n, e)
    }
}
