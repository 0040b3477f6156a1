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
    /// Sees each command line first (``SessionRunner/inputFilter``).
    var inputFilter: (@Sendable (String) -> String?)? = nil

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
                },
                interrupted: { [session, renderer] line in
                    // Ctrl-C on an empty line: takes back what is queued, or says how to leave.
                    guard line.isEmpty else { return [] }
                    if case .chunkData(let remaining, _) = session.inputMode {
                        return [renderer.note(Words["session-ctrl-c-chunk", ["remaining": String(remaining)]])]
                    }
                    if session.dropQueuedLines() > 0 { return [] }
                    return [renderer.note(Words["session-ctrl-c-hint"])]
                }
            ))
        } catch {
            Console.err(renderer.error("smtpsh: " + Words["session-no-line-editor", ["error": "\(error)"]]))
            return PipedSession(session: session, renderer: renderer).run()
        }
        sink.redirect { line in editor.print(line) }
        let macros = MacroCommands(
            session: session, sinks: sinks, defaults: defaults, credentials: credentials,
            askSecret: { prompt in editor.readSecret(prompt: prompt) },
            confirm: { question in confirm(question, editor: editor) })
        session.addObserver(PromptFollower(editor: editor, target: target, renderer: renderer))
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
            // A line typed while a reply is awaited is marked as queued until it goes out.
            let input = editor.readLine { [session, renderer] line in
                if LocalCommandLine(line) != nil && session.inputMode == .command { return nil }
                let shown = session.redactedForm(ofTyped: LocalCommandLine.unescaped(line))
                guard let awaited = session.awaited else { return shown }
                return (shown ?? line) + "  " + renderer.dim(Words["session-queued-mark", ["what": PendingName.of(awaited)]])
            }
            switch input {
            case .line(let typed):
                guard let line = filtered(typed) else { continue }
                if session.isClosed {
                    if line.trimmingSpaces.isEmpty || LocalCommandLine(line)?.command == .quit { break loop }
                    editor.print(renderer.warning(Words["session-connection-closed-leave"]))
                    continue
                }
                if let local = LocalCommandLine(line, in: session.inputMode) {
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
                // Typed lines are not shown again; in a message, what a line became is worth
                // saying when it is not what a beginner expects.
                if mode == .messageBody, let note = Self.messageLineNote(line) { editor.print(renderer.note(note)) }
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
        // At a terminal, replies are for the user to read: only how the session ended counts.
        return SessionEnding.status(of: session, verdict: status, countNegativeReplies: false)
    }

    /// The line as the input filter leaves it (command lines only); `nil`: nothing to do.
    private func filtered(_ line: String) -> String? {
        guard session.inputMode == .command, let inputFilter else { return line }
        return inputFilter(line)
    }

    private func quit(_ editor: LineEditor) {
        SessionEnding.leave(session, shown: true)
    }

    private func perform(_ command: LocalCommand, editor: LineEditor, macros: MacroCommands) {
        if case .auth(let argument) = command { return authenticate(argument, editor: editor) }
        if macros.perform(command) != nil { return }
        let commands = SessionCommands(
            session: session, explainer: explainer, renderer: renderer, target: target, show: { editor.print($0) }, terminal: true)
        _ = commands.perform(command)
    }

    /// `:auth MECH [user]`: the user from the argument, --user, or a question; the secret from
    /// --password-file, SMTPSH_PASSWORD or --password, else asked for without echo.
    private func authenticate(_ argument: String?, editor: LineEditor) {
        guard let request = AuthRequest(argument) else {
            editor.print(renderer.warning(AuthRequest.usage.text))
            return
        }
        // What is unsafe is said before anything is asked for: nothing is typed in vain.
        let gate = CredentialGate(credentials: credentials, confirm: { question in confirm(question, editor: editor) })
        guard gate.check(session, mechanism: request.mechanism) == .go else {
            editor.print(renderer.warning(Words["auth-cancelled"]))
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
        session.authenticate(SASLExchange(mechanism: request.mechanism, user: user, secret: secret), adviceShown: true)
    }

    /// A yes/no question at the prompt; anything but a yes (Ctrl-C, Ctrl-D, Enter) is no.
    private func confirm(_ question: String, editor: LineEditor) -> Bool {
        editor.setPrompt(question)
        defer { refreshPrompt(editor) }
        guard case .line(let answer) = editor.readLine() else { return false }
        return CredentialGate.Decision.isYes(answer)
    }

    /// Sets the prompt from the state under the session's lock: a reply arriving meanwhile
    /// sets its own prompt after this one, never before (a stale prompt would stay).
    private func refreshPrompt(_ editor: LineEditor) {
        session.withState { [target, renderer] state in
            editor.setPrompt(Self.prompt(for: state, target: target, renderer: renderer))
        }
    }

    private func prompt() -> String { Self.prompt(for: session.state, target: target, renderer: renderer) }

    /// A note on a line typed inside a message, when it is not what it looks like: `. ` (a
    /// dot and a space) does not end the message, a leading dot is doubled, and a command
    /// (`QUIT`, `:quit`) is message text until the lone dot.
    static func messageLineNote(_ line: String) -> String? {
        if line.hasPrefix("."), line != ".", line.dropFirst().allSatisfy({ $0 == " " || $0 == "\t" }) {
            return Words["session-dot-not-end", ["line": VisibleText.escape(line), "sent": VisibleText.escape("." + line)]]
        }
        if line.hasPrefix(".") && line != "." {
            return Words["session-dot-doubled", ["line": VisibleText.escape("." + line)]]
        }
        let first = line.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
        let verbs: Set<String> = ["QUIT", "RSET", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "NOOP", "STARTTLS", "AUTH"]
        if line.hasPrefix(":") || (verbs.contains(first) && line.count < 80) {
            return Words["session-command-in-message", ["line": VisibleTextShort.of(line, limit: 40)]]
        }
        return nil
    }

    /// `localhost ready> `, `localhost TLS DATA (end with a lone .)> `, `localhost ready,
    /// waiting for NOOP> `; coloured when colour is on.
    static func prompt(for state: SessionStateMachine, target: ServerAddress, renderer: Renderer) -> String {
        var label = StateReport.phaseLabel(state.phase, mode: state.inputMode)
        if state.inputMode == .command, state.phase != .awaitingGreeting, let first = state.pending.first {
            label = Words["phase-waiting", ["phase": label, "what": PendingName.of(first)]]
        }
        let tls = state.isTLS ? " TLS" : ""
        // Authenticated: `alice@127.0.0.1 TLS ready>` (or a word when the user is not known).
        var host = target.host
        var authenticated = ""
        if state.isAuthenticated {
            if let user = state.authenticatedUser {
                host = VisibleText.escape(user) + "@" + host
            } else {
                authenticated = " " + Words["prompt-authenticated"]
            }
        }
        let text = "\(host)\(tls)\(authenticated) \(label)> "
        guard renderer.color else { return text }
        return "\u{1B}[1m\(host)\u{1B}[0m" + (state.isTLS ? " \u{1B}[32mTLS\u{1B}[0m" : "") + authenticated + " \(renderer.dim(label))> "
    }
}

extension InteractiveSession {
    /// `:run login password=…`: a value that looks like a secret keeps the line out of the history.
    static func mayHoldSecret(_ line: String) -> Bool {
        let lower = line.lowercased()
        return ["password=", "passwd=", "secret=", "token=", "pass="].contains { lower.contains($0) }
            || (lower.hasPrefix(":raw") && lower.contains("auth"))
    }
}

extension LocalCommand {
    /// Commands that are not worth a history entry.
    var isQuiet: Bool { self == .clear }
}
