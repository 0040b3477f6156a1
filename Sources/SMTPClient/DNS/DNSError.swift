public enum DNSError: Error, Hashable, Sendable {
    case invalidName(String)
    case malformed(String)
    case timedOut(String)
    /// Nothing listens on the server's port (ICMP port unreachable): said at once.
    case refused(String)
    case noServer
    /// No UDP socket could be opened towards the server.
    case noSocket(String)
    /// The server answered with this error code (RFC 1035, 4.1.1: 2 SERVFAIL, 5 REFUSED…).
    case serverError(Int)
    /// The name exists but has no address of the kinds asked for.
    case noAddressRecords
}
