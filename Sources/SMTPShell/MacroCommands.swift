#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The local commands that drive the session for the user: the standard session (`:send`,
/// `:hello`, `:envelope`, `:data`), user macros (`:macros`, `:run`), their defaults (`:set`)
/// and recording (`:record`). Shared by the prompt and by scripts on standard input.
final class MacroCommands: @unchecked Sendable {
    let session: ClientSession
    let sinks: TranscriptSinks
    var defaults: MacroDefaults
    let credentials: Credentials
    /// Asks for a secret without echo (at a terminal), or `nil`.
    let askSecret: ((String) -> String?)?
    /// Asks a yes/no question (at a terminal), or `nil`.
    let confirm: (@Sendable (String) -> Bool)?

    init(
        session: ClientSession, sinks: TranscriptSinks, defaults: MacroDefaults, credentials: Credentials,
        askSecret: ((String) -> String?)?, confirm: (@Sendable (String) -> Bool)? = nil
    ) {
        self.session = session
        self.sinks = sinks
        self.defaults = defaults
        self.credentials = credentials
        self.askSecret = askSecret
        self.confirm = confirm
        for problem in defaults.problems { session.warn(problem) }
    }

    /// Runs the command if it is one of these (`nil` otherwise): `true` when it did its job,
    /// `false` when it could not (said on screen; a script then exits 9, Docs/exit-status.md).
    func perform(_ command: LocalCommand) -> Bool? {
        switch command {
        case .send(let arguments): standard([.hello, .envelope, .message], arguments)
        case .hello(let arguments): standard([.hello], arguments)
        case .envelope(let arguments): standard([.envelope], arguments)
        case .data(let arguments): standard([.message], arguments)
        case .set(let arguments): set(arguments)
        case .macros: listMacros()
        case .run(let arguments): runMacro(arguments)
        case .record(let argument): record(argument)
        case .export(let argument): export(argument)
        default: nil
        }
    }

    // MARK: - The standard session

    private func standard(_ parts: Set<StandardSession.Part>, _ arguments: String?) -> Bool {
        var settings = defaults
        var count = 1
        for (key, value) in MacroArguments.parse(arguments) {
            if key.lowercased() == "count" {
                guard let number = Int(value), (1...100_000).contains(number) else {
                    session.warn("macro-bad-value", ["key": key, "value": VisibleTextShort.of(value)])
                    return false
                }
                count = number
                continue
            }
            if let problem = settings.set(key, value, context: .call) {
                session.warn(problem)
                return false
            }
        }
        if settings.recipientIsDefault { settings.to = [settings.defaultRecipient(greeting: session.greeting)] }
        var auth: StandardSession.Authentication?
        if parts.contains(.hello), let mechanism = settings.auth, !session.state.isAuthenticated {
            // A user is needed before anything is sent; the secret is asked for after the gate.
            guard credentials.user != nil else {
                session.warn("macro-auth-needs-user")
                return false
            }
            auth = .init(mechanism: mechanism, gate: CredentialGate(credentials: credentials, confirm: confirm)) { [self] in
                authExchange(mechanism)
            }
        }
        var message: [String] = []
        if parts.contains(.message) {
            var body = [Words["send-default-body"]]
            if let file = settings.body {
                do throws(ShellError) {
                    body = try SendCommand.lines(of: file)
                } catch {
                    session.warn(error.message)
                    return false
                }
            }
            let domain = settings.ehlo.contains(".") ? settings.ehlo : "localhost.localdomain"
            message = StandardSession.message(from: settings.from, to: settings.to, subject: settings.subject, headers: [], body: body, domain: domain)
        }
        if parts == [.message] {
            if case .recipientsAccepted = session.state.phase {} else { session.warn("macro-data-without-envelope") }
        }
        var standard = StandardSession(
            ehloName: settings.ehlo, startTLS: settings.startTLS, auth: auth, from: settings.from, recipients: settings.to, message: message)
        standard.parts = parts
        standard.pipelining = settings.pipelining
        standard.chunking = settings.chunking
        standard.count = count
        // Greeted already: `:send` goes straight to the envelope (`:hello` greets again).
        if parts.count > 1 && session.state.greeting != nil && !(settings.startTLS && !session.state.isTLS) && auth == nil {
            standard.parts.remove(.hello)
        }
        switch standard.run(on: session) {
        case .completed:
            if settings.quit && parts.contains(.message) {
                session.submit("QUIT", shown: true)
                _ = session.waitUntilSettled(limit: min(session.options.replyTimeout, 5))
            }
            return true
        case .refused(let stage):
            // Closed meanwhile (a 421, or smtpsh ended a pipelined DATA on purpose): said once.
            let closed = session.isClosed || session.state.phase == .closed
            session.warn(closed ? "macro-stopped-closed" : "macro-stopped", ["stage": stage.rawValue.uppercased()])
            return false
        case .ended:
            return false
        case .authNotSent:
            session.warn("auth-cancelled")
            return false
        }
    }

    /// The recipients of these settings: given, or the server's postmaster.
    private func recipients(_ settings: MacroDefaults) -> [String] {
        settings.recipientIsDefault ? [settings.defaultRecipient(greeting: session.greeting)] : settings.to
    }

    private func authExchange(_ mechanism: SASLMechanism) -> SASLExchange? {
        guard let user = credentials.user else {
            session.warn("macro-auth-needs-user")
            return nil
        }
        var secret: String?
        do throws(ShellError) {
            secret = try credentials.secret()
        } catch {
            session.warn(error.message)
            return nil
        }
        if secret == nil, let askSecret {
            secret = askSecret(Words[mechanism.takesToken ? "auth-token-prompt" : "auth-password-prompt", ["user": user]])
        }
        guard let secret, !secret.isEmpty else { return nil }
        return SASLExchange(mechanism: mechanism, user: user, secret: secret)
    }

