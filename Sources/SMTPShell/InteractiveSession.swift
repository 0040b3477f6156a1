#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import LineEditor
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The session at a terminal: a libedit prompt that shows where the session stands, replies
/// printed above it as they arrive, history without secrets, Tab completion.
struct InteractiveSession {
    let session: ClientSession
    let sink: OutputSink
    let renderer: Renderer
    let explainer: SessionExplainer
    let target: ServerAddress
    var credentials = Credentials()
    var sinks = TranscriptSinks()
    var defaults: MacroDefaults

    func run() -> ExitStatus {
        let editor: LineEditor
        do {
            editor = try LineEditor(configuration: .init(
                programName: "smtpsh",
                prompt: prompt(),
                historyFile: History.path(),
                historySize: 1000,
                readEditrc: ProcessInfo.processInfo.environment["SMTPSH_NO_EDITRC"] == nil,
                completion: { [session, defaults] line in
                    Completion.candidates(for: line, state: session.state) { MacroLibrary.entries(in: defaults.macroDirectories).map(\.name) }
                }
            ))
        } catch {
            Console.err(renderer.error("smtpsh: " + Words["session-no-line-editor", ["error": "\(error)"]]))
            return PipedSession(session: session, renderer: renderer).run()
        }
        sink.redirect { line in editor.print(line) }
        let macros = MacroCommands(
            session: session, sinks: sinks, defaults: defaults, credentials: credentials,
            askSecret: { prompt in editor.readSecret(prompt: prompt) })
        session.addStateObserver { [target, renderer] state in
            editor.setPrompt(Self.prompt(for: state, target: target, renderer: renderer))
            // As telnet does: when the connection is gone, the session is over.
            if state.phase == .closed && state.pending.isEmpty { editor.finishReading() }
        }
        defer {
            sink.redirect(nil)
            try? editor.saveHistory()
            editor.close()
        }
        var status = ExitStatus.success
        loop: while true {
            refreshPrompt(editor)
            // A secret typed on the line (AUTH PLAIN with its credentials, an answer to a
            // challenge) does not stay on the screen: the line is shown redacted.
            let input = editor.readLine { [session] line in
                LocalCommandLine(line) != nil && session.inputMode == .command ? nil : session.redactedForm(ofTyped: LocalCommandLine.unescaped(line))
            }
            switch input {
            case .line(let line):
                if session.isClosed {
                    if line.trimmingSpaces.isEmpty || LocalCommandLine(line)?.command == .quit { break loop }
                    editor.print(renderer.warning(Words["session-connection-closed-leave"]))
                    continue
                }
                if session.inputMode == .command, let local = LocalCommandLine(line) {
                    if case .quit = local.command {
                        quit(editor)
                        break loop
                    }
                    if !local.command.isQuiet && !Self.mayHoldSecret(line) { editor.addHistory(line) }
                    // (`:auth plain alice` carries no secret: the secret is asked for, never typed on the line.)
                    perform(local.command, editor: editor, macros: macros)
                    continue
                }
                let mode = session.inputMode
                let submission = session.submit(LocalCommandLine.unescaped(line))
                // Typed lines are not shown again; a doubled dot is worth seeing once it is sent.
                if mode == .messageBody && line.hasPrefix(".") && line != "." {
                    editor.print(renderer.note(Words["session-dot-doubled", ["line": VisibleText.escape("." + line)]]))
                }
                // History never holds AUTH lines (with or without credentials) or SASL responses.
                let isAuth = line.split(separator: " ").first?.uppercased() == "AUTH"
                if !submission.isSecret && !isAuth && mode == .command && !line.isEmpty {
                    editor.addHistory(line)
                    // Saved at once: a session that is killed keeps its history.
                    try? editor.saveHistory()
                }
            case .endOfFile:
                quit(editor)
                break loop
            case .terminated:
                status = .success
                session.close()
                break loop
            }
        }
        if session.hasTimedOut { status = .timedOut }
        if session.closedByServerUnexpectedly { status = .connectionLost }
        if let tls = session.tlsFailureStatus { status = tls }
        return status
    }

