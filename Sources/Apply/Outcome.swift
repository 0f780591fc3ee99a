// What an apply and a restore report: the outcome, the failing step, the restore report.
import Foundation
import Netlink
import NodeNetwork

/// Why an apply did not complete.
public struct StepFailure: Encodable, Sendable {
    /// 1-based index of the failing step in the plan (nil: verification after all steps).
    public var step: Int?
    public var change: Change?
    /// Our description of the error (operation and libnl's text).
    public var reason: String
    /// The kernel's own words (extended ACK), when it gave them.
    public var kernelReason: String?

    enum CodingKeys: String, CodingKey { case step, change, reason, kernelReason = "kernel-reason" }
}

/// What a restore did (after a failure, `rollback` or the timed revert).
public struct RestoreReport: Encodable, Sendable {
    /// Steps executed, undo steps first, then the convergence steps.
    public var steps: [Change] = []
    /// Steps that failed (the convergence pass repairs what an undo step could not).
    public var errors: [String] = []
    /// True when the touched interfaces and default routes read back equal to the snapshot.
    public var complete = false
    /// What still differs when not complete.
    public var remaining: [String] = []

    public init(steps: [Change] = [], errors: [String] = [], complete: Bool = false, remaining: [String] = []) {
        self.steps = steps; self.errors = errors; self.complete = complete; self.remaining = remaining
    }
}

public struct ApplyOutcome: Encodable, Sendable {
    public var changes: [Change]
    public var inSync: Bool { changes.isEmpty }
    public var dryRun = false
    /// All steps done and verified.
    public var applied = false
    public var failure: StepFailure?
    /// Set when a failure was undone.
    public var rollback: RestoreReport?
    /// Interfaces this apply created (they become owned) and deleted.
    public var created: [String] = []
    public var deleted: [String] = []
    public var snapshot: Snapshot?
    public var requests = RequestCounts()
    /// Files `--persist` wrote.
    public var persisted: [String] = []

    public init(changes: [Change]) { self.changes = changes }

    enum CodingKeys: String, CodingKey {
        case changes, inSync = "in-sync", dryRun = "dry-run", applied, failure, rollback, created, deleted
        case requests, changeRequests = "change-requests", persisted
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(changes, forKey: .changes)
        try c.encode(inSync, forKey: .inSync)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(applied, forKey: .applied)
        try c.encodeIfPresent(failure, forKey: .failure)
        try c.encodeIfPresent(rollback, forKey: .rollback)
        try c.encode(created, forKey: .created)
        try c.encode(deleted, forKey: .deleted)
        try c.encode(requests, forKey: .requests)
        try c.encode(requests.changes, forKey: .changeRequests)
        try c.encode(persisted, forKey: .persisted)
    }
}
