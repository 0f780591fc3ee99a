// Pipelined change requests: the requests of many changes sent back to back in one sendmsg(2),
// then every answer read and matched to its request by sequence number. The kernel handles
// each message of a sendmsg in turn and goes on after a refusal, so the caller batches only
// changes that do not depend on each other, and undoes the ones done after a refused one.
internal import CNetlink
import Foundation

/// What became of one unit (one change, or a create with what its request carries) of a batch.
public enum PipelinedResult {
    /// Every request of the unit was acknowledged.
    case done
    /// Refused by the kernel (or not buildable); `nothingLeft`: a create of which nothing of
    /// ours exists (making it again on its own may name the exact failing step, or succeed).
    case refused(NetlinkError, nothingLeft: Bool)
    /// Its answers could not be read: the kernel may have made it.
    case unknown(NetlinkError)
    /// Not sent: an earlier unit could not be built, or the sendmsg itself failed.
    case notSent(any Error)
}

/// The requests of the units queued so far, and how each unit reads its answers.
final class PipelineQueue {
    struct Unit {
        var messages: [Message] = []
        /// Turns the answers (one per message) into the unit's result.
        var settle: (([NetlinkError?]) -> PipelinedResult)?
    }
    var units: [Unit] = []
}

extension LinkWriter {
    /// The one send path of the change methods: queued while a pipeline is built, else sent
    /// and acknowledged at once.
    func submit(_ message: Message) throws(NetlinkError) {
        guard let queue else { return try socket.request(message) }
        queue.units[queue.units.count - 1].messages.append(message)
    }

    /// Run each of `units` (closures calling this writer's change methods) with their requests
    /// queued, then send them, as many per sendmsg as `NetlinkSocket.pipelineLimits` allows (a
    /// unit's requests always in one), and read every answer. Returns one result per unit, in
    /// order; it stops at the first unit that cannot be built (its result says why; later
    /// units are neither built nor sent, and have no result).
    public func pipeline(_ units: [() throws -> Void]) -> [PipelinedResult] {
        let queue = PipelineQueue()
        self.queue = queue
        var buildFailure: (any Error)?
        for unit in units {
            queue.units.append(PipelineQueue.Unit())
            do { try unit() } catch {
                buildFailure = error
                queue.units.removeLast()
                break
            }
        }
        self.queue = nil
        var results = send(queue.units)
        if let buildFailure { results.append(.notSent(buildFailure)) }
        return results
    }

    /// Send queued units in chunks that fit one sendmsg; after a chunk whose answers could not
    /// be read, the rest is not sent.
    private func send(_ units: [PipelineQueue.Unit]) -> [PipelinedResult] {
        let limits = socket.pipelineLimits
        var results: [PipelinedResult] = []
        var start = 0
        while start < units.count {
            var end = start, messages = 0, bytes = 0
            while end < units.count {
                let m = units[end].messages.count
                let b = units[end].messages.reduce(0) { $0 + $1.length + 4 }
                if end > start && (messages + m > limits.messages || bytes + b > limits.bytes) { break }
                messages += m; bytes += b; end += 1
            }
            let chunk = units[start..<end]
            let (answers, failure, sent) = socket.sendTogether(chunk.flatMap(\.messages))
            var offset = 0
            for unit in chunk {
                let n = unit.messages.count
                if offset + n <= answers.count {
                    let mine = Array(answers[offset..<(offset + n)])
                    results.append(unit.settle?(mine) ?? mine.compactMap { $0 }.first.map { .refused($0, nothingLeft: false) } ?? .done)
                } else if let failure {
                    results.append(sent ? .unknown(failure) : .notSent(failure))
                }
                offset += n
            }
            if let failure {
                results += units[end...].map { _ in .notSent(failure) }
                return results
            }
            start = end
        }
        return results
    }

    /// `sendCreate` inside a pipeline: the create and the mark of each new link queued as one
    /// unit; its answers settled as `sendCreate` settles them (a mark on a link not ours taken
    /// off, a create whose mark was refused deleted again), without trying other indexes (the
    /// caller makes a refused create again on its own).
    func queueMarkedCreate(names: [String], mark: String, build: (Int) throws(NetlinkError) -> Message) throws(NetlinkError) {
        let indexes = freeIndexes(names.count)
        let m = try build(indexes.count > 1 ? indexes[1] : 0)
        m.family(ifinfomsg.self).pointee.ifi_index = Int32(indexes[0])
        var messages: [Message] = []
        messages.reserveCapacity(names.count + 1)   // one allocation, never regrown
        messages.append(m)
        for (i, name) in zip(indexes, names) {
            messages.append(try Self.aliasMessage(index: i, alias: mark, operation: "mark \(name) as \(mark)"))
        }
        guard let queue else { preconditionFailure("queueMarkedCreate outside a pipeline") }
        if queue.units[queue.units.count - 1].messages.isEmpty {
            queue.units[queue.units.count - 1].messages = messages   // taken as it is, not copied
        } else {
            queue.units[queue.units.count - 1].messages += messages
        }
        queue.units[queue.units.count - 1].settle = { [unowned self] results in
            if let refused = results[0] {
                for (i, index) in indexes.enumerated() where results[i + 1] == nil {
                    _ = try? self.socket.request(Self.aliasMessage(index: index, alias: "", operation: "unmark link \(index)"))
                }
                // A refused create makes nothing: a link of that name is someone else's.
                return .refused(refused, nothingLeft: true)
            }
            if let refused = results.dropFirst().compactMap({ $0 }).first {
                let deleted = (try? self.socket.request(LinkRequest.message(.del, index: indexes[0], operation: "delete unmarked \(names[0])"))) != nil
                return .refused(refused, nothingLeft: deleted)
            }
            for (name, index) in zip(names, indexes) { self.remember(name, index) }
            return .done
        }
    }
}
