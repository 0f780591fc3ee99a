import ArgumentParser
import Foundation
import NodeNetwork

/// See InventoryFormat's: the same lists, written for the concrete type.
extension RenderFormat: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
    public static var allValueDescriptions: [String: String] { [:] }
}

extension XGScale {
    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render",
            abstract: "Render a profile as ip batch, ifupdown2 interfaces, systemd-networkd files or JSON.",
            discussion: """
                Validates PROFILE (as `xg-scale validate` does) and prints the configuration the \
                node needs. Nothing is applied. Output is deterministic: the same input gives \
                byte-identical output.

                Formats:
                  ip          a script for `ip -batch -` (lines without the leading
                              `ip`), in an order the kernel accepts; the uplinks
                              must exist.
                  interfaces  /etc/network/interfaces stanzas for Debian's ifupdown2.
                              Refused (exit 1, nothing written) when the profile
                              sets a bond option ifupdown2 3.0.0 does not apply
                              (arp-*, ns-ip6-target, ad-select and others; see
                              xg-scale-profile(5)).
                  networkd    systemd-networkd .netdev/.network files; on stdout
                              each file follows a line `# FILE: NAME`. Refused
                              when the profile sets use-carrier, ns-ip6-target,
                              peer-notify-delay or arp-validate filter*, which
                              systemd 252 cannot carry.
                  json        the desired network state, in the schema of
                              `xg-scale show --json`.

                With --output DIR each file is written into DIR (created if missing): networkd \
                writes one file per interface, the other formats ip.batch, interfaces or \
                state.json. A file that exists and was not rendered by xg-scale is never \
                overwritten (the command fails and writes nothing). Files rendered earlier that \
                the new render does not produce are left alone: remove them yourself.

                Examples:
                  cd profiles
                  xg-scale render stp-two-switches.yaml --format ip \\
                      --inventory inventory.yaml --node dom0
                  xg-scale render stp-two-switches.yaml --format ip \\
                      --inventory inventory.yaml --node dom0 | ip -batch -
                  xg-scale render bond-802.3ad.yaml --format networkd \\
                      --inventory inventory.yaml --node dom0m \\
                      --output /etc/systemd/network
                  xg-scale render bond-active-backup.yaml --format interfaces \\
                      --inventory inventory.yaml --node dom0
                """).topLevel

        @OptionGroup var input: ProfileInput

        @Option(help: ArgumentHelp("Output format: ip, interfaces, networkd or json.", valueName: "format"))
        var format: RenderFormat

        @Option(help: ArgumentHelp("Write the rendered file(s) into this directory instead of stdout.", valueName: "dir"))
        var output: String?

        func run() throws {
            let loaded = try input.load(trust: .any)
            let state = loaded.profile.desiredState()
            let refusals = Renderer.refusals(state, format: format)
            guard refusals.isEmpty else {
                let start = SourceLocation(file: loaded.file, line: 1, column: 1)
                printDiagnostics(refusals.map {
                    Diagnostic(.error, at: loaded.bondKeyLocations[$0.option.spec.key] ?? start, $0.message, fix: $0.fix)
                })
                throw ExitCode.failure
            }
            let files = try Renderer.render(state, format: format, source: input.sourceDescription)
            if format == .interfaces {
                for caveat in Renderer.interfacesCaveats(state) {
                    printStderr("xg-scale: warning: \(caveat)")
                }
            }
            if let output {
                try write(files, into: output)
            } else {
                FileHandle.standardOutput.write(Data(Renderer.joined(files).utf8))
            }
        }

        /// Write every file, after checking that none would overwrite a file xg-scale did not render.
        func write(_ files: [RenderedFile], into dir: String) throws {
            let fm = FileManager.default
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
                printError("--output \(dir) exists and is not a directory (fix: name a directory)")
                throw ExitCode.failure
            }
            var refused: [String] = []
            for f in files {
                let path = (dir as NSString).appendingPathComponent(f.name)
                guard fm.fileExists(atPath: path) else { continue }
                let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                let ours = RenderedHeader.anywhere(existing)
                    || (f.name.hasSuffix(".json") && existing.hasPrefix("{") && existing.contains("\"interfaces\""))
                if !ours { refused.append(path) }
            }
            if !refused.isEmpty {
                for path in refused {
                    printError("\(path) exists and was not rendered by xg-scale; not overwriting anything (fix: move it away or choose another --output)")
                }
                throw ExitCode.failure
            }
            do {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                for f in files {
                    let path = (dir as NSString).appendingPathComponent(f.name)
                    try Data(f.contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                    print("wrote \(path)")
                }
            } catch {
                printError("cannot write into \(dir): \(error.localizedDescription) (fix: check the directory's permissions)")
                throw ExitCode.failure
            }
        }
    }
}
