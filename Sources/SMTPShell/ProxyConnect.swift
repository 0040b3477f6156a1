import NIOCore
import SMTPCatalog
import SMTPClient

extension SessionRunner {
    /// `--proxy`: the proxy's addresses (resolved here), then the server asked of it by name
    /// (the proxy resolves it); with `--mx`, each MX host in turn.
    static func connect(
        through proxy: ProxyConfiguration, hosts: [String], port: Int, options: ConnectionOptions, group: EventLoopGroup, tls: LazyClientTLS,
        progress: @escaping @Sendable (ConnectProgress) -> Void, note: @escaping @Sendable (CatalogMessage) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) throws(ConnectError) -> ClientConnection {
        let addresses: [SocketAddress]
        do throws(ConnectError) {
            addresses = try AddressResolver.resolveWaiting(proxy.host, port: proxy.port, family: options.family)
        } catch {
            throw .proxyUnreachable(proxy.description, error)
        }
        var failures: [ConnectError] = []
        for host in hosts {
            do throws(ConnectError) {
                if hosts.count > 1 { note(CatalogMessage("connect-mx-host", ["host": host])) }
                return try ClientConnection.connect(
                    to: addresses, timeout: options.timeout, group: group, host: host, tls: tls, implicitTLS: options.implicitTLS,
                    proxy: ProxyRoute(proxy: proxy, host: host, port: port), proxyProtocol: options.proxyProtocol,
                    progress: progress, events: events)
            } catch {
                // The proxy itself is out of reach: the next MX host would not fare better.
                if case .proxyUnreachable = error.primary { throw error }
                failures.append(error)
                if hosts.count > 1 { note(CatalogMessage("connect-mx-failed", ["host": host, "error": error.text])) }
            }
        }
        throw failures.count == 1 ? failures[0] : .allFailed(failures)
    }
}
