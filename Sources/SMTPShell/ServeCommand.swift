import ArgumentParser
import Foundation
import SMTPPracticeServer

#if canImport(Glibc)
import Glibc
#endif

/// `smtpsh serve`: the practice server on its own.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the practice SMTP server on loopback.",
        discussion: """
            A real ESMTP server for demos, tests and class: STARTTLS and implicit TLS (self-signed \
            certificate generated at start), AUTH PLAIN/LOGIN/CRAM-MD5 for the practice account \
            (user "student", password "practice"), and scenarios that make it send any reply. \
            It never relays mail: accepted messages go to the log, or to --maildir.

            Examples:
              smtpsh serve                                  # 127.0.0.1:2525
              smtpsh serve --port 0 --tls-port 0            # free ports, printed at start
              smtpsh serve --scenario queue-full            # every RCPT gets 452 #4.3.1 queue full
              smtpsh serve --on 'MAIL 3 close: 421 #4.x.2 Too many messages to this session'
              smtpsh serve --list-scenarios
            See Docs/practice-server.md.
            """
    )

    @Option(name: .long, help: "Port for plain SMTP and STARTTLS (0 picks a free port).")
    var port: Int = 2525

    @Option(name: .customLong("tls-port"), help: "Also listen for implicit TLS (SMTPS) on this port (0 picks one).")
    var tlsPort: Int?

    @Option(name: .long, help: ArgumentHelp("Listen on this address instead of 127.0.0.1 (prints a warning unless loopback).", valueName: "address"))
    var listen: String?

    @Option(help: "The server's name in its greeting and replies.")
    var hostname: String?

    @Option(help: "How replies are worded: standard, or appliance (the seed documents' security appliance).")
    var style: String?

    @Option(name: .long, help: ArgumentHelp("A built-in scenario name or a scenario file (repeatable).", valueName: "name|file"))
    var scenario: [String] = []

    @Option(name: .customLong("on"), help: ArgumentHelp("A rule: 'TRIGGER [N|N+] [close]: CODE text' (repeatable).", valueName: "rule"))
    var rules: [String] = []

    @Flag(name: .customLong("list-scenarios"), help: "List the built-in scenarios and exit.")
    var listScenarios = false

    @Option(name: .customLong("show-scenario"), help: ArgumentHelp("Print a built-in scenario as a file and exit.", valueName: "name"))
    var showScenario: String?

    @Option(help: ArgumentHelp("Store accepted messages here, one .eml file each.", valueName: "directory"))
    var maildir: String?

    @Option(help: "The practice account's user name.")
    var user: String?

    @Option(help: "The practice account's password (or set SMTPSH_PRACTICE_PASSWORD).")
    var password: String?

    @Option(help: ArgumentHelp("PEM certificate chain instead of a generated one.", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("PEM private key for --cert.", valueName: "file"))
    var key: String?

    @Flag(name: .customLong("require-tls"), help: "Answer 530 to mail commands until STARTTLS.")
    var requireTLS = false

    @Flag(name: .customLong("require-auth"), help: "Answer 530 to MAIL until AUTH succeeded.")
    var requireAuth = false

    @Flag(name: .customLong("auth-requires-tls"), help: "Answer 538 to AUTH without TLS.")
    var authRequiresTLS = false

    @Flag(name: .customLong("reject-bare-lf"), help: "Refuse bare LF line ends, as recent Postfix does.")
    var rejectBareLF = false

    @Option(name: .customLong("max-size"), help: "Largest message accepted, in octets.")
    var maxSize: UInt64?

    @Option(name: .customLong("max-recipients"), help: "Recipients allowed per message.")
    var maxRecipients: Int?

    @Option(name: .customLong("greeting-delay"), help: "Seconds to wait before the greeting; clients that talk first are refused.")
    var greetingDelay: Double?

    @Option(name: .customLong("idle-timeout"), help: "Seconds of silence before the server closes a session with 421.")
    var idleTimeout: Double?

    @Flag(name: .shortAndLong, help: "Do not log sessions.")
    var quiet = false

    public init() {}

    public func run() async throws {
        if listScenarios {
            print(Self.scenarioTable())
            return
        }
        if let name = showScenario {
            guard let scenario = BuiltInScenarios.named(name) else {
                throw ValidationError("no built-in scenario named '\(name)' (see --list-scenarios)")
            }
            print(scenario.fileText, terminator: "")
            return
        }
        let options = try makeOptions()
        let server = PracticeServer(options: options)
        let listening: PracticeServer.Listening
        do {
            listening = try await server.start()
        } catch {
            await server.stop()
            throw ShellError(error.localizedDescriptionForUser, status: .unavailable)
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
    }

    func makeOptions() throws -> PracticeServer.Options {
        var options = PracticeServer.Options()
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        options.port = port
        if let tlsPort {
            guard (0...65535).contains(tlsPort) else { throw ValidationError("--tls-port must be 0 to 65535") }
            options.tlsPort = tlsPort
        }
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
            if let style {
                guard let parsed = ReplyStyle(rawValue: style.lowercased()) else {
                    throw ScenarioError("--style must be standard or appliance")
                }
                configuration.style = parsed
            }
            if let hostname { configuration.hostname = hostname }
            for rule in rules { configuration.rules.append(try ScenarioRule(parsing: rule)) }
        } catch {
            throw ValidationError(error.description)
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
        if let maxRecipients {
            guard maxRecipients > 0 else { throw ValidationError("--max-recipients must be at least 1") }
            configuration.maximumRecipients = maxRecipients
        }
        if let greetingDelay {
            guard greetingDelay >= 0, greetingDelay <= 600 else { throw ValidationError("--greeting-delay must be 0 to 600 seconds") }
            configuration.greetingDelay = greetingDelay
        }
        if let idleTimeout {
            guard idleTimeout > 0, idleTimeout <= 86400 else { throw ValidationError("--idle-timeout must be above 0 and at most 86400 seconds") }
            configuration.idleTimeout = idleTimeout
        }
        options.configuration = configuration
        switch (cert, key) {
        case (let cert?, let key?):
            do {
                options.tlsMaterial = try TLSMaterial.load(certificateFile: cert, keyFile: key)
            } catch {
                throw ValidationError("\(error)")
            }
        case (nil, nil): break
        default: throw ValidationError("--cert and --key go together")
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
        guard let data = FileManager.default.contents(atPath: nameOrFile), data.count <= 1_048_576 else {
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

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address == "localhost" || address.hasPrefix("127.")
    }

    static func scenarioTable() -> String {
        var lines = ["Built-in scenarios (smtpsh serve --scenario NAME). They reproduce the security appliance of the",
                     "seed documents: its banner (220 my_esa.local ESMTP), its wording, and each documented reply.", ""]
        let width = BuiltInScenarios.all.map(\.name.count).max() ?? 10
        for scenario in BuiltInScenarios.all {
            let name = scenario.name.padding(toLength: width, withPad: " ", startingAt: 0)
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
