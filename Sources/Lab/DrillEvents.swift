// The monitors' JSON lines (LabNode.monitorLog): what each logged after a point, and the
// redundancy state each reported last.
import Foundation
import SystemIO

enum MonitorLogs {
    static func bytes(_ node: LabNode) -> [UInt8] {
        ((try? Files.read(node.monitorLog, what: "monitor log", maxBytes: 1 << 28)) ?? nil) ?? []
    }

    /// Where each node's log ends now.
    static func offsets(_ nodes: [LabNode]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, bytes($0).count) })
    }

    static func objects(_ bytes: ArraySlice<UInt8>) -> [[String: Any]] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any]
        }
    }

    /// Every event logged since `offsets`, node by node, each with "node" added.
    static func since(_ offsets: [String: Int], nodes: [LabNode]) -> [[String: Any]] {
        nodes.flatMap { node -> [[String: Any]] in
            let b = bytes(node)
            let from = min(offsets[node.name] ?? 0, b.count)
            return objects(b[from...]).map { var o = $0; o["node"] = node.name; return o }
        }
    }

    /// The newest redundancy state ("ok", "degraded", "down") a node's monitor logged, or nil.
    static func lastRedundancy(_ node: LabNode) -> String? {
        objects(bytes(node)[...]).last { $0["event"] as? String == "redundancy" }?["to"] as? String
    }

    /// True when no node's monitor last said anything but ok.
    static func allOK(_ nodes: [LabNode]) -> Bool {
        nodes.allSatisfy { (lastRedundancy($0) ?? "ok") == "ok" }
    }
}
