// `drbd allocate` on this machine: the configuration read from disk, the ports this machine
// holds avoided, DRBD's allocator deciding.
import DRBD

/// Why a local allocation gave no resource.
public enum LocalAllocationError: Error {
    /// The configuration does not load: its first error (`drbd check` lists them all).
    case config(ConfigError)
    /// The allocator refused the request.
    case allocation(AllocationError)
}

public enum LocalAllocation {
    /// A new resource for `request` in the configuration file at `path` (absolute), taking no
    /// port a socket of this machine holds.
    public static func allocate(_ request: AllocationRequest, config path: String)
        throws(LocalAllocationError) -> Allocation
    {
        let loaded = ConfigLoader.load(path, from: DiskFileSource(), inputs: request.inputs)
        if let e = loaded.errors.first { throw .config(e) }
        do {
            return try Allocator.allocate(request, in: loaded.configuration!, sockets: LocalMachine.sockets())
        } catch {
            throw .allocation(error)
        }
    }
}
