// Persistence (`apply --persist interfaces|networkd`): after a verified apply, the matching
// render is written atomically so the node comes up the same after a reboot. Files xg-scale did
// not write are never touched; a conflicting stanza or file for one of the profile's interfaces
// is refused before anything changes. Under a timed revert, each file's previous bytes are
// journalled in the pending revert before it is written, and the revert puts them back.
import Foundation
import NodeNetwork
import SystemIO

public enum PersistFormat: String, Sendable, CaseIterable {
    case interfaces, networkd

    /// /etc/network/interfaces.d/xg-scale (one file) or /etc/systemd/network (a directory).
    public var defaultPath: String {
        self == .interfaces ? "/etc/network/interfaces.d/xg-scale" : "/etc/systemd/network"
    }
}

/// What `apply --persist` asks for.
public struct PersistRequest: Sendable {
    public var format: PersistFormat
    public var path: String
    public init(format: PersistFormat, path: String? = nil) {
        self.format = format; self.path = path ?? format.defaultPath
    }
}

/// A file persistence wrote, with what it replaced (nil: it did not exist).
public struct PersistedFile: Codable, Sendable, Equatable {
    public var path: String
    /// The previous bytes, base64 in JSON.
    public var previous: Data?
}

/// The files one persist writes (and, for networkd, our stale files it removes).
struct PersistPlan {
    var writes: [(path: String, contents: String)] = []
    var removes: [String] = []
    /// Every path touched, with its bytes now: the journal the revert restores.
    var journal: [PersistedFile] = []
}

enum Persist {
    static let header = RenderedHeader.mark
    /// The mark of our networkd files: NN-xg-scale-NAME.netdev/.network.
    static let networkdTag = "-xg-scale-"

    static func isOurs(_ path: String) -> Bool {
        guard let d = FileManager.default.contents(atPath: path) else { return false }
        return RenderedHeader.begins(String(decoding: d, as: UTF8.self))
    }

    /// Render, check for conflicts, and list what will be written. Throws (changing nothing)
    /// on a conflict: the file, the line and the fix.
    static func plan(_ request: PersistRequest, state: NetworkState, source: String) throws -> PersistPlan {
        let fm = FileManager.default
        let files = try Renderer.render(state, format: request.format == .interfaces ? .interfaces : .networkd, source: source)
        var plan = PersistPlan()
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: request.path, isDirectory: &isDir), isDir.boolValue != (request.format == .networkd) {
            throw StateError.io("--persist-path \(request.path) is \(isDir.boolValue ? "a directory" : "not a directory"); --persist \(request.format.rawValue) writes \(request.format == .networkd ? "into a directory" : "one file") (fix: name \(request.format == .networkd ? "a directory" : "a file"))")
        }
        switch request.format {
        case .interfaces:
            let text = files[0].contents
            if fm.fileExists(atPath: request.path) && !isOurs(request.path) {
                throw StateError.io("\(request.path) exists and was not written by xg-scale (no '\(header)' header); not touching it (fix: move it away or choose another --persist-path)")
            }
            try refuseInterfacesConflicts(names: names(text, key: "iface"), target: request.path)
            plan.writes = [(request.path, text)]
        case .networkd:
            let dir = request.path
            var wanted: Set<String> = []
            var ifnames: Set<String> = []
            for f in files {
                let name = networkdName(f.name)
                wanted.insert(name)
                ifnames.formUnion(names(f.contents, key: "Name="))
                plan.writes.append(((dir as NSString).appendingPathComponent(name), f.contents))
            }
            let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            for e in entries.sorted() {
                let path = (dir as NSString).appendingPathComponent(e)
                if isOurs(path) {
                    if e.contains(networkdTag) && !wanted.contains(e) { plan.removes.append(path) }
                    continue
                }
                if wanted.contains(e) {
                    throw StateError.io("\(path) exists and was not written by xg-scale; not touching it (fix: move it away or choose another --persist-path)")
                }
                try refuseConflict(path, names: ifnames, key: "Name=")
            }
        }
        for path in plan.writes.map(\.path) + plan.removes {
            plan.journal.append(PersistedFile(path: path, previous: fm.contents(atPath: path)))
        }
        return plan
    }

    /// 10-br0.netdev -> 10-xg-scale-br0.netdev.
    static func networkdName(_ rendered: String) -> String {
        guard let dash = rendered.firstIndex(of: "-") else { return "xg-scale-" + rendered }
        return String(rendered[..<dash]) + networkdTag + String(rendered[rendered.index(after: dash)...])
    }

    /// The interface names of `iface NAME` lines (key "iface") or `Name=A B` lines (key "Name=").
    static func names(_ text: String, key: String) -> Set<String> {
        var out: Set<String> = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if key == "iface" {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if words.count >= 2 && words[0] == "iface" { out.insert(String(words[1])) }
            } else if line.hasPrefix(key) {
                out.formUnion(line.dropFirst(key.count).split(separator: " ").map(String.init))
            }
        }
        return out
    }

    /// Other files of /etc/network/interfaces(.d): the siblings of `target` and, when its
    /// directory is `interfaces.d`, the `interfaces` file beside that directory.
    static func refuseInterfacesConflicts(names: Set<String>, target: String) throws {
        let dir = Trust.parent(of: target)
        var others = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            .map { (dir as NSString).appendingPathComponent($0) }
            .filter { $0 != target && !$0.contains(".tmp.") }
        if (dir as NSString).lastPathComponent == "interfaces.d" {
            others.insert(((dir as NSString).deletingLastPathComponent as NSString).appendingPathComponent("interfaces"), at: 0)
        }
        for path in others { try refuseConflict(path, names: names, key: "iface") }
    }

    /// Throw naming file and line when `path` (a regular file) names one of `names`.
    static func refuseConflict(_ path: String, names: Set<String>, key: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() {
            guard let name = Self.names(String(line), key: key).intersection(names).sorted().first else { continue }
            throw StateError.io("\(path):\(n + 1): '\(line.trimmingCharacters(in: .whitespaces))' also configures \(name), which --persist would write; not changing anything (fix: remove that stanza/file, or leave \(name) out of the profile)")
        }
    }

    /// Write the plan: config files are 0644, written atomically.
    static func write(_ plan: PersistPlan) throws -> [String] {
        for (path, contents) in plan.writes {
            try FileManager.default.createDirectory(atPath: Trust.parent(of: path), withIntermediateDirectories: true)
            try Files.writeAtomically(contents, to: path, mode: 0o644)
        }
        for path in plan.removes { try Files.remove(path) }
        return plan.writes.map(\.path)
    }

    /// Put every journalled file back as it was; returns the errors.
    static func restore(_ journal: [PersistedFile]) -> [String] {
        var errors: [String] = []
        for f in journal {
            do {
                if let previous = f.previous { try Files.writeAtomically(Array(previous), to: f.path, mode: 0o644) }
                else { try Files.remove(f.path) }
            } catch {
                errors.append("cannot restore \(f.path): \(error)")
            }
        }
        return errors
    }
}

extension ApplySession {
    /// After a verified apply: journal the previous bytes in the pending revert `revertID` (when
    /// one is pending: its restore puts them back), then write. Returns the paths written.
    func persist(_ plan: PersistPlan, revertID: String?) throws -> [String] {
        if let revertID, var p = try store.pending(), p.id == revertID {
            p.persisted = plan.journal
            try store.savePending(p)
        }
        do { return try Persist.write(plan) } catch {
            throw StateError.io("the apply is done and verified, but persisting it failed: \(error) (fix: check the --persist-path directory and run apply --persist again)")
        }
    }
}
