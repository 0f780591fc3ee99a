import DRBD
import Foundation
import TestSupport

/// Load configuration text held in memory (one or more files).
func load(_ files: [String: String], main: String = "/etc/drbd.conf") -> LoadResult {
    ConfigLoader.load(main, from: MemoryFileSource(files))
}

func load(_ text: String) -> LoadResult { load(["/etc/drbd.conf": text]) }

/// The DRBD inputs spelled as xg-scale's CLI hands them in (InputNames.xgScale in
/// Sources/xg-scale), for core tests whose expected texts are the ones users see.
let cliSpelling = InputNames(config: "--config", host: "--host", noLocal: "--no-local", hosts: "--hosts",
                             address: "--address", portRange: "--port-range", disk: "--disk", meta: "--meta",
                             allocate: "xg-scale drbd allocate")

func fixturesRoot() -> String { packageRoot().appendingPathComponent("Tests/Fixtures/drbd").path }

/// The corpus: every main configuration file under Tests/Fixtures/drbd (not the included ones).
let corpusFiles = [
    "xen-pair/drbd.conf", "v83/drbd.conf", "v84/volumes.conf", "v84/stacked.conf",
    "v84/multihost.conf", "v9/mesh.conf", "v9/connections.conf", "includes/main.conf",
    "misc/quoted.conf", "v9/floating.conf", "v9/mixed-subnets.conf",
]

/// The model as comparable lines: resources, host sections, addresses, volumes, connections.
func modelKey(_ c: Configuration, nodeIDs: Bool) -> [String] {
    var out: [String] = []
    for r in c.resources.sorted(by: { $0.name < $1.name }) {
        out.append("resource \(r.name)")
        var hosts: [String] = []
        for h in r.hosts {
            var kind = "on"
            if case .floating = h.kind { kind = "floating" }
            if case .stacked(let l) = h.kind { kind = "stacked-on-top-of \(l)" }
            var line = "  \(kind) [\(h.names.joined(separator: " "))]"
            if nodeIDs { line += " node-id=\(h.nodeID.map(String.init) ?? "-")" }
            line += " address=\(h.address?.description ?? "-")"
            for v in h.volumes { line += "\n    \(v.key)" }
            hosts.append(line)
        }
        out += hosts.sorted()
        for c in r.connections {
            for p in c.paths {
                out.append("  path " + p.map { "\($0.name)=\($0.address?.description ?? "-")\($0.port.map { ":\($0)" } ?? "")" }.joined(separator: " "))
            }
        }
        for m in r.meshes { out.append("  mesh " + m.joined(separator: " ")) }
    }
    return out
}

/// A syntax-only Configuration from text; fails the test when it has errors.
func config(_ text: String) throws -> Configuration {
    let r = load(text)
    if let e = r.errors.first { throw e }
    return r.configuration!
}

import Preflight
typealias DiskFileSourceForTests = DiskFileSource
