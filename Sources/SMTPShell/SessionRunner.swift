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
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Connects to a server and runs a session: interactive at a terminal, or reading lines from
/// standard input when it is not one.
struct SessionRunner {
    var address: ServerAddress
    var options: ConnectionOptions
    /// Shown once connected, before the prompt (the demo's welcome).
    var welcome: [String] = []
    /// Force non-interactive mode even on a terminal (tests, `--no-prompt`).
    var forcePiped = false
    /// `smtpsh send`: run the standard session instead of reading lines.
    var standardSession: StandardSession?

    /// `smtpsh replay`: run these files instead of reading lines.
    var replay: ReplayRun?
    /// `smtpsh learn`: the lesson that follows the learner's steps.
    var lesson: LessonGuide?
    /// `smtpsh learn`, `smtpsh demo`: sees each command line before it is sent, and may
    /// change it (leading blanks) or take it (`:hint`, `:stored`: `nil`); the second argument
    /// shows a line to the user.
    var inputFilter: (@Sendable (String, @escaping @Sendable (String) -> Void) -> String?)?

    var interactive: Bool {
        !forcePiped && options.json != "-" && isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
    }

    /// The event loop of every client connection: one thread is all a session needs
    /// (`MultiThreadedEventLoopGroup.singleton` starts one per core, after reading the
    /// cgroup's CPU quota).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    func run() -> ExitStatus {
        // What the session needs first is made on other threads while this one sets the
        // session up: the event loop (its thread starts, and Swift's runtime instantiates
        // NIO's types), and the catalogue: smtpsh's own words first ("Trying…"), then the
        // replies' meanings (the greeting's explanation).
        DispatchQueue.global(qos: .userInitiated).async { _ = Self.group }
        DispatchQueue.global(qos: .userInitiated).async {
            _ = Catalog.words
            if options.explain { _ = Catalog.shared }
        }
        let interactive = self.interactive
        if options.credentials.passwordArgument != nil {
            Console.err(Renderer(color: false).warning(Words["auth-password-argument"]))
        }
        // --quiet: the transcript is not shown (errors are, on standard error), and one line ends it.
        let quiet = options.quiet && !interactive
        let color = options.color.enabled(isTerminal: isatty(STDOUT_FILENO) == 1, environment: Environment.variables)
        // At a terminal, smtpsh's own long lines are wrapped between words (not by the terminal).
        let columns: @Sendable () -> Int = { Environment.columns }
        let wrapColumns = interactive && isatty(STDOUT_FILENO) == 1 ? columns : nil
        let renderer = Renderer(color: color, large: options.large, wrapColumns: wrapColumns)

        // Until the prompt exists, lines go straight to stdout; then through the line editor.
        let sink = OutputSink()
        // --record and --json see everything from the first "Trying".
        let sinks = TranscriptSinks()
        defer { sinks.closeAll() }
        let startTLS = options.startTLS || standardSession?.startTLS == true
        sinks.setServer("\(address)", tls: options.implicitTLS ? "implicit" : startTLS ? "starttls" : "none", protocolName: options.lmtp ? "lmtp" : nil)
        do throws(ShellError) {
            if let record = options.record { try sinks.startRecording(record, replace: options.replaceRecording) }
            if let json = options.json {
                try sinks.startJSON(json)
                if json == "-" { sink.redirect { _ in } }
            }
            if quiet { sink.redirect { _ in } }
        } catch {
            Console.err(renderer.error("smtpsh: " + error.description))
            return error.status
        }
        var sessionOptions = ClientSession.Options()
        sessionOptions.replyTimeout = options.timeout
        sessionOptions.startTLS = options.startTLS
        sessionOptions.showSecrets = options.showSecrets
        sessionOptions.lmtp = options.lmtp
        // `smtpsh send` greets again by itself after STARTTLS.
        sessionOptions.remindEHLOAfterTLS = standardSession == nil
        // The session and its connection live on one event loop.
        let loop = Self.group.next()
        let session = ClientSession(options: sessionOptions, implicitTLS: options.implicitTLS, eventLoop: loop)
        // The configuration file's `explain = brief` unless the command line said.
        let explainMode = options.explainMode ?? MacroDefaults.load(options: options, server: address.host).explain ?? .full
        let explainer = SessionExplainer(
            mode: explainMode, languages: options.languages, renderer: renderer, columns: { Environment.columns },
            compactEHLO: options.compactEHLO)
        explainer.explainEHLOAfterTLS = options.startTLS
        let toStandardError: @Sendable (String) -> Void = { line in Console.err(line) }
        let errorOutput = quiet ? toStandardError : nil
        session.addObserver(TranscriptPresenter(
            renderer: renderer, explainer: explainer, sinks: sinks, echoSentLines: !interactive, lesson: lesson,
            errorOutput: errorOutput, decodesAuth: options.showSecrets) { line in sink.write(line) })
        let replies = ReplyWatcher()
        if quiet { session.addObserver(replies) }
        let say: @Sendable (CatalogMessage) -> Void = { message in
            sinks.record(Remark(.note, id: message.name, parameters: message.parameters, text: message.text))
            sink.write(renderer.note(message.text))
        }

