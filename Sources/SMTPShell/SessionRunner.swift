#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOConcurrencyHelpers
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
        let color = options.color.enabled(isTerminal: isatty(STDOUT_FILENO) == 1, environment: Environment.variables)
        let renderer = Renderer(color: color)

        // Until the prompt exists, lines go straight to stdout; then through the line editor.
        let sink = OutputSink()
        // --record and --json see everything from the first "Trying".
        let sinks = TranscriptSinks()
        defer { sinks.closeAll() }
        let startTLS = options.startTLS || standardSession?.startTLS == true
        sinks.setServer("\(address)", tls: options.implicitTLS ? "implicit" : startTLS ? "starttls" : "none")
        do throws(ShellError) {
            if let record = options.record { try sinks.startRecording(record) }
            if let json = options.json {
                try sinks.startJSON(json)
                if json == "-" { sink.redirect { _ in } }
            }
        } catch {
            Console.err(renderer.error("smtpsh: " + error.description))
            return error.status
        }
        var sessionOptions = ClientSession.Options()
        sessionOptions.replyTimeout = options.timeout
        sessionOptions.echoSentLines = !interactive
        if options.startTLS { sessionOptions.startTLSWithEHLO = options.ehloName }
        sessionOptions.showSecrets = options.showSecrets
        // `smtpsh send` greets again by itself after STARTTLS.
        sessionOptions.remindEHLOAfterTLS = standardSession == nil
        let session = ClientSession(options: sessionOptions, renderer: renderer, implicitTLS: options.implicitTLS) { line in
            sink.write(line)
        }
        // The configuration file's `explain = brief` unless the command line said.
        let defaults = MacroDefaults.load(options: options, server: address.host)
        let explainer = SessionExplainer(
            mode: options.explainMode ?? defaults.explain ?? .full, languages: options.languages, renderer: renderer,
            columns: { Environment.columns })
        if options.json != nil {
            let languages = options.languages
            explainer.onExplanation = { reply, explanation in sinks.replyExplained(reply, explanation, languages: languages) }
            sinks.explainedBySession = true
        }
        session.addReplyObserver { reply, outcome in explainer.lines(for: reply, outcome: outcome) }
        session.addTranscriptObserver { event in
            explainer.observe(event)
            sinks.record(event)
        }
        if let lesson {
            session.addTranscriptObserver { event in lesson.observe(event) }
            session.addReplyObserver { reply, outcome in lesson.lines(for: reply, outcome: outcome) }
        }
        let say: @Sendable (String) -> Void = { text in
            sinks.note(text)
            sink.write(renderer.note(text))
        }

        let progress: @Sendable (ConnectProgress) -> Void = { event in
            switch event {
            case .trying(let address): say(Words["connect-trying", ["address": address.displayString]])
            case .connected(let address, let ms):
                say(Words["connect-connected", ["address": address.displayString, "time": Renderer.format(milliseconds: ms)]])
            case .failed(_, let error):
                sinks.record(.warning(error.description))
                sink.write(renderer.warning(error.description))
            }
        }
        let connection: ClientConnection
        do {
            connection = try connect(group: Self.group, progress: progress, note: say) { event in
                session.handle(event)
            }
        } catch {
            sinks.record(.error(error.description))
            Console.err(renderer.error("smtpsh: " + error.description))
            return error.exitStatus
        }
        // The welcome comes before the greeting: what the server sent is held until attach.
        for line in welcome { sink.write(line) }
        session.attach(connection)

        let status = runMode(
            session: session, sink: sink, sinks: sinks, renderer: renderer, explainer: explainer, defaults: defaults,
            interactive: interactive)
        // The recording ends with the close ("Connection closed by foreign host."): wait for
        // it before the files are closed.
        session.close()
        session.waitUntilClosed(limit: 2)
        return status
    }

    private func runMode(
        session: ClientSession, sink: OutputSink, sinks: TranscriptSinks, renderer: Renderer, explainer: SessionExplainer,
        defaults: MacroDefaults, interactive: Bool
    ) -> ExitStatus {
        if let standard = standardSession {
            return Self.send(standard, on: session)
        }
        if let replay {
            return replay.run(on: session)
        }
        if interactive {
            return InteractiveSession(
                session: session, sink: sink, renderer: renderer, explainer: explainer, target: address,
                credentials: options.credentials, sinks: sinks, defaults: defaults).run()
        }
        var piped = PipedSession(session: session, renderer: renderer)
        piped.credentials = options.credentials
        piped.macros = MacroCommands(
            session: session, sinks: sinks, defaults: defaults,
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
        if case .refused(let stage) = outcome { session.warn(Words["send-stopped", ["stage": stage.rawValue]]) }
        if !session.isClosed && session.state.phase != .closed {
            if session.inputMode == .command {
                session.submit("QUIT")
                _ = session.waitUntilSettled(limit: min(session.options.replyTimeout, 5))
            }
        }
        session.close()
        session.waitUntilClosed(limit: 2)
        switch outcome {
        case .completed:
            if let tls = session.tlsFailureStatus { return tls }
            return .success
        case .refused(let stage):
            return stage.exitStatus
        case .ended:
            if let tls = session.tlsFailureStatus { return tls }
            if session.hasTimedOut { return .timedOut }
            return .connectionLost
        }
    }

    /// Resolves and connects: the host's addresses in order, or with --mx each MX host in
    /// order of preference, the next when one fails. With --dns-server every name is asked
    /// of that server (split DNS).
    func connect(
        group: EventLoopGroup,
        progress: @escaping @Sendable (ConnectProgress) -> Void,
        note: @escaping @Sendable (String) -> Void,
        events: @escaping @Sendable (ConnectionEvent) -> Void
    ) throws(ConnectError) -> ClientConnection {
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
                    throw .dnsFailure(address.host, error.description)
                }
            }
            let mxResolver = resolver!
            let domain = address.host
            hosts = try Blocking.wait { () async throws(ConnectError) -> [String] in try await mxResolver.mailExchangers(for: domain) }
            note(Words[hosts == [address.host] ? "connect-implicit-mx" : "connect-mx-list", ["domain": address.host, "hosts": hosts.joined(separator: ", ")]])
        }
        var failures: [ConnectError] = []
        let tls = LazyClientTLS(options: options.tls)
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
                if hosts.count > 1 { note("\(host):") }
                return try ClientConnection.connect(
                    to: addresses, timeout: options.timeout, group: group, host: host, tls: tls,
                    implicitTLS: options.implicitTLS, progress: progress, events: events)
            } catch {
                failures.append(error)
                if hosts.count > 1 { note(Words["connect-mx-failed", ["host": host, "error": error.description]]) }
            }
        }
        throw failures.count == 1 ? failures[0] : .allFailed(failures)
    }
}

