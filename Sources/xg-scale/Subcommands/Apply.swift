import Apply
import ArgumentParser
import Foundation
import Netlink
import NodeNetwork

extension XGScale {
    struct ApplyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Bring this node to PROFILE through netlink: plan, apply, verify, roll back on failure.",
            discussion: """
                Computes the plan (see `xg-scale plan`), snapshots every interface it touches and \
                the default routes, makes the changes (steps that do not depend on each other \
                are sent together, many netlink requests per system call, each acknowledged), \
                then reads the state back and checks it (bridge timers within one centisecond \
                tick, arp-ip-target as a set). If a step fails (kernel refusal, missing uplink, \
                SIGINT/SIGTERM), the steps already done (also those the kernel made after it in \
                the same system call) are undone in reverse order and the \
                touched interfaces are brought back to the snapshot (links, masters, options, \
                addresses, up/down); the failing step and the kernel's reason are printed and the \
                exit status is 1. When nothing differs, no change request is sent at all and no \
                link flaps.

                Ownership: every interface apply creates is recorded in the state directory \
                (written and fsynced before the create, so even a kill -9 leaves nothing \
                unowned) and marked in the kernel with the alias "xg-scale:ID" (`ip -d link` \
                shows it; ID is the state's, in owned.json). An interface is deleted, when the \
                profile no longer wants it, only when it is both recorded and marked; `lo`, the \
                profile's uplinks and their veth peers never are. When the state cannot be \
                written before a change, nothing is changed (exit 1).

                State per network namespace: the default state directory is \
                /var/lib/xg-scale/netns-INODE (INODE of /proc/self/ns/net: the namespace's \
                identity, not its name; $XG_SCALE_STATE_ROOT replaces /var/lib/xg-scale). A \
                --state-dir or $XG_SCALE_STATE_DIR records its namespace and is refused in \
                another one. The lock is per namespace, whatever the state directory: \
                /run/xg-scale/netns-INODE.lock ($XG_SCALE_LOCK_DIR replaces /run/xg-scale), and \
                STATE_DIR/lock; a second apply, confirm or rollback exits 1 naming the holder's pid \
                and state directory.

                Trust: the state and lock directories and every directory above them must be \
                owned by root and writable by nobody else (a root-owned sticky directory such \
                as /tmp is accepted above them), like OpenSSH's StrictModes; otherwise apply \
                exits 1 naming the path and the fix. Files are created 0600, written \
                atomically, and never opened through a symbolic link.

                --confirm-within SECONDS: the snapshot is saved and a detached watchdog (same \
                network namespace, own session) restores it when `xg-scale confirm` has not run \
                within SECONDS after the apply, even if this process or its shell was killed. \
                `xg-scale rollback` restores it at once. While a revert is pending, another \
                apply is refused; if its watchdog is no longer running, apply says so (nothing \
                would revert: run rollback or confirm).

                --persist interfaces|networkd: after a verified apply (also when already in \
                sync; never on a dry run or a failed apply), the render `xg-scale render --format \
                interfaces|networkd` prints is written atomically (temp file, fsync, rename) so \
                the node comes up the same after a reboot: interfaces to one file (default \
                /etc/network/interfaces.d/xg-scale), networkd into a directory (default \
                /etc/systemd/network) as NN-xg-scale-NAME.netdev/.network (our older files no \
                longer rendered are removed). --persist-path PATH replaces the default. Files \
                xg-scale did not write are never touched: a PATH without xg-scale's header, an \
                `iface NAME` stanza for one of the profile's interfaces in another file of \
                /etc/network/interfaces(.d), or a foreign networkd file naming one of them in the \
                directory is reported (file and line) and the apply refused before anything \
                changes (exit 1). With --confirm-within, each file's previous bytes are \
                journalled in the pending revert before it is written: `rollback` and the \
                watchdog put them back (or remove a file that did not exist) with the kernel \
                state; `confirm` keeps them. (When the node was already in sync, no revert is \
                pending: the files are written and kept.)

                --json prints {"changes", "in-sync", "applied", "failure", "rollback", "created", \
                "deleted", "requests": {"get","new","set","del"}, "change-requests", \
                "persisted": [paths]} on stdout, also when the apply failed.

                Exit status: 0 applied (or already in sync), 1 error (nothing is left half done).

                Examples:
                  xg-scale apply profiles/stp-two-switches.yaml --inventory profiles/inventory.yaml --node dom0
                  xg-scale apply site.yaml --dry-run
                  xg-scale apply site.yaml --confirm-within 120   # then, if still reachable:
                  xg-scale confirm
                  xg-scale apply site.yaml --persist interfaces --confirm-within 120
                  xg-scale apply site.yaml --persist networkd --persist-path /tmp/networkd
                  ip netns exec lab1 xg-scale apply site.yaml --state-dir /tmp/lab1 --json | jq .change-requests
                """).topLevel

        // ProfileInput's and StateOptions' arguments, declared here rather than as option groups:
        // each group costs ArgumentParser a reflection, a decoding and protocol-conformance scans
        // of the whole binary (~3 M instructions of a bench apply). Same names, help and order.
        @Argument(help: ProfileInput.profileHelp)
        var profile: String

        @Option(help: ProfileInput.inventoryHelp)
        var inventory: String?

        @Option(help: ProfileInput.nodeHelp)
        var node: String?

        @Option(help: ProfileInput.inventoryFormatHelp)
        var inventoryFormat: InventoryFormat?

        @Option(help: StateOptions.stateDirHelp)
        var stateDir: String?

        @Flag(name: .long, help: "Print the plan and change nothing (exit 0).")
        var dryRun = false

        @Option(help: ArgumentHelp("Revert to the pre-apply state unless `xg-scale confirm` runs within this many seconds.",
                                   valueName: "seconds"))
        var confirmWithin: Double?

        @Option(help: ArgumentHelp("After a verified apply, write the matching render so it survives a reboot: interfaces or networkd.",
                                   valueName: "format"))
        var persist: PersistFormat?

        @Option(help: ArgumentHelp("Where --persist writes (default /etc/network/interfaces.d/xg-scale for interfaces, the directory /etc/systemd/network for networkd).",
                                   valueName: "path"))
        var persistPath: String?

        @Flag(name: .long, help: "Print the outcome as JSON.")
        var json = false

        /// The parsed values (ApplyArguments: shared with EntryPoint's fast path, FastApply).
        var arguments: ApplyArguments {
            ApplyArguments(source: ProfileSource(profile: profile, inventory: inventory, node: node,
                                                 inventoryFormat: inventoryFormat),
                           stateDir: stateDir, dryRun: dryRun, confirmWithin: confirmWithin, persist: persist,
                           persistPath: persistPath, json: json)
        }

        func validate() throws { try arguments.validate() }

        func run() throws { try arguments.run() }
    }
}

/// See InventoryFormat's: the same lists, written for the concrete type.
extension PersistFormat: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
    public static var allValueDescriptions: [String: String] { [:] }
}
