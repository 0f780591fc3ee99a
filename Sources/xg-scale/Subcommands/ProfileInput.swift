import ArgumentParser
import Foundation
import NodeNetwork

/// PROFILE [--inventory FILE --node NAME], shared by `render` and `validate`.
struct ProfileInput: ParsableArguments {
    @Argument(help: ArgumentHelp("The profile (YAML, schema version 1; see xg-scale-profile(5)).", valueName: "profile"))
    var profile: String

    @Option(help: ArgumentHelp("Inventory file that gives ${NAME} its value per node (needs --node).",
                               valueName: "file"))
    var inventory: String?

    @Option(help: ArgumentHelp("Node of the inventory to render for (needs --inventory).", valueName: "name"))
    var node: String?

    func validate() throws {
        if inventory != nil && node == nil {
            throw ValidationError("--inventory needs --node NAME (the node to render for)")
        }
        if node != nil && inventory == nil {
            throw ValidationError("--node needs --inventory FILE (the file that lists the nodes)")
        }
    }

    /// Names the input in rendered headers: "stp-two-switches.yaml (node dom0 of inventory.yaml)".
    var sourceDescription: String {
        let base = URL(fileURLWithPath: profile).lastPathComponent
        if let node, let inventory {
            return "\(base) (node \(node) of \(URL(fileURLWithPath: inventory).lastPathComponent))"
        }
        return base
    }

    /// Read, substitute and validate. Prints every diagnostic on stderr; on error exits 1.
    func load() throws -> LoadedProfile {
        do {
            let loaded = try read()
            printDiagnostics(loaded.warnings)
            return loaded
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode.failure
        }
    }

    /// Read, substitute and validate, printing nothing: every problem is in the thrown error.
    func read() throws(ProfileError) -> LoadedProfile {
        do {
            var variables: Variables?
            if let inventory, let node {
                let text = try readFile(inventory)
                variables = try Inventory.parse(text: text, file: inventory).variables(forNode: node)
            }
            return try ProfileLoader.load(text: try readFile(profile), file: profile, variables: variables)
        } catch let error as ProfileError {
            throw error
        } catch {
            throw ProfileError([Diagnostic(.error, at: SourceLocation(file: profile, line: 1, column: 1),
                                           "\(error)")])
        }
    }
}

/// A file's text, or a ProfileError naming it.
func readFile(_ path: String) throws -> String {
    do {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProfileError([Diagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1),
                                           "the file is not UTF-8 text", fix: "save it as UTF-8")])
        }
        return text
    } catch let error as ProfileError {
        throw error
    } catch {
        let reason: String
        if !FileManager.default.fileExists(atPath: path) {
            reason = "no such file"
        } else {
            reason = (error as NSError).localizedDescription
        }
        throw ProfileError([Diagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1),
                                       "cannot read the file: \(reason)",
                                       fix: "check the path and that it is a readable file")])
    }
}

func printDiagnostics(_ diagnostics: [Diagnostic]) {
    guard !diagnostics.isEmpty else { return }
    printStderr(diagnostics.map(\.description).joined(separator: "\n"))
}

func printError(_ message: String) {
    printStderr("xg-scale: error: " + message)
}