    private func quit(_ editor: LineEditor) {
        guard !session.isClosed else { return }
        if session.state.phase != .closed {
            if session.inputMode != .command {
                editor.print(renderer.warning(Words["session-leaving-mid", ["command": session.inputMode == .messageBody ? "DATA" : "AUTH"]]))
            } else {
                editor.print(renderer.sent("QUIT", tls: session.state.isTLS))
                session.submit("QUIT")
                _ = session.waitUntilSettled(limit: 2)
            }
        }
        session.close()
        _ = session.waitUntilSettled(limit: 1)
    }

    private func perform(_ command: LocalCommand, editor: LineEditor, macros: MacroCommands) {
        switch command {
        case .send, .hello, .envelope, .data, .set, .macros, .run, .record:
            _ = macros.perform(command)
        case .help(let verb):
            for line in VerbHelp.text(for: verb) { editor.print(renderer.note(line)) }
        case .state:
            for line in StateReport.lines(session.state, queued: session.queuedLineCount, target: target) {
                editor.print(renderer.note(line))
            }
        case .clear:
            editor.print("\u{1B}[H\u{1B}[2J")
        case .quit:
            break
        case .unknown(let text):
            editor.print(renderer.warning(Words["session-unknown-local", ["command": VisibleText.escape(String(text.split(separator: " ").first ?? ""))]]))
        case .explain(let argument):
            explain(argument, editor: editor)
        case .tls:
            if let report = session.tlsReport {
                for line in TLSReportText.lines(report, wholeChain: true) { editor.print(renderer.note(line)) }
            } else {
                editor.print(renderer.note(Words["tls-none-yet"]))
            }
        case .startTLS:
            editor.print(renderer.sent("STARTTLS", tls: session.state.isTLS))
            session.submit("STARTTLS")
        case .auth(let argument):
            authenticate(argument, editor: editor)
        case .lang(let argument):
            language(argument, editor: editor)
        }
    }

    /// `:explain` (the last reply, in full), `:explain on|off|brief|full`, `:explain CODE|LINE`.
    private func explain(_ argument: String?, editor: LineEditor) {
        switch argument?.lowercased() {
        case nil:
            if let lines = explainer.explainLast() {
                lines.forEach { editor.print($0) }
            } else {
                editor.print(renderer.note(Words["session-explain-nothing-yet"]))
            }
        case "on"?, "full"?:
            explainer.mode = .full
            editor.print(renderer.note(Words["session-explain-on"]))
        case "brief"?:
            explainer.mode = .brief
            editor.print(renderer.note(Words["session-explain-brief"]))
        case "off"?:
            explainer.isEnabled = false
            editor.print(renderer.note(Words["session-explain-off"]))
        case .some:
            let input = argument ?? ""
            if let lines = explainer.explain(input: input) {
                lines.forEach { editor.print($0) }
            } else {
                let shown = VisibleTextShort.of(input, limit: 80)
                editor.print(renderer.warning(Words["explain-unknown-input", ["input": shown]]))
            }
        }
    }

    /// `:auth MECH [user]`: the user from the argument, --user, or a question; the secret from
    /// --password-file, SMTPSH_PASSWORD or --password, else asked for without echo.
    private func authenticate(_ argument: String?, editor: LineEditor) {
        guard let request = AuthRequest(argument) else {
            editor.print(renderer.warning(AuthRequest.usage))
            return
        }
        var user = request.user ?? credentials.user
        if user == nil {
            editor.setPrompt(Words["auth-user-prompt"])
            if case .line(let line) = editor.readLine(), !line.isEmpty { user = line }
            refreshPrompt(editor)
        }
        guard let user else {
            editor.print(renderer.warning(Words["auth-cancelled"]))
            return
        }
        var secret: String?
        do throws(ShellError) {
            secret = try credentials.secret()
        } catch {
            editor.print(renderer.error(error.description))
            return
        }
        if secret == nil {
            secret = editor.readSecret(prompt: Words[request.mechanism.takesToken ? "auth-token-prompt" : "auth-password-prompt", ["user": user]])
        }
        guard let secret, !secret.isEmpty else {
            editor.print(renderer.warning(Words["auth-cancelled"]))
            return
        }
        session.authenticate(SASLExchange(mechanism: request.mechanism, user: user, secret: secret))
    }

