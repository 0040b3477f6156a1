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
            "smtpsh serve --on 'RCPT TO:<nobody@example.org>: 550 5.1.1 <{arg}>: no such user'",
            "smtpsh serve --on 'RCPT 3+ per message: 452 4.5.3 Too many recipients'",
            "smtpsh serve --list-scenarios",
            "smtpsh serve --delay RCPT=5 --delay DOT=30 --tarpit 0.5   # slow replies, a slow DATA",
            "smtpsh serve --drop DOT:reset                 # reset the connection at the end of the message",
            "smtpsh serve --greylist 60                    # 450 4.2.0 … Greylisted, until the same triplet retries 60 s later",
            "smtpsh serve --max-connections 5/60 --recipient-rate 20/60",
            "smtpsh serve --cert-problem expired --ca-out ca.pem   # then: smtpsh 127.0.0.1:2525 --starttls --tls-verify --ca ca.pem",
            "smtpsh serve --triggers                       # RCPT TO:<rcpt550_5.1.1@example.org> gets 550 5.1.1",
            "smtpsh serve --persona google --triggers      # every reply worded as Gmail words it",
            "smtpsh serve --list-personas",
        ],
        options: [
            .value("port", "port", help: "option-port"),
            .value("tls-port", "port", help: "option-tls-port"),
            .value("listen", "address", help: "option-listen"),
            .value("hostname", "name", help: "option-hostname"),
            .value("persona", "persona", help: "option-persona"),
            .flag("list-personas", help: "option-list-personas"),
            .value("style", "style", help: "option-style"),
            .value("scenario", "name|file", help: "option-scenario", repeatable: true),
            .value("on", "rule", help: "option-on", repeatable: true),
            .flag("list-scenarios", help: "option-list-scenarios"),
            .value("show-scenario", "name", help: "option-show-scenario"),
            .flag("triggers", help: "option-triggers"),
            .flag("help-triggers", help: "option-help-triggers"),
            .value("maildir", "directory", help: "option-maildir"),
            .value("user", "name", help: "option-user"),
            .value("password", "password", help: "option-password"),
            .value("accounts", "file", help: "option-accounts"),
            .flag("any-user", help: "option-any-user"),
            .value("log-dir", "directory", help: "option-log-dir"),
            .value("cert", "file", help: "option-cert"),
            .value("key", "file", help: "option-key"),
            .value("cert-problem", "problem", help: "option-cert-problem"),
            .value("ca-out", "file", help: "option-ca-out"),
            .flag("require-tls", help: "option-require-tls"),
            .flag("require-auth", help: "option-require-auth"),
            .flag("auth-requires-tls", help: "option-auth-requires-tls"),
            .flag("reject-bare-lf", help: "option-reject-bare-lf"),
            .value("unix", "path", help: "option-serve-unix"),
            .flag("lmtp", help: "option-serve-lmtp"),
            .value("max-size", "octets", help: "option-max-size"),
            .value("max-recipients", "count", help: "option-max-recipients"),
            .value("local-domains", "domains", help: "option-local-domains"),
            .value("greeting-delay", "seconds", help: "option-greeting-delay"),
            .value("idle-timeout", "seconds", help: "option-idle-timeout"),
            .value("delay", "command=seconds", help: "option-delay", repeatable: true),
            .value("tarpit", "seconds", help: "option-tarpit"),
            .value("drop", "stage[:reset]", help: "option-drop"),
            .value("greylist", "seconds", help: "option-greylist"),
            .value("max-connections", "count[/seconds]", help: "option-max-connections"),
            .value("max-messages", "count", help: "option-max-messages"),
            .value("recipient-rate", "count[/seconds]", help: "option-recipient-rate"),
            .flag("quiet", short: "q", help: "option-quiet"),
            .value("lang", "languages", help: "option-lang"),
        ]
    )

    var port = 2525
    var tlsPort: Int?
    var listen: String?
    var hostname: String?
    /// `--persona` (or its older name `--style`).
    var style: String?
    var listPersonas = false
    var scenario: [String] = []
    var rules: [String] = []
    var listScenarios = false
    var triggers = false
    var delays: [String] = []
    var tarpit: Double?
    var drop: String?
    var greylist: Double?
    var maxConnections: String?
    var maxMessages: Int?
    var recipientRate: String?
    var helpTriggers = false
    var showScenario: String?
    var maildir: String?
    var user: String?
    var password: String?
    var accountsFile: String?
    var anyUser = false
    var logDirectory: String?
    var cert: String?
    var key: String?
    var certProblem: CertificateFault?
    var caOut: String?
    var requireTLS = false
    var requireAuth = false
    var authRequiresTLS = false
    var rejectBareLF = false
    /// `--unix PATH`: a UNIX-domain socket too; `--lmtp`: speak LMTP.
    var unixSocket: String?
    var lmtp = false
    var maxSize: UInt64?
    var maxRecipients: Int?
    var localDomains: String?
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
        let personas = ReplyStyle.allCases.map(\.rawValue)
        style = try parsed.choice("persona", from: personas)
        if style == nil { style = try parsed.choice("style", from: personas) }
        listPersonas = parsed.flag("list-personas")
        scenario = parsed.all("scenario")
        rules = parsed.all("on")
        listScenarios = parsed.flag("list-scenarios")
        triggers = parsed.flag("triggers")
        helpTriggers = parsed.flag("help-triggers")
        delays = parsed.all("delay")
        tarpit = try parsed.seconds("tarpit", in: 0...600)
        drop = parsed.value("drop")
        greylist = try parsed.seconds("greylist", in: 0...86400)
        maxConnections = parsed.value("max-connections")
        maxMessages = try parsed.integer("max-messages", in: 1...1_000_000)
        recipientRate = parsed.value("recipient-rate")
        showScenario = parsed.value("show-scenario")
        maildir = parsed.value("maildir")
        user = parsed.value("user")
        password = parsed.value("password")
        accountsFile = parsed.value("accounts")
        anyUser = parsed.flag("any-user")
        logDirectory = parsed.value("log-dir")
        cert = parsed.value("cert")
        key = parsed.value("key")
        certProblem = try parsed.choice("cert-problem", from: CertificateFault.allCases.map(\.rawValue)).flatMap(CertificateFault.init(rawValue:))
        caOut = parsed.value("ca-out")
        requireTLS = parsed.flag("require-tls")
        requireAuth = parsed.flag("require-auth")
        authRequiresTLS = parsed.flag("auth-requires-tls")
        rejectBareLF = parsed.flag("reject-bare-lf")
        unixSocket = parsed.value("unix")
        if let path = unixSocket {
            do throws(AddressError) {
                _ = try ServerAddress(parsing: "unix:" + path, defaultPort: 0)
            } catch {
                throw UsageError(error.text, command: "serve")
            }
        }
        lmtp = parsed.flag("lmtp")
        if let text = parsed.value("max-size") {
            guard let size = UInt64(text), size > 0 else {
                throw UsageError(Words["usage-positive-number", ["option": "--max-size", "value": VisibleTextShort.of(text)]], command: "serve")
            }
            maxSize = size
        }
        maxRecipients = try parsed.integer("max-recipients", in: 1...1_000_000)
        localDomains = parsed.value("local-domains")
        greetingDelay = try parsed.seconds("greeting-delay", in: 0...600)
        idleTimeout = try parsed.seconds("idle-timeout", in: 0...86400, lowerExclusive: true)
        quiet = parsed.flag("quiet")
        if (cert == nil) != (key == nil) { throw UsageError(Words["usage-cert-and-key"], command: "serve") }
        if certProblem != nil && cert != nil { throw UsageError(Words["usage-cert-problem-and-cert"], command: "serve") }
        if caOut != nil && certProblem == nil { throw UsageError(Words["usage-ca-out-needs-problem"], command: "serve") }
    }

    func run() async throws(ShellError) -> ExitStatus {
        if listScenarios {
            Console.out(Self.scenarioTable())
            return .success
        }
        if listPersonas {
            Console.out(Self.personaTable())
            return .success
        }
        if helpTriggers {
            Console.out(Self.triggerGrammar())
            return .success
        }
        if let name = showScenario {
            guard let scenario = BuiltInScenarios.named(name) ?? Lesson.scenarios.first(where: { $0.name == name.lowercased() }) else {
                throw ShellError("serve-no-such-scenario", ["name": VisibleTextShort.of(name)], status: .usage)
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
            throw ShellError(text: Self.cannotListen(error), status: .unavailable)
        }
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let name = options.configuration.lmtp ? "LMTP" : "SMTP"
        var banner = "smtpsh practice server on \(host):\(listening.port) (\(name), STARTTLS)"
        if let tlsPort = listening.tlsPort { banner += " and \(host):\(tlsPort) (implicit TLS)" }
        if let path = listening.unixSocket { banner += " and unix:\(path) (\(name))" }
        Console.out(banner)
        Console.out("  account: \(options.configuration.user) / \(password == nil && ProcessInfo.processInfo.environment["SMTPSH_PRACTICE_PASSWORD"] == nil ? options.configuration.password : "(as given)")   persona: \(options.configuration.style.rawValue)   \(listening.certificate)")
        for rule in options.configuration.rules { Console.out("  rule: \(rule)") }
        Self.warnAboutRules(options.configuration)
        if !options.configuration.accounts.isEmpty {
            Console.out("  accounts: \(options.configuration.accounts.count) from \(accountsFile ?? "?")")
        }
        if anyUser { Console.out("  any user name logs in with the practice password") }
        let timing = options.configuration.delays.sorted { $0.key < $1.key }.map { "\($0.key) \(ParsedCommandLine.plain($0.value)) s" }
            + (options.configuration.tarpit > 0 ? ["each DATA line \(ParsedCommandLine.plain(options.configuration.tarpit)) s (tarpit)"] : [])
        if !timing.isEmpty { Console.out("  delays: " + timing.joined(separator: ", ")) }
        var limits: [String] = []
        if let delay = options.configuration.greylistDelay { limits.append("greylisting (\(ParsedCommandLine.plain(delay)) s)") }
        if let rate = options.configuration.connectionRate { limits.append("\(rate) connections per address") }
        if let count = options.configuration.messagesPerConnection { limits.append("\(count) messages per connection") }
        if let rate = options.configuration.recipientRate { limits.append("\(rate) recipients per address") }
        if !limits.isEmpty { Console.out("  limits: " + limits.joined(separator: ", ")) }
        if let drop = options.configuration.drop {
            Console.out("  drop: the connection \(drop.reset ? "is reset" : "is closed") at \(drop.stage), without a reply")
        }
        if options.configuration.triggers {
            Console.out("  triggers: the client's names choose failures (smtpsh serve --help-triggers)")
        }
        Console.out("  messages: \(maildir.map { "stored in \($0)" } ?? "logged only (use --maildir to keep them)")")
        if let caOut { Console.out("  practice CA (it signed the certificate): \(caOut); a client trusts it with --ca \(caOut)") }
        if let logDirectory { Console.out("  session logs: one file per session in \(logDirectory)") }
        let files = scenario.filter { BuiltInScenarios.named($0) == nil }
        if !files.isEmpty {
            Console.out("  rules reloaded when \(files.joined(separator: ", ")) change\(files.count == 1 ? "s" : "") (or on SIGHUP)")
        }
        Console.out("  never relays mail. Ctrl-C to stop.")
        let command = self
        // A teacher changes the rules in front of a class: SIGHUP, or the scenario file saved.
        let reload: @Sendable (String) -> Void = { why in command.reload(server, because: why) }
        let reloadSignal = SignalWatcher(signals: [SIGHUP]) { reload("SIGHUP") }
        let watcher = FileWatcher(files: files) { file in reload(file + " changed") }
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM]) {
            Task { await server.stop() }
        }
        await server.waitUntilClosed()
        signals.cancel()
        reloadSignal.cancel()
        watcher.cancel()
        await server.stop()
        Console.out("smtpsh practice server stopped")
        return .success
    }

    /// Reads the scenario files again and gives the server the new rules and settings; sessions
    /// in progress keep going and use them from their next command. A file that no longer
    /// reads keeps the rules in force, with the error on standard error.
    func reload(_ server: PracticeServer, because why: String) {
        do throws(ShellError) {
            let configuration = try makeConfiguration()
            server.reconfigure(configuration)
            Console.out("-- rules reloaded (\(why)): \(configuration.rules.count) rule\(configuration.rules.count == 1 ? "" : "s")")
            for rule in configuration.rules { Console.out("  rule: \(rule)") }
            Self.warnAboutRules(configuration)
        } catch {
            Console.err(Words["serve-reload-failed", ["error": error.description]])
        }
    }

    func makeOptions() throws(ShellError) -> PracticeServer.Options {
        var options = PracticeServer.Options()
        options.port = port
        options.unixSocket = unixSocket
        options.tlsPort = tlsPort
        if let listen {
            options.host = listen
            if !Self.isLoopback(listen) {
                Console.err(Words["serve-warning", ["text": Words["serve-not-loopback", ["address": listen]]]])
            }
        }
        options.configuration = try makeConfiguration()
        options.timeScale = PracticeRun.timeScale
        if let cert, let key {
            do {
                options.tlsMaterial = try TLSMaterial.load(certificateFile: cert, keyFile: key)
            } catch {
                throw ShellError(text: "\(error)", status: .usage)
            }
        }
        if let certProblem {
            do {
                let faulty = try TLSMaterial.faulty(certProblem, hostname: options.configuration.hostname)
                options.tlsMaterial = faulty.material
                if let caOut {
                    // A certificate, not a key: nothing secret, but written whole or not at all.
                    let temporary = caOut + ".tmp"
                    try Data(faulty.authorityPEM.utf8).write(to: URL(fileURLWithPath: temporary))
                    guard rename(temporary, caOut) == 0 else { throw TLSMaterialError(String(cString: strerror(errno))) }
                }
            } catch {
                throw ShellError("serve-cert-problem-failed", ["error": "\(error)"], status: .unavailable)
            }
        }
        if let maildir { options.messageDirectory = URL(fileURLWithPath: maildir) }
        if let logDirectory { options.sessionLogDirectory = URL(fileURLWithPath: logDirectory) }
        if !quiet {
            options.log = { line in Console.out(line) }
        }
        return options
    }

    /// The settings and rules from the command line: `--on` rules first, then each scenario's
    /// in the order given (the first rule that matches wins), then the options, which win over
    /// a scenario's settings.
    func makeConfiguration() throws(ShellError) -> PracticeServerConfiguration {
        var configuration = PracticeServerConfiguration()
        do throws(ScenarioError) {
            for rule in rules { configuration.rules.append(try ScenarioRule(parsing: rule)) }
            for name in scenario {
                try configuration.apply(try Self.loadScenario(name))
            }
            if let style, let parsed = ReplyStyle(rawValue: style) { configuration.style = parsed }
            if let hostname { configuration.hostname = hostname }
            if let localDomains { try configuration.setLocalDomains(localDomains) }
            for delay in delays { try configuration.addDelays(delay) }
            if let drop { configuration.drop = try .init(parsing: drop) }
            if let maxConnections { configuration.connectionRate = try RateLimit(parsing: maxConnections, name: "--max-connections") }
            if let recipientRate { configuration.recipientRate = try RateLimit(parsing: recipientRate, name: "--recipient-rate") }
        } catch {
            throw ShellError(text: error.description, status: .usage)
        }
        if let user { configuration.user = user }
        if let password = password ?? ProcessInfo.processInfo.environment["SMTPSH_PRACTICE_PASSWORD"] {
            configuration.password = password
        }
        if let accountsFile { configuration.accounts = try Self.loadAccounts(accountsFile) }
        if anyUser { configuration.anyUser = true }
        if triggers { configuration.triggers = true }
        if let tarpit { configuration.tarpit = tarpit }
        if let greylist { configuration.greylistDelay = greylist }
        if let maxMessages { configuration.messagesPerConnection = maxMessages }
        if requireTLS { configuration.requireTLS = true }
        if requireAuth { configuration.requireAuth = true }
        if authRequiresTLS { configuration.authRequiresTLS = true }
        if rejectBareLF { configuration.rejectBareLineFeed = true }
        if lmtp { configuration.lmtp = true }
        if let maxSize { configuration.maximumMessageSize = maxSize }
        if let maxRecipients { configuration.maximumRecipients = maxRecipients }
        if let greetingDelay { configuration.greetingDelay = greetingDelay }
        if let idleTimeout { configuration.idleTimeout = idleTimeout }
        return configuration
    }

    /// The rules that can never fire, said on standard error (after the rules are listed).
    static func warnAboutRules(_ configuration: PracticeServerConfiguration) {
        for warning in ruleWarnings(configuration) { Console.err(Words["serve-warning", ["text": warning]]) }
    }

    /// What is wrong with the rules, one sentence each, in the user's language.
    static func ruleWarnings(_ configuration: PracticeServerConfiguration) -> [String] {
        configuration.ruleFindings.map { finding in
            let rule = configuration.rules[finding.index]
            var values = ["rule": rule.description]
            switch finding.reason {
            case .shadowed(let earlier):
                values["earlier"] = configuration.rules[earlier].description
                return Words["rule-shadowed", values]
            case .oncePerMessage:
                if case .verb(let verb) = rule.trigger { values["verb"] = verb } else { values["verb"] = Words["lesson-the-dot"] }
                return Words["rule-once-per-message", values]
            case .oncePerSession:
                return Words["rule-once-per-session", values]
            case .afterBadCommandLimit(let limit):
                values["limit"] = String(limit + 1)
                return Words["rule-after-bad-limit", values]
            }
        }
    }

    /// `--accounts FILE`: one account a line, the user name, blanks, the password (the rest of
    /// the line); `#` starts a comment line. The passwords never reach the log.
    static func loadAccounts(_ path: String) throws(ShellError) -> [String: String] {
        guard let data = BoundedRead.contents(of: path, limit: 1_048_577), data.count <= 1_048_576,
            let text = String(data: data, encoding: .utf8)
        else {
            throw ShellError("usage-cannot-read", ["file": VisibleTextShort.of(path)], status: .usage)
        }
        var accounts: [String: String] = [:]
        for (number, raw) in TextLines.split(Array(text.utf8)).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let blank = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                throw ShellError("serve-accounts-line", ["file": VisibleTextShort.of(path), "line": String(number + 1)], status: .usage)
            }
            accounts[String(line[..<blank])] = line[blank...].trimmingSpaces
        }
        return accounts
    }

    /// A built-in scenario (the appliance's, or a lesson's server: `lesson-4`), else a file.
    static func loadScenario(_ nameOrFile: String) throws(ScenarioError) -> Scenario {
        if let builtIn = BuiltInScenarios.named(nameOrFile) ?? Lesson.scenarios.first(where: { $0.name == nameOrFile.lowercased() }) {
            return builtIn
        }
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

    /// `--help-triggers`: the words a client's names may hold, in the user's language.
    static func triggerGrammar() -> String {
        let address: [(String, String)] = [
            ("mail451", "triggers-mail"),
            ("rcpt550_5.1.1", "triggers-rcpt"),
            ("data452", "triggers-data"),
            ("dot554_5.7.1", "triggers-dot"),
            ("quit421", "triggers-quit"),
            ("rcpt450close", "triggers-close"),
            ("rcptdelay5", "triggers-delay"),
            ("dotdrop", "triggers-drop"),
            ("dotreset", "triggers-reset"),
        ]
        let ehlo: [(String, String)] = [
            ("ehlo550", "triggers-ehlo"),
            ("nopipelining", "triggers-no"),
            ("size10000", "triggers-size"),
            ("mail451_4_7_1", "triggers-ehlo-stages"),
        ]
        let columns = max(Environment.columns, 40)
        let width = (address + ehlo).map { DisplayWidth.of($0.0) }.max() ?? 12
        // Each meaning wrapped beside its word, the next lines under the meaning.
        func table(_ rows: [(String, String)]) -> [String] {
            rows.flatMap { row in
                TextWrapper.wrap(Words[row.1], width: max(columns - width - 4, 20)).enumerated().map { index, line in
                    "  \(DisplayWidth.padded(index == 0 ? row.0 : "", to: width))  \(line)"
                }
            }
        }
        var lines = TextWrapper.wrap(Words["triggers-intro"], width: columns) + [""]
        lines += TextWrapper.wrap(Words["triggers-in-address"], width: columns)
        lines += table(address)
        lines += [""] + TextWrapper.wrap(Words["triggers-in-ehlo"], width: columns)
        lines += table(ehlo)
        lines += [
            "", Words["triggers-examples"],
            "  RCPT TO:<alice-rcpt550_5.1.1@example.org>",
            "  MAIL FROM:<data452+dotdelay3@example.org>",
            "  EHLO nopipelining-nostarttls-size10000.example",
            "  swaks --server 127.0.0.1:2525 --to rcpt451@example.org",
            "", Words["triggers-docs"],
        ]
        return lines.joined(separator: "\n")
    }

    /// `--list-personas`: each persona and what it answers like, in the user's language.
    static func personaTable() -> String {
        let columns = max(Environment.columns, 40)
        let width = ReplyStyle.allCases.map { DisplayWidth.of($0.rawValue) }.max() ?? 10
        var lines = TextWrapper.wrap(Words["personas-intro"], width: columns) + [""]
        for persona in ReplyStyle.allCases {
            let text = TextWrapper.wrap(Words["persona-" + persona.rawValue], width: max(columns - width - 4, 20))
            for (index, line) in text.enumerated() {
                lines.append("  \(DisplayWidth.padded(index == 0 ? persona.rawValue : "", to: width))  \(line)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `--list-scenarios`: each built-in scenario, its rule and what it does, in the user's
    /// language (`message.scenario-NAME`, `message.scenario-hint-NAME`); a rule and a reply
    /// line are the server's words and stay as they are.
    static func scenarioTable() -> String {
        let columns = max(Environment.columns, 40)
        let width = (BuiltInScenarios.all + Lesson.scenarios).map { DisplayWidth.of($0.name) }.max() ?? 10
        // A rule beside the name, the description and the hint under it, two columns further.
        let under = String(repeating: " ", count: width + 6)
        var lines = TextWrapper.wrap(Words["scenarios-intro"], width: columns) + [""]
        func describe(_ scenario: Scenario) {
            let description = Words["scenario-" + scenario.name]
            if let rule = scenario.rules.first {
                lines.append("  \(DisplayWidth.padded(scenario.name, to: width))  \(rule)")
                lines += TextWrapper.wrap(description, width: max(columns - width - 6, 20)).map { under + $0 }
            } else {
                let wrapped = TextWrapper.wrap(description, width: max(columns - width - 4, 20))
                lines.append("  \(DisplayWidth.padded(scenario.name, to: width))  \(wrapped.first ?? "")")
                lines += wrapped.dropFirst().map { String(repeating: " ", count: width + 4) + $0 }
            }
            if scenario.hint != nil {
                let hint = Words["scenarios-to-see-it", ["hint": Words["scenario-hint-" + scenario.name]]]
                lines += TextWrapper.wrap(hint, width: max(columns - width - 6, 20)).map { under + $0 }
            }
        }
        BuiltInScenarios.all.forEach(describe)
        lines += [""] + TextWrapper.wrap(Words["scenarios-lessons-heading"], width: columns) + [""]
        Lesson.scenarios.forEach(describe)
        return lines.joined(separator: "\n")
    }
}
