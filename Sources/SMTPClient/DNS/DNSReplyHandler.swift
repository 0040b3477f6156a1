#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOCore
import NIOPosix

final class DNSReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let id: UInt16
    let server: String
    let promise: EventLoopPromise<[UInt8]>
    private var completed = false

    /// Completes the query once (an answer and the timeout may race).
    func complete(_ result: Result<[UInt8], Error>) {
        guard !completed else { return }
        completed = true
        promise.completeWith(result)
    }

    init(id: UInt16, server: String, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.server = server
        self.promise = promise
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED {
            complete(.failure(DNSError.refused(server)))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        // Ignore datagrams that are not the answer to our query (RFC 5452: match the id).
        guard bytes.count >= 2, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id else { return }
        complete(.success(bytes))
    }
}
