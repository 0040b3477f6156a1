import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPCore

/// What the connection reports, on its event loop, in the order it happened.
public enum ConnectionEvent: Sendable {
    /// A complete line of a reply, as soon as it arrived.
    case line(ReplyLine)
    /// A complete reply (after its last line's `.line`).
    case reply(Reply)
    /// A line that is not part of any reply.
    case unparsableLine(ReplyLine)
    /// The server sent a line longer than kept; so far this many octets.
    case overlongLine(Int)
    /// The connection closed in the middle of a line: what had come of it.
    case unfinishedLine(ReplyLine)
    /// The TLS handshake is done (after STARTTLS's 220, or first thing on a TLS port).
    case tlsEstablished(TLSReport)
    /// TLS could not be set up, or broke; the connection is being closed.
    case tlsFailed(TLSFailure)
    /// The connection is gone; `nil` when closed cleanly (by either side).
    case closed(String?)
    /// The events of one buffer read from the socket have all been reported: what they
    /// produced can be shown together (one write to the screen for thousands of lines).
    case readComplete
}

/// A TCP connection to an SMTP server: bytes out, parsed replies in. No protocol logic.
public final class ClientConnection: Sendable {
    public let channel: Channel
    public let remoteAddress: SocketAddress
    /// The name the user gave (for SNI and the certificate check).
    public let host: String
    let tls: LazyClientTLS?
    let events: @Sendable (ConnectionEvent) -> Void

    /// This side's address: `[127.0.0.1]` as an EHLO name when the machine has no
    /// fully-qualified name (RFC 5321, 4.1.3).
    public var localAddress: SocketAddress? { channel.localAddress }

    init(channel: Channel, remoteAddress: SocketAddress, host: String, tls: LazyClientTLS?, events: @escaping @Sendable (ConnectionEvent) -> Void) {
        self.channel = channel
        self.remoteAddress = remoteAddress
        self.host = host
        self.tls = tls
        self.events = events
    }

