// Helpers of the bonding VM tests that need the core model (the harness itself is in TestSupport,
// Tests/TestSupport/BondVM.swift, so that any test target can boot the VM).
import Foundation
import NodeNetwork

/// Decode `show --json` / `render --format json` output with the shared model.
func decodeState(_ json: String) throws -> NetworkState {
    try JSONDecoder().decode(NetworkState.self, from: Data(json.utf8))
}