        let progress: @Sendable (ConnectProgress) -> Void = { event in
            switch event {
            case .trying(let address): say(CatalogMessage("connect-trying", ["address": address.displayString]))
            case .connected(let address, let ms):
                say(CatalogMessage("connect-connected", ["address": address.displayString, "time": Renderer.format(milliseconds: ms)]))
            case .throughProxy(let proxy, let target, let ms):
                say(CatalogMessage("connect-through-proxy", ["proxy": proxy, "server": target, "time": Renderer.format(milliseconds: ms)]))
            case .proxyProtocolHeader(let header):
                say(CatalogMessage("connect-proxy-protocol", ["version": options.proxyProtocol?.version.rawValue ?? "", "header": header]))
            case .failed(_, let error):
                let message = error.message
                sinks.record(Remark(.warning, id: message.name, parameters: message.parameters, text: message.text))
                sink.write(renderer.warning(message.text))
            }
        }
        let connection: ClientConnection
        do {
            connection = try connect(group: loop, progress: progress, note: say) { event in
                session.handle(event)
            }
        } catch {
            let message = error.message
            sinks.record(Remark(.error, id: message.name, parameters: message.parameters, text: message.text))
            Console.err(renderer.error("smtpsh: " + message.text))
            return error.exitStatus
        }
        // The welcome comes before the greeting: what the server sent is held until attach.
        for line in welcome { sink.write(line) }
        session.attach(connection, ehloName: options.ehloName(localAddress: connection.localAddress))

        let status = runMode(
            session: session, sink: sink, sinks: sinks, renderer: renderer, explainer: explainer, interactive: interactive)
        // The recording ends with the close ("Connection closed by foreign host."): wait for
        // it before the files are closed.
        session.close()
        session.waitUntilClosed(limit: 2)
        if quiet {
            let mode: QuietSummary.Mode = standardSession != nil ? .send : replay?.summary.map(QuietSummary.Mode.replay) ?? .script
            let line = QuietSummary.line(mode: mode, target: "\(address)", status: status, watcher: replies)
            if options.json == "-" { Console.err(line) } else { Console.out(line) }
        }
        return status
    }

    private func runMode(
        session: ClientSession, sink: OutputSink, sinks: TranscriptSinks, renderer: Renderer, explainer: SessionExplainer,
        interactive: Bool
    ) -> ExitStatus {
        if let standard = standardSession {
            return Self.send(standard, on: session)
        }
        if let replay {
            return replay.run(on: session)
        }
        var filter: (@Sendable (String) -> String?)?
        if let inputFilter {
            let show: @Sendable (String) -> Void = { line in sink.write(line) }
            filter = { line in inputFilter(line, show) }
        }
        if interactive {
            var prompt = InteractiveSession(
                session: session, sink: sink, renderer: renderer, explainer: explainer, target: address,
                credentials: options.credentials, sinks: sinks, defaults: MacroDefaults.load(options: options, session: session, server: address.host))
            prompt.inputFilter = filter
            return prompt.run()
        }
        var piped = PipedSession(session: session, renderer: renderer)
        piped.inputFilter = filter
        piped.talksEarly = lesson == nil
        piped.credentials = options.credentials
        piped.commands = SessionCommands(
            session: session, explainer: explainer, renderer: renderer, target: address, show: { line in sink.write(line) })
        piped.macros = MacroCommands(
            session: session, sinks: sinks, defaults: MacroDefaults.load(options: options, session: session, server: address.host),
            credentials: options.credentials, askSecret: nil)
        return piped.run()
    }
}

