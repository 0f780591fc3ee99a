import ArgumentParser

extension XGScale {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the current links that matter for redundancy (placeholder).")
        func run() throws {}
    }
}
