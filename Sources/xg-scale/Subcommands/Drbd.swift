import ArgumentParser
import DRBD
import Foundation
import NodeNetwork
import Preflight
import SystemIO

extension XGScale {
    struct Drbd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drbd",
            abstract: "Check and show DRBD configurations and allocate new resources.",
            discussion: """
                Reads drbd.conf as drbdadm does (includes, common and global sections, the 8.3, \
                8.4 and 9 syntax) and reports every conflict at once, before a resource is added.

                  check      report every conflict in the configuration and on this host
                  show       print the parsed model (resources, hosts, volumes) as text or JSON
                  allocate   propose the next free port, minor and meta-disk index for a new resource
                  ready      tell whether a VM on a resource may start here (Primary, UpToDate)

                Examples:
                  xg-scale drbd check
                  xg-scale drbd check --config /etc/drbd.conf --host dom0 --json
                  xg-scale drbd check --config ./drbd.conf --no-local   (from a coordinator)
                  xg-scale drbd show --json
                  xg-scale drbd allocate vm-web --hosts dom0,dom0m > /etc/drbd.d/vm-web.res
                """,
            subcommands: [Check.self, Show.self, Allocate.self, Ready.self]
        )
    }
}

/// `PATH: error: WHAT (fix: HOW)` on stderr, exit 1.
struct DrbdUsageError: Error, CustomStringConvertible {
    var description: String
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// The main configuration must be a readable regular file: a FIFO or device is refused at once
/// (never waited on), so the check could not run (exit 1).
func requireReadable(_ path: String) throws {
    do {
        guard let (fd, _) = try Files.openRegular(path, what: "DRBD configuration", maxBytes: ConfigLimits.totalBytes,
                                                  followSymlinks: true) else {
            throw DrbdUsageError(description: "\(path): error: cannot read the DRBD configuration (fix: pass an existing file with --config)")
        }
        close(fd)
    } catch let e as SystemError {
        throw DrbdUsageError(description: "\(path): error: cannot read the DRBD configuration: \(e.reason) (fix: \(e.fix.isEmpty ? "pass an existing file with --config" : e.fix))")
    }
}

func drbdFail(_ message: String) -> Never {
    printStderr(message)
    Foundation.exit(1)
}

struct FindingsReport: Encodable {
    var findings: [Finding]
}

extension XGScale.Drbd {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Report every conflict in a DRBD configuration and on this host.",
            discussion: """
                Reads the configuration with its include files and reports all findings at once \
                (drbdadm stops at the first). Each finding has a severity, a check name, the \
                resource and host, FILE:LINE and a fix. Checks:

                  parse-error          syntax or meaning error (names FILE:LINE, column in the
                                       message); an unrendered Jinja/ERB template ({{ x }},
                                       {% if %}, <%= @x %>) is named as such, and a stray line
                                       is named before a brace error further down, as drbdadm
                                       names it; an option drbdadm would refuse (below)
                  duplicate-resource   the same resource name defined twice
                  unknown-host         no resource has a section for --host (a floating section
                                       counts when its address is on this machine; without the
                                       local checks, floating sections are not refused)
                  port-conflict        two endpoints on one host share address and port, or one
                                       of them binds the wildcard address (0.0.0.0 or ::)
                  minor-conflict       the same minor twice on one host
                  meta-index-conflict  the same external meta device and index twice on one host,
                                       or a meta device used whole (flexible) and shared
                  disk-conflict        the same backing disk twice on one host
                  minor-count          a minor above the dialect's limit (8.3: 255; 8.4 and 9:
                                       1048575), or more devices than the module's minor_count
                                       (read from /sys/module/drbd/parameters/minor_count when
                                       drbd is loaded, else --minor-count; an error for 8.3, a
                                       warning for 8.4 and 9 where it is a sizing hint)
                  meta-disk-too-small  an indexed external meta device of this host smaller than
                                       128 MiB x (highest index + 1), when it exists
                  address-not-local    this host's address is on none of its interfaces
                  port-in-use          this host's DRBD port is held by a socket that is not DRBD's
                                       (/proc/net/tcp and tcp6, wildcard listeners included; DRBD's
                                       own sockets are kernel sockets without an inode and are not
                                       counted)

                The last three look at the machine the command runs on, taken to be --host \
                (default: uname -n, as drbdadm matches 'on NAME'); --no-local skips them.

                From a coordinator (an admin's machine, CI) run --no-local without --host: every \
                host's view is checked (conflicts per host, for all hosts) and no host is taken \
                to be this machine, so unknown-host is not raised. With --host, that host must \
                have a section.

                Options are checked as drbdadm checks them: every keyword of the disk, net, \
                options, startup and syncer sections (and 'protocol' in a resource) must be known \
                in that section for the file's DRBD version (8.3, 8.4 or 9, told by its syntax; \
                a file without node-id, connection or path may use 8.4 and 9 keywords, as \
                drbdadm 9 reads 8.4 files), and its value must fit its type: a number in range with an optional \
                unit K, M, G or s (sectors), yes/no, or one of the listed values (protocol A, B \
                or C). Handlers take any command. A typo names the nearest keyword; an option a \
                later DRBD renamed or removed names the version and the replacement (8.3 \
                'syncer { rate }' is 'disk { resync-rate }' from 8.4; DRBD 0.7's on-disconnect \
                and group are gone). The tables come from drbd-utils' own metadata (drbdsetup \
                xml-help) and are built in: drbd-utils is not needed at run time.

                IPv6 link-local addresses may carry their zone, 'address ipv6 [fe80::1%eth0]:7789;' \
                (as drbdadm 9 accepts); conflicts compare address and zone.

                Bounded input: only regular files are read (a FIFO or device, as the \
                configuration or through an include, is refused at once and named); includes \
                nest at most 32 deep and all files together hold at most 64 MiB; each file is \
                read once, as drbdadm reads it (a second include of it adds nothing); an include \
                loop is a parse-error named as its chain, "a.conf → b.conf → a.conf". Conflicts are \
                found by sorting and hashing, in O(n log n) for n resources.

                Exit status: 0 no error-severity finding (warnings may be printed), 2 at least \
                one error-severity finding, 1 the check could not run (for example the \
                configuration file cannot be read).

                Output: one line per finding, the first 50, then "and N more findings (drbd \
                check --json lists all)",
                  FILE:LINE: SEVERITY: CHECK: resource R on host H: MESSAGE (fix: FIX)
                With --json:
                  {"findings":[{"severity":"error|warning","check":"...","resource":"r0"|null,
                    "host":"dom0"|null,"file":"...","line":N,"column":N,"message":"...","fix":"..."}]}

                Examples:
                  xg-scale drbd check
                  xg-scale drbd check --config ./drbd.conf --host dom0m --minor-count 64
                  xg-scale drbd check --config ./drbd.conf --no-local    (from a coordinator)
                  xg-scale drbd check --json | jq '.findings[] | select(.severity == "error")'
                """
        )

