import NIOCore

/// Where a connection goes through a proxy: the proxy, and the server it is asked for.
public struct ProxyRoute: Sendable {
    public var proxy: ProxyConfiguration
    /// The server, by name: the proxy resolves it.
    public var host: String
    public var port: Int

    public init(proxy: ProxyConfiguration, host: String, port: Int) {
        self.proxy = proxy
        self.host = host
        self.port = port
    }
}

/// First in the pipeline of a connection through a proxy: it speaks the proxy's handshake
/// (``SOCKS5Handshake`` or ``HTTPConnectHandshake``) and holds everything back from the
/// handlers behind it (the reply reader, TLS) until the way to the server is open: then
/// they see the connection become active, and the server's bytes, as if it were direct.
final class ProxyHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Handshake {
        case socks(SOCKS5Handshake)
        case http(HTTPConnectHandshake)
    }

    private var handshake: Handshake
    private var open = false
    private var finished = false
    private let openedPromise: EventLoopPromise<Void>
    /// Succeeds when the way is open; fails with a ``ProxyError``.
    let opened: EventLoopFuture<Void>
    /// How long the handshake may take, from the connection.
    private let limit: TimeAmount
    private var limitTask: Scheduled<Void>?

    init(route: ProxyRoute, eventLoop: EventLoop, limit: TimeAmount) {
        self.limit = limit
        let proxy = route.proxy
        switch proxy.kind {
        case .socks5: handshake = .socks(SOCKS5Handshake(host: route.host, port: route.port, user: proxy.user, password: proxy.password))
        case .httpConnect: handshake = .http(HTTPConnectHandshake(host: route.host, port: route.port, user: proxy.user, password: proxy.password))
        }
        openedPromise = eventLoop.makePromise()
        opened = openedPromise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Whatever the outcome, the limit is no longer needed.
        opened.assumeIsolated().whenComplete { _ in self.limitTask?.cancel() }
    }

    func channelActive(context: ChannelHandlerContext) {
        limitTask = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { self.giveUp() }
        // Held back from the handlers behind until the way is open.
        let first: [UInt8]
        switch handshake {
        case .socks(let socks): first = socks.greeting()
        case .http(let http): first = http.request()
        }
        write(first, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !open else {
            context.fireChannelRead(data)
            return
        }
        guard !finished else { return }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let step: SOCKS5Handshake.Step
        switch handshake {
        case .socks(var socks):
            step = socks.receive(bytes)
            handshake = .socks(socks)
        case .http(var http):
            step = http.receive(bytes)
            handshake = .http(http)
        }
        switch step {
        case .wait:
            break
        case .send(let reply):
            write(reply, context: context)
        case .connected(let leftover):
            open = true
            finished = true
            openedPromise.succeed(())
            context.fireChannelActive()
            if !leftover.isEmpty {
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: leftover)))
                context.fireChannelReadComplete()
            }
        case .failed(let failure):
            finished = true
            openedPromise.fail(ProxyError(failure: failure))
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if open { context.fireChannelReadComplete() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            finished = true
            openedPromise.fail(ProxyError(failure: closedFailure))
        }
        if open { context.fireChannelInactive() }
    }

    /// A connection that never opened, or a pipeline torn down first: the waiter is told.
    func handlerRemoved(context: ChannelHandlerContext) {
        if !finished {
            finished = true
            openedPromise.fail(ProxyError(failure: .closed))
        }
    }

    private var closedFailure: ProxyFailure {
        if case .socks(let socks) = handshake, socks.awaitingMethod { return .closedBeforeMethod }
        return .closed
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if open {
            context.fireErrorCaught(error)
        } else if !finished {
            // A reset is a close too (microsocks resets when it turns the client away).
            finished = true
            openedPromise.fail(ProxyError(failure: closedFailure))
            context.close(promise: nil)
        }
    }

    /// Fails the handshake if it is not done by now (the connect timeout).
    func giveUp() {
        guard !finished else { return }
        finished = true
        openedPromise.fail(ProxyError(failure: nil))
    }

    private func write(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }
}

/// The handshake failed (`failure`), or did not end in time (`nil`).
struct ProxyError: Error {
    var failure: ProxyFailure?
}
