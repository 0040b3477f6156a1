import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPCore

/// Reports the end of the TLS handshake with what it established, and its failure.
final class TLSWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let verdict: VerdictBox
    private let serverName: String
    private let requireVerification: Bool
    private let events: @Sendable (ConnectionEvent) -> Void
    private var failed = false

    init(verdict: VerdictBox, serverName: String, requireVerification: Bool, events: @escaping @Sendable (ConnectionEvent) -> Void) {
        self.verdict = verdict
        self.serverName = serverName
        self.requireVerification = requireVerification
        self.events = events
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !failed, let reason = TLSHandshakeError.kind(of: error) {
            failed = true
            let found = verdict.result
            if requireVerification, found.checked, let problem = found.problem {
                events(.tlsFailed(TLSFailure(.certificateRefused(problem), certificate: found.chain.first.map(ClientTLS.summary))))
            } else {
                events(.tlsFailed(TLSFailure(reason)))
            }
        }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            let version = (try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).tlsVersion) ?? nil
            let found = verdict.result
            events(.tlsEstablished(TLSReport(
                protocolVersion: version?.displayName ?? "TLS",
                cipher: verdict.cipher,
                chain: found.chain.map(ClientTLS.summary),
                problem: found.checked ? found.problem : .notChecked,
                serverName: serverName
            )))
        }
        context.fireUserInboundEventTriggered(event)
    }

}
