// `xg-scale lab-probe` (hidden): one end of the drill's probe stream, run by `lab drill` inside
// a lab namespace with `ip netns exec`. Not for interactive use.
import ArgumentParser
import Foundation
import Lab

extension XGScale {
    struct LabProbe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lab-probe",
            abstract: "One end of `lab drill`'s probe stream (started by it inside a lab namespace).",
            discussion: """
                Not for interactive use. --echo: echo every datagram on --port back to its sender, \
                print "ready". --to ADDR: send a probe every --interval-ms, print "flowing" at the \
                first echo, "status SENT NEWEST-ECHOED" every 100 ms, and when stdin closes one \
                JSON report (intervalMs, sent, received, gaps). Refuses (exit 1) in the machine's \
                own network namespace, in --outside's (the drill's), or where a default route exists.
                """,
            shouldDisplay: false).topLevel

        @Flag var echo = false
        @Option var to: String?
        @Option var port: UInt16
        @Option var intervalMs = 10
        @Option var outside: UInt64?

        func run() throws {
            if let why = ProbeGuard.problem(outside: outside) {
                printStderr("xg-scale lab-probe: error: \(why)")
                throw ExitCode.failure
            }
            let say: (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            do {
                if echo {
                    try ProbeStream.echo(port: port, say: say)
                } else if let to {
                    let report = try ProbeStream.send(to: to, port: port, intervalMs: max(1, intervalMs), say: say)
                    say(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
                } else {
                    printStderr("xg-scale lab-probe: error: give --echo or --to ADDR")
                    throw ExitCode.failure
                }
            } catch let e as ExitCode { throw e } catch {
                printStderr("xg-scale lab-probe: error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