    /// Connects to the first address that answers, trying them in order. `progress` is told
    /// of each attempt (telnet's "Trying 127.0.0.1..."). Waits on the calling thread, which
    /// must not be an event loop of `group`.
    public static func connect(
        to addresses: [SocketAddress],
        timeout: Double,
        group: EventLoopGroup,
        host: String = "",
        tls: LazyClientTLS? = nil,
        implicitTLS: Bool = false,
        limits: ReplyParser.Limits = .default,
        progress: @escaping @Sendable (ConnectProgress) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) throws(ConnectError) -> ClientConnection {
        var failures: [ConnectError] = []
        // A TLS port: the set-up must work before any address is tried.
        let firstTLS = implicitTLS ? try tls?.get() : nil
        for address in addresses {
            progress(.trying(address))
            let started = DispatchTime.now().uptimeNanoseconds
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(max(timeout, 0.001) * 1e9)))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls = firstTLS {
                            let verdict = VerdictBox()
                            try channel.pipeline.syncOperations.addHandler(ServerHelloWatcher(verdict: verdict))
                            try channel.pipeline.syncOperations.addHandler(tls.makeHandler(host: host, verdict: verdict))
                            try channel.pipeline.syncOperations.addHandler(
                                TLSWatcher(verdict: verdict, serverName: tls.options.serverName ?? host, requireVerification: tls.options.requireVerification, events: events))
                        }
                        try channel.pipeline.syncOperations.addHandler(ReplyReader(limits: limits, events: events))
                    }
                }
            do {
                let channel = try bootstrap.connect(to: address).wait()
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                progress(.connected(address, milliseconds: elapsed))
                return ClientConnection(channel: channel, remoteAddress: address, host: host, tls: tls, events: events)
            } catch {
                let failure = classify(error, address: address, timeout: timeout)
                // The last failure is the error the caller reports: said once, not twice.
                if address != addresses.last { progress(.failed(address, failure)) }
                failures.append(failure)
            }
        }
        throw failures.count == 1 ? failures[0] : .allFailed(failures)
    }

    static func classify(_ error: Error, address: SocketAddress, timeout: Double) -> ConnectError {
        let where_ = address.displayString
        if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError {
            return .timedOut(where_, timeout)
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return .refused(where_)
            case ETIMEDOUT: return .timedOut(where_, timeout)
            case ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT:
                return .unreachable(where_, String(cString: strerror(io.errnoCode)))
            default: return .connectFailed(where_, reason: String(cString: strerror(io.errnoCode)))
            }
        }
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first {
            return classify(first.error, address: address, timeout: timeout)
        }
        return .connectFailed(where_, reason: "\(error)")
    }

    /// Writes bytes (already CRLF-terminated lines or message data).
    public func write(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Writes; the future completes once the bytes are handed to the kernel.
    public func writeFuture(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return channel.writeAndFlush(buffer)
    }

    public func close() {
        channel.close(promise: nil)
    }

    /// After STARTTLS's 220: puts TLS under the reply reader, on the same connection, and
    /// starts the handshake. Call it on the event loop, while the 220 is being handled.
    /// Bytes the server sent after the 220 in clear would otherwise be read as if they came
    /// under TLS (an injection, CVE-2011-0411): they are dropped and the connection closed.
    /// Returns why TLS could not start, or `nil`. The caller is inside the handling of a
    /// reply: closing is left to the next turn of the event loop, so that the close's events
    /// do not come back into it.
    public func startTLS() -> TLSFailure? {
        channel.eventLoop.preconditionInEventLoop()
        do {
            let tls: ClientTLS
            do throws(ConnectError) {
                guard let made = try self.tls?.get() else { return TLSFailure(.notConfigured) }
                tls = made
            } catch {
                closeSoon()
                return TLSFailure(.setup(error))
            }
            let reader = try channel.pipeline.syncOperations.handler(type: ReplyReader.self)
            let extra = reader.bufferedByteCount
            if extra > 0 {
                reader.discardBuffered()
                closeSoon()
                return TLSFailure(.injection(octets: extra))
            }
            let verdict = VerdictBox()
            let handler = try tls.makeHandler(host: host, verdict: verdict)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            // Before the TLS handler: it sees the server's bytes as they come, in clear.
            try channel.pipeline.syncOperations.addHandler(ServerHelloWatcher(verdict: verdict), position: .first)
            try channel.pipeline.syncOperations.addHandler(
                TLSWatcher(verdict: verdict, serverName: tls.options.serverName ?? host, requireVerification: tls.options.requireVerification, events: events),
                position: .after(handler))
            return nil
        } catch {
            closeSoon()
            return TLSFailure(.pipeline("\(error)"))
        }
    }

    private func closeSoon() {
        channel.eventLoop.execute { [channel] in channel.close(promise: nil) }
    }

    public var isActive: Bool { channel.isActive }
}

public enum ConnectProgress: Sendable {
    case trying(SocketAddress)
    case connected(SocketAddress, milliseconds: Double)
    case failed(SocketAddress, ConnectError)
}

extension SocketAddress {
    /// `127.0.0.1:25`, `[::1]:25`.
    public var displayString: String {
        let ip = ipAddress ?? description
        let port = self.port.map(String.init) ?? "?"
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

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

/// Why TLS could not be set up, or broke (exit status 7; 8 for a certificate --tls-verify
/// refused). Typed: the presentation words it.
public struct TLSFailure: Sendable {
    public enum Kind: Hashable, Sendable {
        /// The handshake failed; the TLS stack's reason code when there is one
        /// (`TLSV1_ALERT_INTERNAL_ERROR`).
        case handshake(reasonCode: String?)
        /// The server answered in clear: no TLS on that port.
        case notTLS
        /// The server closed without ending TLS properly.
        case uncleanShutdown
        /// The certificate did not verify and `--tls-verify` refused it.
        case certificateRefused(CertificateProblem)
        /// Bytes sent in clear after STARTTLS's 220, which would be read as if under TLS
        /// (CVE-2011-0411): dropped, and the connection closed.
        case injection(octets: Int)
        /// STARTTLS without a TLS set-up.
        case notConfigured
        /// The TLS set-up could not be made.
        case setup(ConnectError)
        /// The TLS handler could not be put on the connection (the library's reason).
        case pipeline(String)
    }

    public var kind: Kind
    /// With `certificateRefused`: the server's certificate (for the message and its fix).
    public var certificate: TLSReport.CertificateSummary?

    public init(_ kind: Kind, certificate: TLSReport.CertificateSummary? = nil) {
        self.kind = kind
        self.certificate = certificate
    }

    /// The certificate did not verify and `--tls-verify` asked for it to (exit status 8).
    public var verification: Bool {
        if case .certificateRefused = kind { return true }
        return false
    }
}

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