    /// `:lang` (which languages), `:lang fr`, `:lang en,ja`.
    private func language(_ argument: String?, editor: LineEditor) {
        if let argument {
            do throws(UnknownLanguage) {
                let languages = try Language.list(parsing: argument)
                explainer.languages = languages
                Words.language = languages[0]
                refreshPrompt(editor)
            } catch {
                editor.print(renderer.warning(Words["unknown-language", [
                    "input": VisibleText.escape(error.input),
                    "languages": Language.allCases.map(\.rawValue).joined(separator: ", "),
                ]]))
                return
            }
        }
        let names = explainer.languages.map { "\($0.nativeName) (\($0.rawValue))" }.joined(separator: ", ")
        editor.print(renderer.note(Words["session-languages", ["languages": names]]))
    }

    /// Sets the prompt from the state under the session's lock: a reply arriving meanwhile
    /// sets its own prompt after this one, never before (a stale prompt would stay).
    private func refreshPrompt(_ editor: LineEditor) {
        session.withState { [target, renderer] state in
            editor.setPrompt(Self.prompt(for: state, target: target, renderer: renderer))
        }
    }

    private func prompt() -> String { Self.prompt(for: session.state, target: target, renderer: renderer) }

    /// `localhost ready> `, `localhost TLS DATA (end with a lone .)> `; coloured when colour is on.
    static func prompt(for state: SessionStateMachine, target: ServerAddress, renderer: Renderer) -> String {
        let label = StateReport.phaseLabel(state.phase, mode: state.inputMode)
        let tls = state.isTLS ? " TLS" : ""
        let text = "\(target.host)\(tls) \(label)> "
        guard renderer.color else { return text }
        return "\u{1B}[1m\(target.host)\u{1B}[0m" + (state.isTLS ? " \u{1B}[32mTLS\u{1B}[0m" : "") + " \u{1B}[2m\(label)\u{1B}[0m> "
    }
}

extension InteractiveSession {
    /// `:run login password=…`: a value that looks like a secret keeps the line out of the history.
    static func mayHoldSecret(_ line: String) -> Bool {
        let lower = line.lowercased()
        return ["password=", "passwd=", "secret=", "token=", "pass="].contains { lower.contains($0) }
    }
}

extension LocalCommand {
    /// Commands that are not worth a history entry.
    var isQuiet: Bool { self == .clear }
}

/// What `:state` prints and the prompt shows.
enum StateReport {
    static func phaseLabel(_ phase: SessionStateMachine.Phase, mode: SessionStateMachine.InputMode) -> String {
        if mode == .messageBody { return Words["phase-message-body"] }
        if mode == .saslResponse { return "AUTH" }
        switch phase {
        case .awaitingGreeting: return Words["phase-awaiting-greeting"]
        case .greeted: return Words["phase-greeted"]
        case .ready: return Words["phase-ready"]
        case .mailTransaction: return Words["phase-mail-accepted"]
        case .recipientsAccepted(let count): return Words["phase-recipients-accepted", ["count": String(count)]]
        case .data: return "DATA"
        case .authenticating: return "AUTH"
        case .tlsNegotiating: return Words["phase-starting-tls"]
        case .closed: return Words["phase-closed"]
        }
    }

    static func lines(_ state: SessionStateMachine, queued: Int, target: ServerAddress) -> [String] {
        var lines = [Words[state.isTLS ? "state-connected-tls" : "state-connected", ["server": "\(target)"]]]
        if state.isAuthenticated { lines[0] += Words["state-authenticated"] }
        lines.append(Words["state-phase", [
            "phase": phaseLabel(state.phase, mode: state.inputMode), "count": String(state.messagesAccepted),
        ]])
        if !state.pending.isEmpty {
            let waiting = state.pending.map(ClientSession.name).joined(separator: ", ")
            lines.append(Words[queued > 0 ? "state-waiting-queued" : "state-waiting", ["what": waiting, "count": String(queued)]])
        }
        if let capabilities = state.capabilities {
            lines.append(Words["state-offers", ["server": VisibleText.escape(capabilities.domain)]])
            for capability in capabilities.capabilities {
                var text = "  " + VisibleText.escape(capability.description)
                if capability.keyword == "SIZE", let size = capabilities.size {
                    switch size {
                    case .limit(let bytes): text += "  " + Words["state-size-limit", ["size": ReadableSize.format(bytes, in: Words.language)]]
                    case .noFixedLimit: text += "  " + Words["state-size-no-limit"]
                    case .invalid(let raw): text += "  " + Words["state-size-invalid", ["value": VisibleText.escape(raw)]]
                    }
                }
                lines.append(text)
            }
        } else if state.greeting == .helo {
            lines.append(Words["state-helo-only"])
        } else {
            lines.append(Words["state-no-capabilities"])
        }
        return lines
    }
}

