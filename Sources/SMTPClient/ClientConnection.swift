import Dispatch
import NIOCore
import NIOPosix
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
    /// The connection is gone; `nil` when closed cleanly (by either side).
    case closed(String?)
}

/// A TCP connection to an SMTP server: bytes out, parsed replies in. No protocol logic.
public final class ClientConnection: Sendable {
    public let channel: Channel
    public let remoteAddress: SocketAddress

    init(channel: Channel, remoteAddress: SocketAddress) {
        self.channel = channel
        self.remoteAddress = remoteAddress
    }

    /// Connects to the first address that answers, trying them in order. `progress` is told
    /// of each attempt (telnet's "Trying 127.0.0.1...").
    public static func connect(
        to addresses: [SocketAddress],
        timeout: Double,
        group: EventLoopGroup,
        limits: ReplyParser.Limits = .default,
        progress: @escaping @Sendable (ConnectProgress) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) async throws(ConnectError) -> ClientConnection {
        var failures: [ConnectError] = []
        for address in addresses {
            progress(.trying(address))
            let started = DispatchTime.now().uptimeNanoseconds
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(max(timeout, 0.001) * 1e9)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ReplyReader(limits: limits, events: events))
                    }
                }
            do {
                let channel = try await bootstrap.connect(to: address).get()
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                progress(.connected(address, milliseconds: elapsed))
                return ClientConnection(channel: channel, remoteAddress: address)
            } catch {
                let failure = classify(error, address: address, timeout: timeout)
                progress(.failed(address, failure))
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
            default: return .other("cannot connect to \(where_): \(String(cString: strerror(io.errnoCode)))")
            }
        }
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first {
            return classify(first.error, address: address, timeout: timeout)
        }
        return .other("cannot connect to \(where_): \(error)")
    }

    /// Writes bytes (already CRLF-terminated lines or message data).
    public func write(_ bytes: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Writes and waits until the bytes are handed to the kernel.
    public func writeAndWait(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(buffer).get()
    }

    public func close() {
        channel.close(promise: nil)
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
    private let events: @Sendable (ConnectionEvent) -> Void
    private var closedReported = false

    init(limits: ReplyParser.Limits, events: @escaping @Sendable (ConnectionEvent) -> Void) {
        self.parser = ReplyParser(limits: limits)
        self.events = events
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { parser.append($0) }
        while let event = parser.next() {
            switch event {
            case .line(let line): events(.line(line))
            case .reply(let reply): events(.reply(reply))
            case .unparsableLine(let line): events(.unparsableLine(line))
            }
        }
        if let length = parser.overlongLineLength { events(.overlongLine(length)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        reportClosed(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let io = error as? IOError {
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
