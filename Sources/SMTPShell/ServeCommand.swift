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
import SMTPPracticeServer

#if canImport(Glibc)
import Glibc
#endif

/// `smtpsh serve`: the practice server on its own.
struct ServeCommand {
    static let spec = CommandSpec(
        name: "serve",
        usage: "smtpsh serve [options]",
        abstract: "help-serve-abstract",
        discussion: ["help-serve-discussion", "help-serve-docs"],
        examples: [
            "smtpsh serve                                  # 127.0.0.1:2525",
            "smtpsh serve --port 0 --tls-port 0            # free ports, printed at start",
            "smtpsh serve --scenario queue-full            # every RCPT: 452 #4.3.1 queue full",
            "smtpsh serve --on 'MAIL 3 close: 421 #4.x.2 Too many messages to this session'",
            "smtpsh serve --list-scenarios",
        ],
        options: [
            .value("port", "port", help: "option-port"),
            .value("tls-port", "port", help: "option-tls-port"),
            .value("listen", "address", help: "option-listen"),
            .value("hostname", "name", help: "option-hostname"),
            .value("style", "style", help: "option-style"),
            .value("scenario", "name|file", help: "option-scenario", repeatable: true),
            .value("on", "rule", help: "option-on", repeatable: true),
            .flag("list-scenarios", help: "option-list-scenarios"),
            .value("show-scenario", "name", help: "option-show-scenario"),
            .value("maildir", "directory", help: "option-maildir"),
            .value("user", "name", help: "option-user"),
            .value("password", "password", help: "option-password"),
            .value("cert", "file", help: "option-cert"),
            .value("key", "file", help: "option-key"),
            .flag("require-tls", help: "option-require-tls"),
            .flag("require-auth", help: "option-require-auth"),
            .flag("auth-requires-tls", help: "option-auth-requires-tls"),
            .flag("reject-bare-lf", help: "option-reject-bare-lf"),
            .value("max-size", "octets", help: "option-max-size"),
            .value("max-recipients", "count", help: "option-max-recipients"),
            .value("greeting-delay", "seconds", help: "option-greeting-delay"),
            .value("idle-timeout", "seconds", help: "option-idle-timeout"),
            .flag("quiet", short: "q", help: "option-quiet"),
            .value("lang", "languages", help: "option-lang"),
        ]
    )