    private func set(_ arguments: String?) -> Bool {
        let pairs = MacroArguments.parse(arguments)
        var changed = defaults
        for (key, value) in pairs {
            if let problem = changed.set(key, value, context: .configuration) {
                session.warn(problem)
                return false
            }
        }
        defaults = changed
        let lines = [
            "ehlo = \(defaults.ehlo)", "from = \(defaults.from)", "to = \(recipients(defaults).joined(separator: ", "))",
            "subject = \(defaults.subject)", "body = \(defaults.body ?? "")", "starttls = \(defaults.startTLS ? "yes" : "no")",
            "auth = \(defaults.auth?.rawValue ?? "no")", "pipeline = \(defaults.pipelining ? "yes" : "no")",
            "bdat = \(defaults.chunking ? "yes" : "no")", "quit = \(defaults.quit ? "yes" : "no")",
        ]
        if pairs.isEmpty {
            session.note("macro-defaults", ["file": MacroDefaults.configPath() ?? "~/.config/smtpsh/config"])
            for line in lines { session.note(listing: "  " + VisibleText.escape(line), id: "macro-default") }
        }
        return true
    }

    // MARK: - User macros

    private func listMacros() -> Bool {
        let entries = MacroLibrary.entries(in: defaults.macroDirectories)
        if entries.isEmpty {
            session.note("macro-none", ["directory": defaults.macroDirectories.first ?? "-"])
            return true
        }
        let width = entries.map { DisplayWidth.of(VisibleText.escape($0.name)) }.max() ?? 0
        for entry in entries {
            let name = VisibleText.escape(entry.name)
            session.note(listing: "  " + (entry.description.map { DisplayWidth.padded(name, to: width) + "  " + VisibleText.escape($0) } ?? name), id: "macro-entry")
        }
        return true
    }

    private func runMacro(_ arguments: String?) -> Bool {
        var pairs = MacroArguments.parse(arguments)
        guard !pairs.isEmpty, pairs[0].value == "yes", !arguments!.hasPrefix("\"") else {
            session.warn("macro-run-usage")
            return false
        }
        let name = pairs.removeFirst().key
        guard let path = MacroLibrary.find(name, in: defaults.macroDirectories) else {
            session.warn("macro-not-found", ["name": VisibleTextShort.of(name), "directory": defaults.macroDirectories.first ?? "-"])
            return false
        }
        let script: SessionScript
        do throws(ShellError) {
            script = try ReplayCommand.load(path)
        } catch {
            session.warn(error.message)
            return false
        }
        var runner = ScriptRunner(script: script, name: FilePath.lastComponent(of: path))
        runner.credentials = credentials
        runner.confirm = confirm
        runner.stopOnMismatch = true
        // The macro's parameters: given now, else the defaults of the session (`${to}` is the
        // default recipient), else the file's.
        var values: [String: String] = [
            "ehlo": defaults.ehlo, "from": defaults.from, "to": recipients(defaults).first ?? "", "subject": defaults.subject,
        ]
        for parameter in script.parameters where parameter.defaultValue != nil { values.removeValue(forKey: parameter.name) }
        // A name the macro does not use is a typo (`tp=` for `to=`): running with the default
        // instead would send where the user did not mean to.
        let known = Set(script.variablesUsed + script.parameters.map(\.name))
        let unknown = pairs.map(\.key).filter { !known.contains($0) }
        guard unknown.isEmpty else {
            let names = known.isEmpty ? "-" : known.sorted().joined(separator: ", ")
            session.warn("macro-unknown-values", ["name": name, "names": unknown.joined(separator: ", "), "known": names])
            return false
        }
        for (key, value) in pairs { values[key] = value }
        runner.values = values
        let missing = runner.missingVariables
        guard missing.isEmpty else {
            session.warn("macro-missing-values", ["name": name, "names": missing.joined(separator: ", ")])
            return false
        }
        session.note("macro-running", ["name": VisibleTextShort.of(name)])
        let result = runner.run(on: session)
        switch result.stopped {
        case .mismatch?:
            session.warn("macro-run-stopped", ["name": name])
            return false
        case nil:
            session.note("macro-run-done", ["name": name, "count": String(result.matched)])
            return true
        default:
            return false
        }
    }

    // MARK: - Recording

    private func record(_ argument: String?) -> Bool {
        switch argument {
        case nil:
            if let path = sinks.recordingPath {
                session.note("record-on", ["file": VisibleText.escape(path)])
            } else {
                session.note("record-off-already")
            }
        case "off"?, "stop"?:
            if let path = sinks.stopRecording() {
                session.note("record-stopped", ["file": VisibleText.escape(path)])
            } else {
                session.note("record-off-already")
            }
        case let argument?:
            // `:record FILE --force` (or `--force FILE`) replaces an existing file.
            var words = argument.split(separator: " ").map(String.init)
            let replace = words.contains("--force")
            words.removeAll { $0 == "--force" }
            let path = words.joined(separator: " ")
            do throws(ShellError) {
                try sinks.startRecording(
                    MacroDefaults.expandHome(path), tlsActive: session.state.isTLS, replace: replace, existsMessage: "record-exists-local")
                session.note("record-started", ["file": VisibleText.escape(path)])
            } catch {
                session.warn(error.message)
                return false
            }
        }
        return true
    }
}
