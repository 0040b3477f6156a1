import Locking
import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPCore

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
        proxy: ProxyRoute? = nil,
        proxyProtocol: ProxyProtocolHeader? = nil,
        progress: @escaping @Sendable (ConnectProgress) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) throws(ConnectError) -> ClientConnection {
        var failures: [ConnectError] = []
        // A TLS port: the set-up must work before any address is tried.
        let firstTLS = implicitTLS ? try tls?.get() : nil
        for address in addresses {
            progress(.trying(address))
            let started = DispatchTime.now().uptimeNanoseconds
            // Through a proxy: the outcome of its handshake, known from the start of the attempt.
            let proxyOpened = Locked<EventLoopFuture<Void>?>(nil)
            // `--proxy-protocol`: the header written, or why it could not be.
            let headerWritten = Locked<EventLoopFuture<String>?>(nil)
            let limit = TimeAmount.nanoseconds(Int64(max(timeout, 0.001) * 1e9))
            var bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(max(timeout, 0.001) * 1e9)))
            // A UNIX-domain socket has no TCP options.
            if address.protocol != .unix { bootstrap = bootstrap.channelOption(.tcpOption(.tcp_nodelay), value: 1) }
            bootstrap = bootstrap
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Through a proxy: its handshake first, the rest held back until it is done.
                        if let proxy {
                            let handler = ProxyHandshakeHandler(route: proxy, eventLoop: channel.eventLoop, limit: limit)
                            proxyOpened.withLock { $0 = handler.opened }
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        // The PROXY header next: after the tunnel, before TLS and the commands.
                        if let proxyProtocol {
                            let writer = ProxyProtocolWriter(header: proxyProtocol, eventLoop: channel.eventLoop)
                            headerWritten.withLock { $0 = writer.written }
                            try channel.pipeline.syncOperations.addHandler(writer)
                        }
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
                if let proxy, let opened = proxyOpened.withLock({ $0 }) {
                    try throughProxy(channel, route: proxy, opened: opened, progress: progress)
                }
                if let written = headerWritten.withLock({ $0 }) {
                    do {
                        progress(.proxyProtocolHeader(try written.wait()))
                    } catch {
                        channel.close(promise: nil)
                        if let problem = error as? ProxyProtocolHeader.Problem { throw ConnectError.proxyProtocol(problem) }
                        throw ConnectError.connectFailed(address.displayString, reason: "\(error)")
                    }
                }
                return ClientConnection(channel: channel, remoteAddress: address, host: host, tls: tls, events: events)
            } catch let error as ConnectError {
                throw error
            } catch {
                var failure = classify(error, address: address, timeout: timeout)
                if let proxy { failure = .proxyUnreachable(proxy.proxy.description, failure) }
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

extension SocketAddress {
    /// `127.0.0.1:25`, `[::1]:25`, `unix:/run/dovecot/lmtp`.
    public var displayString: String {
        if self.protocol == .unix, let path = pathname { return "unix:" + path }
        let ip = ipAddress ?? description
        let port = self.port.map(String.init) ?? "?"
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
