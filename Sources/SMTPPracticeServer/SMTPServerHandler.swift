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
import NIOSSL
import NIOTLS
import SMTPCore

/// Carries out a ``ServerSession``'s actions on a channel: writes replies, inserts TLS after
/// STARTTLS, stores messages (off the event loop) before their 250, runs the timers.
/// It holds no protocol logic.
final class SMTPServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var session: ServerSession
    private let context: PracticeServer.SessionContext
    private let number: Int
    private var queue: [ServerSession.Action] = []
    private var storing = false
    /// A `.pause` is running: nothing is read or written until it ends.
    private var pausing = false
    private var closing = false
    private var timers: [Scheduled<Void>] = []
    private var idleTimer: Scheduled<Void>?
    private var inTransaction = false
    /// The generation of the shared configuration this session runs with.
    private var generation: Int

    init(session: ServerSession, context: PracticeServer.SessionContext, number: Int) {
        self.session = session
        self.context = context
        self.number = number
        generation = context.live.current.generation
    }

    /// `--log-dir`: this session's own log file.
    private var logFile: SessionLogFile?

    /// Builds the log line only when someone reads the log (not under --quiet, or a file).
    private func log(_ text: @autoclosure () -> String) {
        guard context.log != nil || logFile != nil else { return }
        let line = text()
        context.log?("[\(number)] \(line)")
        logFile?.write(line)
    }

    /// The log file takes the name of who the client is, once known.
    private func nameLogFile() {
        guard let logFile else { return }
        if let user = session.authenticatedUser {
            logFile.name(user)
        } else if let name = session.clientName, !name.isEmpty {
            logFile.name(name)
        }
    }

    func channelActive(context channelContext: ChannelHandlerContext) {
        if let directory = context.logDirectory {
            logFile = SessionLogFile(directory: directory, number: number, clientAddress: session.clientAddress)
        }
        // `127.0.0.1:35638`, `[::1]:35638` (not NIO's `[IPv4]127.0.0.1/127.0.0.1:35638`).
        let peer = channelContext.remoteAddress.map(Self.display) ?? "?"
        log("-- connection from \(peer)\(session.tls ? " (TLS port)" : "")")
        let loop = channelContext.eventLoop
        let handlerBox = NIOLoopBound(self, eventLoop: loop)
        let contextBox = NIOLoopBound(channelContext, eventLoop: loop)
        let delay = session.configuration.greetingDelay
        if delay > 0 {
            timers.append(loop.scheduleTask(in: context.delay(delay)) {
                handlerBox.value.perform(handlerBox.value.session.greet(), contextBox.value)
            })
        } else {
            perform(session.greet(), channelContext)
        }
        for (seconds, index) in session.timedRules {
            timers.append(loop.scheduleTask(in: context.delay(seconds)) {
                handlerBox.value.perform(handlerBox.value.session.timeElapsed(ruleIndex: index), contextBox.value)
            })
        }
        resetIdleTimer(channelContext)
        channelContext.fireChannelActive()
    }

    func channelInactive(context channelContext: ChannelHandlerContext) {
        timers.forEach { $0.cancel() }
        idleTimer?.cancel()
        if inTransaction {
            log("-- the client disconnected in the middle of a message: nothing was stored")
        }
        log("-- connection closed")
        logFile?.close()
        channelContext.fireChannelInactive()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        // Rules reloaded since the last command apply from this one on.
        if let newer = context.live.newer(than: generation) {
            generation = newer.generation
            session.reconfigure(newer.configuration)
        }
        resetIdleTimer(channelContext)
        perform(session.receive(bytes), channelContext)
    }

    func userInboundEventTriggered(context channelContext: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let protocolName) = event {
            session.tlsEstablished()
            log("-- TLS handshake done\(protocolName.map { " (ALPN \($0))" } ?? "")")
        }
        channelContext.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: Error) {
        log("-- error: \(error)")
        channelContext.close(promise: nil)
    }

    private func resetIdleTimer(_ channelContext: ChannelHandlerContext) {
        idleTimer?.cancel()
        let loop = channelContext.eventLoop
        let handlerBox = NIOLoopBound(self, eventLoop: loop)
        let contextBox = NIOLoopBound(channelContext, eventLoop: loop)
        // No limit (`learn`, `demo`): a class may listen to the teacher for an hour.
        guard let seconds = session.configuration.idleTimeout else { return }
        let number = self.number
        idleTimer = loop.scheduleTask(in: context.delay(seconds)) {
            let handler = handlerBox.value
            // Told before the 421 goes out: whoever hears about it knows why the connection ends.
            handler.context.events?(.idleTimeout(session: number, seconds: seconds))
            handler.perform(handler.session.idleTimedOut(), contextBox.value)
        }
    }

    static func display(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return address.description }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return address.port.map { "\(host):\($0)" } ?? host
    }

    // MARK: - Actions

    private func perform(_ actions: [ServerSession.Action], _ channelContext: ChannelHandlerContext) {
        queue += actions
        drain(channelContext)
        nameLogFile()
    }

    private func drain(_ channelContext: ChannelHandlerContext) {
        var wrote = false
        while !storing, !pausing, !closing, !queue.isEmpty {
            let action = queue.removeFirst()
            switch action {
            case .send(let reply):
                write(reply, channelContext)
                wrote = true
                updateTransactionFlag(reply)
            case .startTLS:
                channelContext.flush()
                wrote = false
                do {
                    let handler = NIOSSLServerHandler(context: try context.sslContext())
                    try channelContext.pipeline.syncOperations.addHandler(handler, position: .first)
                    log("-- starting TLS")
                } catch {
                    log("-- cannot start TLS: \(error)")
                    channelContext.close(promise: nil)
                    closing = true
                }
            case .deliver(let message, let reply):
                storing = true
                store(message, then: reply, channelContext)
            case .close:
                closing = true
                let contextBox = NIOLoopBound(channelContext, eventLoop: channelContext.eventLoop)
                channelContext.writeAndFlush(NIOAny(ByteBuffer())).whenComplete { _ in
                    contextBox.value.close(promise: nil)
                }
                wrote = false
            case .reset:
                // SO_LINGER with a zero time: close(2) sends RST instead of FIN.
                closing = true
                log("-- resetting the connection")
                let contextBox = NIOLoopBound(channelContext, eventLoop: channelContext.eventLoop)
                channelContext.flush()
                if let socket = channelContext.channel as? SocketOptionProvider {
                    socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in contextBox.value.close(promise: nil) }
                } else {
                    channelContext.close(promise: nil)
                }
                wrote = false
            case .pause(let seconds):
                if wrote { channelContext.flush() }
                wrote = false
                pause(seconds, channelContext)
            case .logClient(let text):
                log("C: \(VisibleText.escape(text))")
                if text.hasPrefix("(message") { inTransaction = false }
            case .note(let text):
                log("-- \(text)")
            }
        }
        if wrote { channelContext.flush() }
    }

    /// Waits `seconds` (in the server's time scale) before the next action, and reads nothing
    /// meanwhile: a client that sends faster is held back by TCP (a tarpit).
    private func pause(_ seconds: Double, _ channelContext: ChannelHandlerContext) {
        pausing = true
        let channel = channelContext.channel
        _ = channel.setOption(.autoRead, value: false)
        let loop = channelContext.eventLoop
        let handlerBox = NIOLoopBound(self, eventLoop: loop)
        let contextBox = NIOLoopBound(channelContext, eventLoop: loop)
        timers.append(loop.scheduleTask(in: context.delay(seconds)) {
            let handler = handlerBox.value
            handler.pausing = false
            _ = channel.setOption(.autoRead, value: true)
            handler.drain(contextBox.value)
        })
    }

    private func updateTransactionFlag(_ reply: Reply) {
        // After 354 the client is inside a message until the final reply.
        if reply.code == .startMailInput { inTransaction = true }
    }

    private func write(_ reply: Reply, _ channelContext: ChannelHandlerContext) {
        for line in reply.lines {
            log("S: \(VisibleText.escape(line.bytes))")
        }
        var buffer = channelContext.channel.allocator.buffer(capacity: reply.raw.count)
        buffer.writeBytes(reply.raw)
        channelContext.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func store(_ message: ReceivedMessage, then reply: Reply, _ channelContext: ChannelHandlerContext) {
        let loop = channelContext.eventLoop
        let handlerBox = NIOLoopBound(self, eventLoop: loop)
        let contextBox = NIOLoopBound(channelContext, eventLoop: loop)
        let store = context.store
        let host = session.configuration.hostname
        // Without a directory there is nothing to write: no trip to the thread pool.
        let future: EventLoopFuture<URL?> =
            store.directory == nil
            ? loop.makeSucceededFuture(nil)
            : context.threadPool.runIfActive(eventLoop: loop) { try store.store(message, host: host) }
        future.whenComplete { result in
            let handler = handlerBox.value
            let channelContext = contextBox.value
            handler.storing = false
            switch result {
            case .success(let url):
                let recipients = message.recipients.map(\.description).joined(separator: ", ")
                handler.log("-- message \(message.id) from \(message.sender) to \(recipients), \(message.content.count) octets\(url.map { ", stored in \($0.path)" } ?? "")")
                handler.context.accepted?(message)
                handler.write(reply, channelContext)
            case .failure(let error):
                handler.log("-- could not store message \(message.id): \(error)")
                handler.write(ReplyStyle.render("451 4.3.0 Could not store the message; try again later", host: host), channelContext)
            }
            channelContext.flush()
            handler.drain(channelContext)
        }
    }
}