        @Option(name: .long, help: "The configuration file (default: /etc/drbd.conf).")
        var config: String = "/etc/drbd.conf"

        @Option(name: .long, help: "The host whose sections are checked locally (default: uname -n; none with --no-local).")
        var host: String?

        @Option(name: .long, help: "The drbd module's minor_count when the module is not loaded.")
        var minorCount: Int?

        @Flag(name: .long, help: "Skip the checks that look at this machine (sockets, addresses, devices).")
        var noLocal = false

        @Flag(name: .long, help: "Print the findings as JSON.")
        var json = false

        func run() throws {
            let path = absolute(config)
            do { try requireReadable(path) } catch { drbdFail("\(error)") }
            if let m = minorCount, m < 1 { drbdFail("error: --minor-count must be at least 1 (fix: pass the module's minor_count, e.g. --minor-count 32)") }
            let findings = Preflight.check(configPath: path, host: host, minorCount: minorCount, local: !noLocal,
                                           inputs: .xgScale)
            if json {
                print(try JSONOutput.string(FindingsReport(findings: findings)), terminator: "")
            } else {
                for f in findings.prefix(diagnosticsShown) { print(f.line1) }
                if findings.count > diagnosticsShown {
                    print(moreLine(findings.count - diagnosticsShown, of: "findings", all: "drbd check --json"))
                }
            }
            if findings.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        }
    }

    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allocate",
            abstract: "Propose the next free port, minor and meta-disk index for a new resource.",
            discussion: """
                Prints the section of a new resource, in the syntax the configuration uses (8.3, \
                8.4 or 9), ready to be saved as /etc/drbd.d/NAME.res. The port is the lowest one \
                in --port-range that no resource uses on any of the hosts' addresses (nor on a \
                wildcard address there) and that no socket on this machine holds; the minor is \
                the lowest one free on every host; with --meta DEV, the index is the lowest free \
                one on DEV on every host. Each host's address comes from --address HOST=IP or \
                from its sections in existing resources; when those give a host several \
                addresses, the one on the same network as the other hosts' chosen addresses is \
                taken (the longest shared prefix, the first written on a tie), and a '#' line \
                before the section says which and why. The result, added to the \
                configuration, passes 'xg-scale drbd check' and 'drbdadm dump'.

                --disk may contain {name}, replaced by the resource name; without --disk the \
                pattern of the existing resources is used when they all name their disk after \
                the resource (/dev/VG/RESOURCE). --disk and --meta must be absolute device \
                paths that stay one word of drbd.conf: a newline, blank, control character, \
                ';', brace, quote, '#' or '\\' is refused with the fix, and nothing is printed. \
                The printed section is read back and must be exactly the one new resource.

                Exit status: 0 printed, 1 nothing allocated (the error names the fix).

                JSON (--json):
                  {"name","port","minor","device","disk","meta-disk","meta-index"|null,
                   "dialect":"8.3|8.4|9","hosts":[{"name","address","family","node-id",
                   "address-reason"}],"text"}
                address-reason: "given with --address", "the only address of H in the \
                configuration", or "on 10.20.0.0/24 with the other hosts' addresses (...); not ...".

                Examples:
                  xg-scale drbd allocate vm-web --hosts dom0,dom0m > /etc/drbd.d/vm-web.res
                  xg-scale drbd allocate vm-db --hosts dom0,dom0m --disk /dev/vg0/{name} \\
                      --meta /dev/sdb1 --port-range 7800-7899 --json
                  xg-scale drbd allocate r7 --hosts a,b,c --address c=10.0.0.3
                """
        )

        @Argument(help: "Name of the new resource.")
        var name: String

        @Option(name: .long, help: "Comma-separated host names (two, or more for DRBD 9).")
        var hosts: String

        @Option(name: .long, help: "Ports to choose from, FIRST-LAST.")
        var portRange: String = "7788-7999"

        @Option(name: .long, help: "Backing disk ({name} is replaced by the resource name).")
        var disk: String?

        @Option(name: .long, help: "'internal' (default) or an external meta device to take an index on.")
        var meta: String?

        @Option(name: .long, help: "A host's address, HOST=IP (repeatable).")
        var address: [String] = []

        @Option(name: .long, help: "The configuration file (default: /etc/drbd.conf).")
        var config: String = "/etc/drbd.conf"

        @Option(name: .long, help: "Syntax of the printed section: 8.3, 8.4 or 9 (default: the configuration's).")
        var dialect: String?

        @Flag(name: .long, help: "Print the allocation as JSON.")
        var json = false

        func run() throws {
            let path = absolute(config)
            do { try requireReadable(path) } catch { drbdFail("\(error)") }
            let req = allocationRequest()
            let alloc: Allocation
            do {
                alloc = try LocalAllocation.allocate(req, config: path)
            } catch {
                switch error {
                case .config(let e):
                    drbdFail("\(e.location): error: \(e.message) (fix: \(e.fix); run 'xg-scale drbd check' to see every problem)")
                case .allocation(let e):
                    drbdFail("\(path): \(e)")
                }
            }
            if json {
                print(try JSONOutput.string(alloc), terminator: "")
            } else {
                print(alloc.text, terminator: "")
            }
        }

        /// The options as an allocation request; a malformed one ends the program (exit 1).
        func allocationRequest() -> AllocationRequest {
            let parts = portRange.split(separator: "-")
            guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), 1 <= lo, lo <= hi, hi <= 65535 else {
                drbdFail("error: --port-range '\(portRange)' is not FIRST-LAST within 1-65535 (fix: pass e.g. --port-range 7788-7999)")
            }
            var req = AllocationRequest(name: name, hosts: hosts.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
            req.portRange = lo...hi
            req.inputs = .xgScale
            req.disk = disk
            req.meta = meta
            for a in address {
                let kv = a.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { drbdFail("error: --address '\(a)' is not HOST=IP (fix: pass e.g. --address dom0=10.0.0.1)") }
                req.addresses[String(kv[0])] = String(kv[1])
            }
            if let d = dialect {
                guard let v = Dialect(rawValue: d) else { drbdFail("error: --dialect '\(d)' is unknown (fix: pass 8.3, 8.4 or 9)") }
                req.dialect = v
            }
            return req
        }
    }
}
