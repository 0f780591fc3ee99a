import Testing
import Foundation
@testable import NodeNetwork

@Suite struct ModelTests {
    @Test func jsonRoundTripUsesKebabCaseKeys() throws {
        let state = NetworkState(interfaces: [
            Interface(name: "xenbr0", kind: .bridge,
                      bridge: BridgeSettings(stp: true, priority: 32768, forwardDelay: 4)),
        ])
        let text = try state.jsonString()
        #expect(text.contains("\"forward-delay\" : 4"))
        let back = try JSONDecoder().decode(NetworkState.self, from: Data(text.utf8))
        #expect(back == state)
    }
}
