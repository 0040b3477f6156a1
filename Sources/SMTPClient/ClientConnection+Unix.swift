import NIOCore
import SMTPCore

extension ClientConnection {
    /// Connects to a UNIX-domain socket (`unix:/run/dovecot/lmtp`): one address, no DNS.
    /// The name TLS checks, if TLS is asked for, is `localhost`.
    public static func connect(
        unixPath path: String,
        timeout: Double,
        group: EventLoopGroup,
        tls: LazyClientTLS? = nil,
        implicitTLS: Bool = false,
        proxyProtocol: ProxyProtocolHeader? = nil,
        progress: @escaping @Sendable (ConnectProgress) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) throws(ConnectError) -> ClientConnection {
        let address: SocketAddress
        do {
            address = try SocketAddress(unixDomainSocketPath: path)
        } catch {
            throw .connectFailed("unix:" + path, reason: "\(error)")
        }
        return try connect(to: [address], timeout: timeout, group: group, host: "localhost", tls: tls, implicitTLS: implicitTLS, proxyProtocol: proxyProtocol, progress: progress, events: events)
    }
}
