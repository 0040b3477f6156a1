import Dispatch
import NIOCore

extension ClientConnection {
    /// Waits for the proxy to open the way to the server (``ProxyHandshakeHandler`` gives up
    /// after the connect timeout), then says so; on failure the connection is closed and the
    /// failure thrown.
    static func throughProxy(
        _ channel: Channel, route: ProxyRoute, opened: EventLoopFuture<Void>, progress: @escaping @Sendable (ConnectProgress) -> Void
    ) throws(ConnectError) {
        let started = DispatchTime.now().uptimeNanoseconds
        let target = ServerAddress(host: route.host, port: route.port).description
        do {
            try opened.wait()
        } catch {
            channel.close(promise: nil)
            let failure: ProxyFailure? = if let proxyError = error as? ProxyError { proxyError.failure } else { .closed }
            throw .proxyFailed(route.proxy.description, target: target, failure)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        progress(.throughProxy(route.proxy.description, target: target, milliseconds: elapsed))
    }
}
