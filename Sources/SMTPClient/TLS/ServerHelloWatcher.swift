import NIOCore

/// Sits before the TLS handler and reads the ServerHello as the bytes go by (unchanged),
/// then takes itself out of the pipeline.
final class ServerHelloWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var reader = ServerHelloReader()
    private let verdict: VerdictBox

    init(verdict: VerdictBox) {
        self.verdict = verdict
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { reader.append($0) }
        context.fireChannelRead(data)
        switch reader.state {
        case .reading:
            break
        case .found(let suite):
            verdict.setCipher(ServerHelloReader.name(suite))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .failed:
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