    var port = 2525
    var tlsPort: Int?
    var listen: String?
    var hostname: String?
    var style: String?
    var scenario: [String] = []
    var rules: [String] = []
    var listScenarios = false
    var showScenario: String?
    var maildir: String?
    var user: String?
    var password: String?
    var cert: String?
    var key: String?
    var requireTLS = false
    var requireAuth = false
    var authRequiresTLS = false
    var rejectBareLF = false
    var maxSize: UInt64?
    var maxRecipients: Int?
    var greetingDelay: Double?
    var idleTimeout: Double?
    var quiet = false

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        if let extra = parsed.positional(0) {
            throw UsageError(Words["usage-unexpected-argument", ["argument": VisibleTextShort.of(extra)]], command: "serve")
        }
        if let lang = parsed.value("lang") { _ = try LanguageOption.parse(lang, command: "serve") }
        port = try parsed.integer("port", in: 0...65535) ?? 2525
        tlsPort = try parsed.integer("tls-port", in: 0...65535)
        listen = parsed.value("listen")
        hostname = parsed.value("hostname")
        style = try parsed.choice("style", from: ReplyStyle.allCases.map(\.rawValue))
        scenario = parsed.all("scenario")
        rules = parsed.all("on")
        listScenarios = parsed.flag("list-scenarios")
        showScenario = parsed.value("show-scenario")
        maildir = parsed.value("maildir")
        user = parsed.value("user")
        password = parsed.value("password")
        cert = parsed.value("cert")
        key = parsed.value("key")
        requireTLS = parsed.flag("require-tls")
        requireAuth = parsed.flag("require-auth")
        authRequiresTLS = parsed.flag("auth-requires-tls")
        rejectBareLF = parsed.flag("reject-bare-lf")
        if let text = parsed.value("max-size") {
            guard let size = UInt64(text), size > 0 else {
                throw UsageError(Words["usage-positive-number", ["option": "--max-size", "value": VisibleTextShort.of(text)]], command: "serve")
            }
            maxSize = size
        }
        maxRecipients = try parsed.integer("max-recipients", in: 1...1_000_000)
        greetingDelay = try parsed.seconds("greeting-delay", in: 0...600)
        idleTimeout = try parsed.seconds("idle-timeout", in: 0...86400, lowerExclusive: true)
        quiet = parsed.flag("quiet")
        if (cert == nil) != (key == nil) { throw UsageError(Words["usage-cert-and-key"], command: "serve") }
    }

    func run() async throws(ShellError) -> ExitStatus {
        if listScenarios {
            Console.out(Self.scenarioTable())
            return .success
        }
        if let name = showScenario {
            guard let scenario = BuiltInScenarios.named(name) else {
                throw ShellError(Words["serve-no-such-scenario", ["name": VisibleTextShort.of(name)]], status: .usage)
            }
            Console.write(scenario.fileText, to: STDOUT_FILENO)
            return .success
        }
        let options = try makeOptions()
        let server = PracticeServer(options: options)
        let listening: PracticeServer.Listening
        do {
            listening = try await server.start()
        } catch {
            await server.stop()
            throw ShellError(Self.cannotListen(error), status: .unavailable)
        }
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        var banner = "smtpsh practice server on \(host):\(listening.port) (SMTP, STARTTLS)"
        if let tlsPort = listening.tlsPort { banner += " and \(host):\(tlsPort) (implicit TLS)" }
        Console.out(banner)
        Console.out("  account: \(options.configuration.user) / \(password == nil && ProcessInfo.processInfo.environment["SMTPSH_PRACTICE_PASSWORD"] == nil ? options.configuration.password : "(as given)")   style: \(options.configuration.style.rawValue)   \(listening.certificate)")
        for rule in options.configuration.rules { Console.out("  rule: \(rule)") }
        Console.out("  messages: \(maildir.map { "stored in \($0)" } ?? "logged only (use --maildir to keep them)")")
        Console.out("  never relays mail. Ctrl-C to stop.")
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) {
            Task { await server.stop() }
        }
        await server.waitUntilClosed()
        signals.cancel()
        await server.stop()
        Console.out("smtpsh practice server stopped")
        return .success
    }

    func makeOptions() throws(ShellError) -> PracticeServer.Options {
        var options = PracticeServer.Options()
        options.port = port
        options.tlsPort = tlsPort
        if let listen {
            options.host = listen
            if !Self.isLoopback(listen) {
                Console.err("warning: listening on \(listen), not loopback: other machines can reach this practice server. It never relays mail, but anyone can talk to it.")
            }
        }
        var configuration = PracticeServerConfiguration()
        do throws(ScenarioError) {
            for name in scenario {
                try configuration.apply(try Self.loadScenario(name))
            }
            if let style, let parsed = ReplyStyle(rawValue: style) { configuration.style = parsed }
            if let hostname { configuration.hostname = hostname }
            for rule in rules { configuration.rules.append(try ScenarioRule(parsing: rule)) }
        } catch {
            throw ShellError(error.description, status: .usage)
        }
        if let user { configuration.user = user }
        if let password = password ?? ProcessInfo.processInfo.environment["SMTPSH_PRACTICE_PASSWORD"] {
            configuration.password = password
        }
        if requireTLS { configuration.requireTLS = true }
        if requireAuth { configuration.requireAuth = true }
        if authRequiresTLS { configuration.authRequiresTLS = true }
        if rejectBareLF { configuration.rejectBareLineFeed = true }
        if let maxSize { configuration.maximumMessageSize = maxSize }
        if let maxRecipients { configuration.maximumRecipients = maxRecipients }
        if let greetingDelay { configuration.greetingDelay = greetingDelay }
        if let idleTimeout { configuration.idleTimeout = idleTimeout }
        options.configuration = configuration
        if let cert, let key {
            do {
                options.tlsMaterial = try TLSMaterial.load(certificateFile: cert, keyFile: key)
            } catch {
                throw ShellError("\(error)", status: .usage)
            }
        }
        if let maildir { options.messageDirectory = URL(fileURLWithPath: maildir) }
        if !quiet {
            options.log = { line in Console.out(line) }
        }
        return options
    }

    static func loadScenario(_ nameOrFile: String) throws(ScenarioError) -> Scenario {
        if let builtIn = BuiltInScenarios.named(nameOrFile) { return builtIn }
        guard FileManager.default.fileExists(atPath: nameOrFile) else {
            throw ScenarioError("'\(nameOrFile)' is neither a built-in scenario (see --list-scenarios) nor a file")
        }
        guard let data = BoundedRead.contents(of: nameOrFile, limit: 1_048_577), data.count <= 1_048_576 else {
            throw ScenarioError("cannot read \(nameOrFile) (or it is over 1 MiB)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError("\(nameOrFile) is not UTF-8 text")
        }
        do throws(ScenarioError) {
            return try Scenario(parsing: text, defaultName: URL(fileURLWithPath: nameOrFile).deletingPathExtension().lastPathComponent)
        } catch {
            throw ScenarioError("\(nameOrFile): \(error.description)")
        }
    }

    /// Why the server cannot listen, in the user's language, with what to do about it.
    static func cannotListen(_ error: Error) -> String {
        guard let error = error as? PracticeServerError else {
            return Words["serve-cannot-listen", ["host": "?", "port": "?", "reason": "\(error)"]]
        }
        let values = ["host": error.host, "port": String(error.port), "reason": error.reason]
        switch error.kind {
        case .addressInUse: return Words["serve-port-in-use", values]
        case .permissionDenied: return Words["serve-port-permission", values]
        case .addressNotAvailable: return Words["serve-address-not-available", values]
        case .other: return Words["serve-cannot-listen", values]
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address == "localhost" || address.hasPrefix("127.")
    }

    static func scenarioTable() -> String {
        var lines = ["Built-in scenarios (smtpsh serve --scenario NAME). They reproduce the security appliance of the",
                     "seed documents: its banner (220 my_esa.local ESMTP), its wording, and each documented reply.", ""]
        let width = BuiltInScenarios.all.map { DisplayWidth.of($0.name) }.max() ?? 10
        for scenario in BuiltInScenarios.all {
            let name = DisplayWidth.padded(scenario.name, to: width)
            if let rule = scenario.rules.first {
                lines.append("  \(name)  \(rule)")
                lines.append("  \(String(repeating: " ", count: width))    \(scenario.description)")
            } else {
                lines.append("  \(name)  \(scenario.description)")
            }
            if let hint = scenario.hint {
                lines.append("  \(String(repeating: " ", count: width))    to see it: \(hint)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