extension SessionRunner {
    /// `smtpsh send`: the standard session, then QUIT; the exit status names the stage
    /// that failed (Docs/exit-status.md).
    static func send(_ standard: StandardSession, on session: ClientSession) -> ExitStatus {
        let outcome = standard.run(on: session)
        // Said under the reply it is about, before QUIT and its 221.
        if case .refused(let stage) = outcome { session.warn("send-stopped", ["stage": stage.rawValue]) }
        SessionEnding.leave(session, shown: false)
        switch outcome {
        case .completed:
            return SessionEnding.status(of: session, countNegativeReplies: false)
        case .refused(let stage):
            // The stage is the verdict even when the server hung up after its refusal (a 554
            // greeting, then the close): that is how such servers end.
            return session.tlsFailureStatus ?? stage.exitStatus
        case .ended:
            let status = SessionEnding.status(of: session, countNegativeReplies: false)
            return status == .success ? .connectionLost : status
        case .authNotSent:
            return SessionEnding.status(of: session, local: .credentialsWithheld, countNegativeReplies: false)
        }
    }

    /// Resolves and connects: the host's addresses in order, or with --mx each MX host in
    /// order of preference, the next when one fails. With --dns-server every name is asked
    /// of that server (split DNS).
    func connect(
        group: EventLoopGroup,
        progress: @escaping @Sendable (ConnectProgress) -> Void,
        note: @escaping @Sendable (CatalogMessage) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) throws(ConnectError) -> ClientConnection {
        if let path = address.unixPath {
            return try ClientConnection.connect(
                unixPath: path, timeout: options.timeout, group: group, tls: LazyClientTLS(options: options.tls),
                implicitTLS: options.implicitTLS, proxyProtocol: options.proxyProtocol, progress: progress, events: events)
        }
        var resolver: DNSResolver?
        if let server = options.dnsServer {
            resolver = DNSResolver(server: try! DNSResolver.parseServer(server), timeout: min(options.timeout, 10), group: group)
        }
        var hosts = [address.host]
        if options.mx != nil {
            if resolver == nil {
                do {
                    resolver = DNSResolver(server: try DNSResolver.systemServer(), timeout: min(options.timeout, 10), group: group)
                } catch {
                    throw .dnsFailure(address.host, error)
                }
            }
            let mxResolver = resolver!
            let domain = address.host
            // Said before the wait: a slow DNS server does not leave an empty screen.
            note(CatalogMessage("connect-mx-lookup", ["domain": domain, "server": mxResolver.server.displayString]))
            hosts = try Blocking.wait { () async throws(ConnectError) -> [String] in try await mxResolver.mailExchangers(for: domain) }
            note(CatalogMessage(hosts == [address.host] ? "connect-implicit-mx" : "connect-mx-list", ["domain": address.host, "hosts": hosts.joined(separator: ", ")]))
        }
        var failures: [ConnectError] = []
        let tls = LazyClientTLS(options: options.tls)
        if let proxy = options.proxy {
            return try Self.connect(through: proxy, hosts: hosts, port: address.port, options: options, group: group, tls: tls, progress: progress, note: note, events: events)
        }
        for host in hosts {
            do throws(ConnectError) {
                let addresses: [SocketAddress]
                if let resolver {
                    let (port, family) = (address.port, options.family)
                    addresses = try Blocking.wait { () async throws(ConnectError) -> [SocketAddress] in
                        try await resolver.addresses(of: host, port: port, family: family)
                    }
                } else {
                    addresses = try AddressResolver.resolveWaiting(host, port: address.port, family: options.family)
                }
                if hosts.count > 1 { note(CatalogMessage("connect-mx-host", ["host": host])) }
                return try ClientConnection.connect(
                    to: addresses, timeout: options.timeout, group: group, host: host, tls: tls,
                    implicitTLS: options.implicitTLS, proxyProtocol: options.proxyProtocol, progress: progress, events: events)
            } catch {
                failures.append(error)
                if hosts.count > 1 { note(CatalogMessage("connect-mx-failed", ["host": host, "error": error.text])) }
            }
        }
        throw failures.count == 1 ? failures[0] : .allFailed(failures)
    }
}
