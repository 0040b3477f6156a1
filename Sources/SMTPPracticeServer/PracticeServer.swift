#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SMTPCore

/// The practice server: a real ESMTP server on SwiftNIO that listens on loopback, speaks
/// STARTTLS and implicit TLS, authenticates a practice account, stores messages, and can be
/// made to send any reply (``ScenarioRule``). Start it in-process with ``start()``.
public final class PracticeServer: Sendable {
    public struct Options: Sendable {
        public var configuration = PracticeServerConfiguration()
        /// The address to listen on (loopback unless the user says otherwise).
        public var host = "127.0.0.1"
        /// The plain (and STARTTLS) port; 0 picks a free one.
        public var port = 2525
        /// The implicit-TLS port, if any; 0 picks a free one.
        public var tlsPort: Int?
        /// A UNIX-domain socket to listen on as well (`serve --unix PATH`); a socket file
        /// left there by an earlier run is replaced.
        public var unixSocket: String?
        /// Certificate and key; `nil` generates a self-signed one at start.
        public var tlsMaterial: TLSMaterial?
        /// Where to store messages; `nil` keeps them in the log only.
        public var messageDirectory: URL?
        /// A log file per session in this directory (`--log-dir`), besides ``log``.
        public var sessionLogDirectory: URL?
        /// Receives each log line (both sides of every session); `nil` for silence.
        public var log: (@Sendable (String) -> Void)?
        /// Called on the event loop for every accepted message (after it is stored).
        public var accepted: (@Sendable (ReceivedMessage) -> Void)?
        /// Called on the event loop when something ends a session that its client did not
        /// ask for (``Event``): what `smtpsh learn` and `smtpsh demo` tell the learner.
        public var events: (@Sendable (Event) -> Void)?
        /// Every timer of the server (greeting delay, `TIME` rules, idle limit) runs this
        /// many times as long: tests set it below 1 (`SMTPSH_TEST_TIME_SCALE`) to check
        /// what happens after five minutes without waiting five minutes.
        public var timeScale: Double = 1

        public init() {}
    }

    /// What happened to a session, for the program that runs the server.
    public enum Event: Hashable, Sendable {
        /// The session was closed after this many seconds of silence (421).
        case idleTimeout(session: Int, seconds: Double)
    }

    /// What every session's handler shares.
    struct SessionContext: Sendable {
        /// The configuration now: sessions take the newest one before each command.
        var live: LiveConfiguration
        var log: (@Sendable (String) -> Void)?
        var accepted: (@Sendable (ReceivedMessage) -> Void)?
        var events: (@Sendable (Event) -> Void)?
        var timeScale: Double
        /// The greylist and rate counters, shared by every session.
        var shared: SharedTables
        var logDirectory: URL?

        /// A delay of the configuration, in the server's time scale.
        func delay(_ seconds: Double) -> TimeAmount {
            .nanoseconds(Int64(min(max(seconds * timeScale, 0), 86400 * 2) * 1e9))
        }
        var store: MessageStore
        var threadPool: NIOThreadPool
        var makeSSLContext: @Sendable () throws -> NIOSSLContext

        func sslContext() throws -> NIOSSLContext { try makeSSLContext() }
    }

    public let options: Options
    private let group: MultiThreadedEventLoopGroup
    private let ownsGroup: Bool
    private let threadPool: NIOThreadPool
    private let state = Locked(State())
    private let live = LiveConfiguration()

    private struct State {
        var channels: [Channel] = []
        var sessionCounter = 0
        var messageCounter = 0
    }

    public struct Listening: Sendable {
        public var port: Int
        public var tlsPort: Int?
        public var certificate: String
        /// The UNIX-domain socket's path, when it listens on one.
        public var unixSocket: String?
    }

    public init(options: Options, group: MultiThreadedEventLoopGroup? = nil) {
        self.options = options
        self.ownsGroup = group == nil
        self.group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        self.threadPool = NIOThreadPool(numberOfThreads: 2)
    }

    /// Binds the listeners. Throws with a clear message when a port is taken.
    public func start() async throws -> Listening {
        threadPool.start()
        var configuration = options.configuration
        let material = try options.tlsMaterial ?? TLSMaterial.selfSigned(hostname: configuration.hostname)
        let sslContext = try material.makeContext()
        configuration.tlsAvailable = true
        let store = try MessageStore(directory: options.messageDirectory)
        if let logs = options.sessionLogDirectory {
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        }
        live.replace(configuration)
        let scale = options.timeScale > 0 ? options.timeScale : 1
        let context = SessionContext(
            live: live,
            log: options.log,
            accepted: options.accepted,
            events: options.events,
            timeScale: scale,
            shared: SharedTables(timeScale: scale),
            logDirectory: options.sessionLogDirectory,
            store: store,
            threadPool: threadPool,
            makeSSLContext: { sslContext }
        )
        let plain = try await bind(port: options.port, tls: nil, context: context)
        var tlsPort: Int?
        if let port = options.tlsPort {
            let channel = try await bind(port: port, tls: sslContext, context: context)
            tlsPort = channel.localAddress?.port
        }
        var listening = Listening(port: plain.localAddress?.port ?? options.port, tlsPort: tlsPort, certificate: material.summary)
        if let path = options.unixSocket {
            do {
                let channel = try await bootstrap(tls: nil, context: context, tcp: false)
                    .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
                state.withLock { $0.channels.append(channel) }
                listening.unixSocket = path
            } catch {
                throw PracticeServerError(listening: "unix:" + path, port: 0, error: error)
            }
        }
        return listening
    }

