// How the caller's user names the inputs a DRBD fix text points to. The core knows no command
// line: a fix says "pass a wider \(portRange)", and the caller decides whether that reads
// "--port-range" (the CLI hands in its flags) or something else.

/// The name, as the caller's user spells it, of each input a DRBD error or finding may ask the
/// user to change. `plain` names them in the core's own words.
public struct InputNames: Sendable, Hashable {
    /// The configuration file to read.
    public var config: String
    /// The host whose sections the local checks use.
    public var host: String
    /// The switch that skips the checks looking at this machine (a coordinator's check).
    public var noLocal: String
    /// The hosts of a new resource.
    public var hosts: String
    /// A host's address for a new resource, followed by `HOST=IP`.
    public var address: String
    /// The ports a new resource's port is taken from.
    public var portRange: String
    /// A new resource's backing disk.
    public var disk: String
    /// A new resource's meta device.
    public var meta: String
    /// The way to have free values proposed (a port, a minor, a meta-disk index).
    public var allocate: String

    public init(config: String, host: String, noLocal: String, hosts: String, address: String,
                portRange: String, disk: String, meta: String, allocate: String) {
        self.config = config; self.host = host; self.noLocal = noLocal; self.hosts = hosts
        self.address = address; self.portRange = portRange; self.disk = disk; self.meta = meta
        self.allocate = allocate
    }

    /// The core's own words, for a caller that names nothing.
    public static let plain = InputNames(config: "config", host: "host", noLocal: "no-local", hosts: "hosts",
                                         address: "address", portRange: "port-range", disk: "disk",
                                         meta: "meta", allocate: "allocate")
}
