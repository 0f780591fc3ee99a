// swift-tools-version:6.1
import PackageDescription

// Release builds reach generic type metadata through accessor functions, not by demangling a
// type name at its first use (which also scans every protocol conformance record of the binary,
// ~6 800 of them, for each first type/protocol pair a generic argument needs): about 2 M
// instructions fewer per apply (Benchmarks/apply-notes.md, "shipped-build").
let releaseSwift: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "xg-scale",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "xg-scale", targets: ["xg-scale"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libnl-3 / libnl-route-3 from Debian (libnl-3-dev, libnl-route-3-dev). The shipped build
        // (scripts/release-build.sh) gives its own .pc, which also links libstdc++ statically.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]
        ),
        // Swift over libnl: the only importer of CNetlink.
        // /proc/net/bonding (what netlink does not carry on 6.1) is read through SystemIO.
        .target(name: "Netlink", dependencies: ["CNetlink", "NodeNetwork", "SystemIO"], swiftSettings: releaseSwift),
        // The shared vocabulary of the cores: SourceLocation, Diagnostic (+ severity), IPAddress.
        // Pure values, no I/O, no dependencies; NodeNetwork and DRBD re-export it.
        .target(name: "Vocabulary", swiftSettings: releaseSwift),
        // Pure core: profiles, the network model, plans, renderers. No I/O.
        .target(name: "NodeNetwork", dependencies: ["Vocabulary", .product(name: "Yams", package: "Yams")], swiftSettings: releaseSwift),
        // Every POSIX file call, once: trust checks (StrictModes), O_NOFOLLOW/O_EXCL opens, atomic
        // durable writes, bounded reads of regular files; one error type.
        .target(name: "SystemIO", swiftSettings: releaseSwift),
        // Pure core: drbd.conf parser, model, conflict checks, allocation. No I/O.
        .target(name: "DRBD", dependencies: ["Vocabulary"], swiftSettings: releaseSwift),
        // Local facts for DRBD checks: files, glob(3), interfaces, sockets, device sizes.
        .target(name: "Preflight", dependencies: ["Vocabulary", "DRBD", "Netlink", "NodeNetwork", "SystemIO"], swiftSettings: releaseSwift),
        // Pure core of the link monitor: events, classification, redundancy, wire formats.
        .target(name: "MonitorCore", dependencies: ["NodeNetwork"], swiftSettings: releaseSwift),
        // Monitor engine: syslog/JSON/metrics emitters and the service loop (sockets, files).
        .target(name: "LinkMonitor", dependencies: ["MonitorCore", "NodeNetwork", "Netlink", "SystemIO"], swiftSettings: releaseSwift),
        // Apply engine: plan, snapshot, execute through Netlink, verify, undo; timed revert.
        .target(name: "Apply", dependencies: ["Netlink", "NodeNetwork", "SystemIO"], swiftSettings: releaseSwift),
        // Lab and drill: the two-switch topology in namespaces, a profile applied per node, monitors,
        // and failover drills measured with a probe stream (Sources/Lab/LabState.swift: the record).
        .target(name: "Lab", dependencies: ["NodeNetwork", "SystemIO"], swiftSettings: releaseSwift),
        .executableTarget(
            name: "xg-scale",
            dependencies: [
                "NodeNetwork", "Netlink", "Apply", "DRBD", "Preflight", "MonitorCore", "LinkMonitor", "SystemIO", "Lab",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseSwift,
            // Release builds link a position-dependent executable, as Go links its binaries: a
            // PIE with the static Swift runtime and Foundation carries ~85 000 relative
            // relocations, which ld.so applies at every start (about 1.2 ms and 230 page faults
            // of a 30 ms apply; Benchmarks/apply-notes.md "shipped-build"). The shared libraries,
            // stack and heap stay randomized. No symbol is exported (the static runtime's
            // -export-dynamic put ~7 900 of ours in .dynsym, which ld.so and the runtime's dladdr
            // walk at start; nothing looks them up).
            linkerSettings: [.unsafeFlags(["-Xlinker", "-no-pie", "-Xlinker", "--no-export-dynamic"],
                                          .when(platforms: [.linux], configuration: .release))]
        ),
        // Shared test helpers: process runner, throwaway network namespaces, binary locator.
        // KernelView compares an independent iproute2/sysfs reading with NodeNetwork's desired state.
        .target(name: "TestSupport", dependencies: ["NodeNetwork"], path: "Tests/TestSupport"),
        .testTarget(name: "NodeNetworkTests", dependencies: ["NodeNetwork", "TestSupport"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "VocabularyTests", dependencies: ["Vocabulary"]),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO", "TestSupport"]),
        .testTarget(name: "DRBDTests", dependencies: ["DRBD", "Preflight", "TestSupport"]),
        .testTarget(name: "MonitorCoreTests", dependencies: ["MonitorCore", "NodeNetwork"]),
        .testTarget(name: "LinkMonitorTests",
                    dependencies: ["LinkMonitor", "MonitorCore", "NodeNetwork", "SystemIO", "TestSupport"]),
        .testTarget(name: "KernelTests", dependencies: ["NodeNetwork", "TestSupport"]),
        // Bonding in a Debian kernel under qemu (Tests/VM harness); needs qemu-system-x86, busybox-static, cpio.
        .testTarget(name: "BondVMTests", dependencies: ["NodeNetwork", "TestSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "NodeNetwork", "TestSupport"]),
        // Test helper: runs Netlink write primitives inside a namespace (under `ip netns exec`).
        .executableTarget(name: "netlink-probe", dependencies: ["Netlink", "NodeNetwork"],
                          path: "Tests/NetlinkProbe"),
        // The `ip` render fed to `ip -batch -` in throwaway namespaces (root; skipped without).
        .testTarget(name: "RenderKernelTests", dependencies: ["NodeNetwork", "TestSupport"],
                    exclude: ["setup-ifupdown2.sh"]),
        // Test helper: prints the LinkEventStream of its namespace as JSON lines; times flaps.
        .executableTarget(name: "link-watch", dependencies: ["Netlink", "NodeNetwork"],
                          path: "Tests/LinkWatch"),
        .testTarget(name: "LinkEventTests", dependencies: ["NodeNetwork", "TestSupport"]),
        // `xg-scale monitor` on the real kernel (throwaway namespaces, real rsyslogd; root).
        .testTarget(name: "MonitorKernelTests", dependencies: ["TestSupport"]),
        // Apply engine without root (fault backend, timed revert clock) and, as root, plan/apply/
        // rollback/confirm of the STP profiles in throwaway namespaces.
        .testTarget(name: "ApplyTests", dependencies: ["Apply", "NodeNetwork", "Netlink", "TestSupport"]),
        // `xg-scale preflight` across namespace nodes (nftables, a real sshd; root) and its pure
        // parts (pairs, errno mapping, --exec templates, nft matching, JSON) without root.
        .testTarget(name: "PreflightTests", dependencies: ["Preflight", "DRBD", "TestSupport"]),
        // contrib/ansible's xg_scale module run by ansible-playbook (localhost, connection local)
        // with xg-scale inside throwaway namespaces (root; ansible-core from PyPI).
        .testTarget(name: "AnsibleTests", dependencies: ["TestSupport"]),
        // `xg-scale lab` on the real kernel: up/status/exec/down, kill -9 of up, refusals, preflight
        // through `lab exec` (root; namespaces named xgl-tPIDxN-*).
        .testTarget(name: "LabTests", dependencies: ["Lab", "TestSupport"]),
        // The CLI's own parts in process (@testable import of the executable): FastApply against
        // ArgumentParser's parse of ApplyCommand, and the binary with and without the fast path.
        .testTarget(name: "XGScaleTests",
                    dependencies: ["xg-scale", "TestSupport",
                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ],
    swiftLanguageModes: [.v6]
)
