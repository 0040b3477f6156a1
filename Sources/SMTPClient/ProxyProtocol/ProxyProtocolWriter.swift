import NIOCore

/// Writes the PROXY protocol header (``ProxyProtocolHeader``) as the connection's first
/// bytes: when the connection is open (after a proxy's tunnel, which holds `channelActive`
/// back), before TLS's first message or any command, then steps aside.
final class ProxyProtocolWriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let header: ProxyProtocolHeader
    /// Succeeds once the header is written, with what it says (`PROXY TCP4 …`); fails with
    /// the ``ProxyProtocolHeader/Problem`` that kept it from being written (the connection is
    /// then closed).
    let written: EventLoopFuture<String>
    private let promise: EventLoopPromise<String>
    /// The promise is completed (once only).
    private var done = false

    init(header: ProxyProtocolHeader, eventLoop: EventLoop) {
        self.header = header
        self.promise = eventLoop.makePromise()
        self.written = promise.futureResult
    }

    func channelActive(context: ChannelHandlerContext) {
        do {
            let (bytes, text) = try header.header(
                local: Self.endpoint(context.channel.localAddress), remote: Self.endpoint(context.channel.remoteAddress))
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            finish(.success(text))
            context.fireChannelActive()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            finish(.failure(error))
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.ioOnClosedChannel))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<String, Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }

    static func endpoint(_ address: SocketAddress?) -> (ip: String, port: Int)? {
        guard let address, address.protocol != .unix, let ip = address.ipAddress, let port = address.port else { return nil }
        return (ip, port)
    }
}
