import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPCore

/// Parses what the server sends and reports it; remembers nothing else.
final class ReplyReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var parser: ReplyParser
    private let limits: ReplyParser.Limits
    private let events: @Sendable (ConnectionEvent) -> Void
    private var closedReported = false

    init(limits: ReplyParser.Limits, events: @escaping @Sendable (ConnectionEvent) -> Void) {
        self.limits = limits
        self.parser = ReplyParser(limits: limits)
        self.events = events
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { parser.append($0) }
        var reported = false
        while let event = parser.next() {
            reported = true
            switch event {
            case .line(let line): events(.line(line))
            case .reply(let reply): events(.reply(reply))
            case .unparsableLine(let line): events(.unparsableLine(line))
            }
        }
        if let length = parser.overlongLineLength {
            reported = true
            events(.overlongLine(length))
        }
        // Said at the end of each buffer read, not in channelReadComplete: a TLS handler put in
        // front during the read (after STARTTLS's 220) need not pass that one on.
        if reported { events(.readComplete) }
    }

    /// Octets received but not yet reported as lines.
    var bufferedByteCount: Int { parser.bufferedByteCount }

    /// Forgets what was received and not yet reported (injected after STARTTLS's 220).
    func discardBuffered() {
        parser = ReplyParser(limits: limits)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A line cut by the close is still shown (and recorded) for what it was.
        if !closedReported, let line = parser.finishStream() { events(.unfinishedLine(line)) }
        reportClosed(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if TLSHandshakeError.kind(of: error) != nil {
            // TLSWatcher has said what went wrong.
            reportClosed("TLS")
        } else if let io = error as? IOError {
            reportClosed(String(cString: strerror(io.errnoCode)))
        } else {
            reportClosed("\(error)")
        }
        context.close(promise: nil)
    }

    private func reportClosed(_ reason: String?) {
        guard !closedReported else { return }
        closedReported = true
        events(.closed(reason))
    }
}