/// Where history lives: `$XDG_STATE_HOME/smtpsh/history` (default `~/.local/state`).
enum History {
    static func path() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if environment["SMTPSH_HISTORY"] == "" { return nil }
        if let explicit = environment["SMTPSH_HISTORY"] { return explicit }
        let base: String
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = state
        } else if let home = environment["HOME"] {
            base = home + "/.local/state"
        } else {
            return nil
        }
        let directory = base + "/smtpsh"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return nil
        }
        return directory + "/history"
    }
}

/// Tab completion: SMTP verbs, smtpsh's commands, what the server advertised.
enum Completion {
    static let verbs = ["EHLO", "HELO", "MAIL FROM:<", "RCPT TO:<", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH"]

    static func candidates(for line: String, state: SessionStateMachine, macros: () -> [String] = { [] }) -> [String] {
        if state.inputMode != .command { return [] }
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        if line.hasPrefix(":") {
            // `:run NAME`: the user's macros.
            if words.count == 2, words[0].lowercased() == ":run" {
                return macros().filter { $0.hasPrefix(words[1]) }.sorted()
            }
            guard words.count <= 1 else { return [] }
            return LocalCommand.names.filter { $0.hasPrefix(line.lowercased()) }
        }
        if words.count <= 1 {
            let word = line.uppercased()
            if word.hasPrefix("MAIL") && word.count > 4 { return ["MAIL FROM:<"].filter { $0.hasPrefix(word) } }
            return verbs.filter { $0.hasPrefix(word) }.map { $0.hasSuffix("<") ? String($0.dropLast()) : $0 }
        }
        let verb = words[0].uppercased()
        let current = String(words.last ?? "").uppercased()
        let capabilities = state.capabilities
        switch verb {
        case "MAIL" where words.count == 2 && "FROM:".hasPrefix(current):
            return ["FROM:"]
        case "RCPT" where words.count == 2 && "TO:".hasPrefix(current):
            return ["TO:"]
        case "MAIL", "RCPT":
            guard words.count >= 3 || (words.count == 2 && current.contains(">")) else { return [] }
            var parameters: [String] = []
            if verb == "MAIL" {
                if capabilities?.supports("SIZE") ?? true { parameters.append("SIZE=") }
                if capabilities?.supports("8BITMIME") ?? true { parameters.append("BODY=8BITMIME") }
                if capabilities?.supports("SMTPUTF8") ?? true { parameters.append("SMTPUTF8") }
                if capabilities?.supports("DSN") ?? true { parameters += ["RET=FULL", "RET=HDRS", "ENVID="] }
                if capabilities?.supports("REQUIRETLS") ?? false { parameters.append("REQUIRETLS") }
            } else if capabilities?.supports("DSN") ?? true {
                parameters += ["NOTIFY=SUCCESS,FAILURE", "NOTIFY=NEVER", "ORCPT=rfc822;"]
            }
            return parameters.filter { $0.hasPrefix(current) }
        case "AUTH" where words.count == 2:
            let mechanisms = capabilities?.authMechanisms ?? ["PLAIN", "LOGIN", "CRAM-MD5"]
            return mechanisms.filter { $0.hasPrefix(current) }
        case "HELP" where words.count == 2:
            return VerbHelp.entries.map(\.verb).filter { $0.hasPrefix(current) }
        default:
            return []
        }
    }
}