    private func bind(port: Int, tls: NIOSSLContext?, context: SessionContext) async throws -> Channel {
        do {
            let channel = try await bootstrap(tls: tls, context: context, tcp: true).bind(host: options.host, port: port).get()
            state.withLock { $0.channels.append(channel) }
            return channel
        } catch {
            throw PracticeServerError(listening: options.host, port: port, error: error)
        }
    }

    /// The sessions' pipeline; `tcp`: TCP options (a UNIX-domain socket has none).
    private func bootstrap(tls: NIOSSLContext?, context: SessionContext, tcp: Bool) -> ServerBootstrap {
        let server = self
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
        if tcp {
            bootstrap = bootstrap
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        }
        return bootstrap
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = server.nextSessionNumber()
                    let session = ServerSession(
                        configuration: context.live.current.configuration,
                        tls: tls != nil,
                        clientAddress: channel.remoteAddress?.ipAddress ?? (tcp ? "unknown" : "unix"),
                        shared: context.shared,
                        messageIDs: { server.nextMessageID() },
                        randomToken: { String(UInt64.random(in: 1_000_000_000...9_999_999_999)) }
                    )
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        SMTPServerHandler(session: session, context: context, number: number)
                    )
                }
            }
    }

    private func nextSessionNumber() -> Int {
        state.withLock {
            $0.sessionCounter += 1
            return $0.sessionCounter
        }
    }

    private func nextMessageID() -> String {
        state.withLock {
            $0.messageCounter += 1
            return String($0.messageCounter)
        }
    }

    /// The rules and settings in force.
    public var configuration: PracticeServerConfiguration { live.current.configuration }

    /// New rules and settings while the server runs (a teacher's file reloaded): every
    /// session, connected or not, uses them from its next command on; nobody is disconnected.
    /// What TLS needs (the certificate) stays as it was at start.
    public func reconfigure(_ configuration: PracticeServerConfiguration) {
        var configuration = configuration
        configuration.tlsAvailable = live.current.configuration.tlsAvailable
        live.replace(configuration)
    }

    /// Stops listening and closes the listeners (sessions in progress end with the group).
    public func stop() async {
        let channels = state.withLock { state in
            defer { state.channels = [] }
            return state.channels
        }
        for channel in channels {
            try? await channel.close()
        }
        try? await threadPool.shutdownGracefully()
        if ownsGroup {
            try? await group.shutdownGracefully()
        }
    }

    /// Blocks until the listeners close (for `smtpsh serve`).
    public func waitUntilClosed() async {
        let channels = state.withLock { $0.channels }
        for channel in channels {
            try? await channel.closeFuture.get()
        }
    }
}

/// Why the server could not start: the common cases by name, so that the program running
/// it can say what to do in the user's language (`--port 0` for a port that is taken).
/// The configuration the server's sessions share, with a generation number that says when
/// it changed.
final class LiveConfiguration: Sendable {
    private let box = Locked((generation: 0, configuration: PracticeServerConfiguration()))

    var current: (generation: Int, configuration: PracticeServerConfiguration) { box.withLock { $0 } }

    func replace(_ configuration: PracticeServerConfiguration) {
        box.withLock { $0 = ($0.generation + 1, configuration) }
    }

    /// The configuration if it changed since `generation`.
    func newer(than generation: Int) -> (generation: Int, configuration: PracticeServerConfiguration)? {
        box.withLock { $0.generation > generation ? $0 : nil }
    }
}

public struct PracticeServerError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Another program listens on the port (EADDRINUSE).
        case addressInUse
        /// Ports below 1024 need privileges (EACCES).
        case permissionDenied
        /// The address to listen on is not one of this machine's (EADDRNOTAVAIL).
        case addressNotAvailable
        case other
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    /// The system's reason, in English, without the library's function names.
    public var reason: String

    init(listening host: String, port: Int, error: Error) {
        self.host = host
        self.port = port
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: kind = .addressInUse
            case EACCES: kind = .permissionDenied
            case EADDRNOTAVAIL: kind = .addressNotAvailable
            default: kind = .other
            }
            reason = String(cString: strerror(error.errnoCode))
        } else {
            kind = .other
            reason = "\(error)"
        }
    }

    public var description: String { "cannot listen on \(host) port \(port): \(reason)" }
}
