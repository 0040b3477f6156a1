#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Standard input is not a terminal: read lines, send each after the previous reply, send a
/// message's lines as one block after 354, and exit with a status that says what happened.
struct PipedSession {
    let session: ClientSession
    let renderer: Renderer
    /// For `:auth` lines in a script (the secret from a file or the environment).
    var credentials = Credentials()
    /// `:send`, `:run`, `:record`… in a script.
    var macros: MacroCommands?
    /// `:state`, `:help`, `:explain`, `:lang`, `:tls`, `:starttls` in a script.
    var commands: SessionCommands?
    /// Sees each command line first (``SessionRunner/inputFilter``).
    var inputFilter: (@Sendable (String) -> String?)?
    /// A script whose first line is `:raw` sends it before the greeting (an early talker,
    /// on purpose). Not in a lesson, whose input goes on to the next lesson: the first line
    /// is then read only once the greeting came.
    var talksEarly = true
    /// The worst that happened to a local command of the script (exit status 9 or 18).
    private final class LocalFailure {
        var status: ExitStatus?
        func note(_ status: ExitStatus) {
            // Withheld credentials (18) say more than a command that could not run (9).
            if self.status != .credentialsWithheld { self.status = status }
        }
    }
    private let localFailure = LocalFailure()

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
        /// The script's next line, without its line end (LF or CRLF).
        func readScriptLine() -> String? {
            guard var line = Swift.readLine(strippingNewline: true) else { return nil }
            if line.hasSuffix("\r") { line.removeLast() }
            return line
        }
        var first = talksEarly ? readScriptLine() : nil
        let early = first.map { line -> Bool in
            if case .raw? = LocalCommandLine(line, in: .command)?.command { true } else { false }
        } ?? false
        if !early, let ended = waitForReplies() { return ended }
        func nextLine() -> String? {
            defer { first = nil }
            return first ?? readScriptLine()
        }
        var skipping: Skip?
        // After 221 (or 421) nothing more is read: the next lines are not this session's
        // (`smtpsh learn` reads the next lesson's from the same input).
        while !session.isClosed && session.state.phase != .closed, var line = nextLine() {
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
            if session.inputMode == .command, let inputFilter {
                guard let filtered = inputFilter(line) else { continue }
                line = filtered
            }
            if let local = LocalCommandLine(line, in: session.inputMode) {
                if case .quit = local.command {
                    break
                }
                if let done = macros?.perform(local.command) ?? commands?.perform(local.command) {
                    if !done { localFailure.note(.localCommandFailed) }
                    if let ended = waitForReplies() { return ended }
                    // Raw bytes: a server that read them otherwise may answer more; those
                    // replies are shown before the next line goes.
                    if case .raw = local.command, done { session.lingerForReplies() }
                    continue
                }
                guard case .auth(let argument) = local.command else {
                    session.warn("session-unknown-local", ["command": VisibleText.escape(local.text)])
                    localFailure.note(.localCommandFailed)
                    continue
                }
                // `:auth MECH [user]` in a script: the secret from --password-file,
                // SMTPSH_PASSWORD or --password.
                guard let request = AuthRequest(argument), let user = request.user ?? credentials.user else {
                    session.warn(AuthRequest.usage)
                    localFailure.note(.localCommandFailed)
                    continue
                }
                let exchange: SASLExchange?
                do throws(ShellError) {
                    exchange = try credentials.exchange(request.mechanism, user: user)
                } catch {
                    session.warn(error.message)
                    localFailure.note(.localCommandFailed)
                    continue
                }
                guard let exchange else {
                    session.warn("auth-no-secret")
                    localFailure.note(.localCommandFailed)
                    continue
                }
                guard CredentialGate(credentials: credentials, confirm: nil).check(session, mechanism: request.mechanism) == .go else {
                    localFailure.note(.credentialsWithheld)
                    continue
                }
                session.authenticate(exchange, adviceShown: true)
                if let ended = waitForReplies() { return ended }
                continue
            }
            let submission = session.submit(LocalCommandLine.unescaped(line))
            if submission.kind == .messageLine && line != "." { continue }
            // BDAT typed in the script: the next lines are its chunk, until the size is reached.
            if case .chunkData = session.inputMode { continue }
            if let ended = waitForReplies() { return ended }
            if submission.kind == .command, session.inputMode == .command {
                let verb = line.split(separator: " ").first?.uppercased()
                if verb == "DATA" {
                    session.warn("piped-skipping-message")
                    skipping = .message
                } else if verb == "AUTH" {
                    skipping = .saslResponses
                }
            }
        }
        // End of input: leave politely.
        if !session.isClosed && session.state.phase != .closed && session.inputMode == .command { session.note("piped-end-of-input") }
        SessionEnding.leave(session, shown: false, midWarning: "piped-ended-mid")
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
        SessionEnding.status(of: session, local: localFailure.status, countNegativeReplies: true)
    }
}