/// Where session output goes: stdout, or above the prompt once the line editor runs.
final class OutputSink: @unchecked Sendable {
    private let lock = NIOLock()
    private var target: (@Sendable (String) -> Void)?

    func write(_ line: String) {
        lock.lock()
        let target = self.target
        lock.unlock()
        if let target {
            target(line)
        } else {
            Console.out(line)
        }
    }

    func redirect(_ target: (@Sendable (String) -> Void)?) {
        lock.lock()
        self.target = target
        lock.unlock()
    }
}

/// Standard input is not a terminal: read lines, send each after the previous reply, send a
/// message's lines as one block after 354, and exit with a status that says what happened.
struct PipedSession {
    let session: ClientSession
    let renderer: Renderer
    /// For `:auth` lines in a script (the secret from a file or the environment).
    var credentials = Credentials()
    /// `:send`, `:run`, `:record`… in a script.
    var macros: MacroCommands?

    /// Waits for the replies to what was sent: `nil` while the session goes on, else how it ended.
    private func waitForReplies() -> ExitStatus? {
        switch session.waitUntilSettled() {
        case .idle:
            return nil
        case .closed:
            return finalStatus()
        case .timedOut:
            session.close()
            return .timedOut
        }
    }

    func run() -> ExitStatus {
        if let ended = waitForReplies() { return ended }
        var skipping: Skip?
        // After 221 (or 421) nothing more is read: the next lines are not this session's
        // (`smtpsh learn` reads the next lesson's from the same input).
        while !session.isClosed && session.state.phase != .closed, let raw = Swift.readLine(strippingNewline: true) {
            var line = raw
            if line.hasSuffix("\r") { line.removeLast() }
            if session.isClosed { break }
            if let skip = skipping {
                // The lines a script meant for a refused DATA or AUTH are not commands.
                switch skip {
                case .message:
                    if line == "." { skipping = nil }
                    continue
                case .saslResponses:
                    if Self.looksLikeSASL(line) { continue }
                    skipping = nil
                }
            }
            if session.inputMode == .command, let local = LocalCommandLine(line) {
                if case .quit = local.command {
                    break
                }
                if let macros, macros.perform(local.command) {
                    if let ended = waitForReplies() { return ended }
                    continue
                }
                guard case .auth(let argument) = local.command else {
                    session.warn(Words["piped-local-command", ["command": local.text]])
                    continue
                }
                // `:auth MECH [user]` in a script: the secret from --password-file,
                // SMTPSH_PASSWORD or --password.
                guard let request = AuthRequest(argument), let user = request.user ?? credentials.user else {
                    session.warn(AuthRequest.usage)
                    continue
                }
                let exchange: SASLExchange?
                do throws(ShellError) {
                    exchange = try credentials.exchange(request.mechanism, user: user)
                } catch {
                    session.warn(error.description)
                    continue
                }
                guard let exchange else {
                    session.warn(Words["auth-no-secret"])
                    continue
                }
                session.authenticate(exchange)
                if let ended = waitForReplies() { return ended }
                continue
            }
            let submission = session.submit(LocalCommandLine.unescaped(line))
            if submission.kind == .messageLine && line != "." { continue }
            if let ended = waitForReplies() { return ended }
            if submission.kind == .command, session.inputMode == .command {
                let verb = line.split(separator: " ").first?.uppercased()
                if verb == "DATA" {
                    session.warn(Words["piped-skipping-message"])
                    skipping = .message
                } else if verb == "AUTH" {
                    skipping = .saslResponses
                }
            }
        }
        // End of input: leave politely.
        if !session.isClosed && session.state.phase != .closed {
            if session.inputMode == .messageBody {
                session.warn(Words["piped-ended-in-data"])
            }
            session.note(Words["piped-end-of-input"])
            if session.inputMode == .command { session.submit("QUIT") }
            _ = session.waitUntilSettled(limit: min(session.options.replyTimeout, 5))
        }
        session.close()
        session.waitUntilClosed(limit: 2)
        return finalStatus()
    }

    private enum Skip {
        case message
        case saslResponses
    }

    /// A line that is base64 and not an SMTP command: a SASL response meant for an AUTH exchange.
    static func looksLikeSASL(_ line: String) -> Bool {
        guard !line.isEmpty, !line.contains(" ") else { return false }
        if Verb(rawValue: line.uppercased()) != nil { return false }
        return line == "*" || Base64.decode(line) != nil
    }

    func finalStatus() -> ExitStatus {
        if let tls = session.tlsFailureStatus { return tls }
        if session.hasTimedOut { return .timedOut }
        if session.closedByServerUnexpectedly { return .connectionLost }
        return session.negativeReplies.isEmpty ? .success : .negativeReply
    }
}
