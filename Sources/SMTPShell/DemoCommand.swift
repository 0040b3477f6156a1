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

/// `smtpsh demo`: the practice server in-process on a free loopback port, and a session to it.
struct DemoCommand {
    static let spec = CommandSpec(
        name: "demo",
        usage: "smtpsh demo [options]",
        abstract: "help-demo-abstract",
        discussion: ["help-demo-discussion"],
        examples: [
            "smtpsh demo",
            "smtpsh demo --lang ja",
            "smtpsh demo --scenario queue-full",
            "smtpsh demo --on 'RCPT 2: 452 4.5.3 Too many recipients'",
        ],
        options: ConnectionOptions.specs + [
            .value("scenario", "name|file", help: "option-demo-scenario", repeatable: true),
            .value("on", "rule", help: "option-demo-on", repeatable: true),
            .value("idle-timeout", "seconds", help: "option-practice-idle-timeout"),
        ]
    )

    var connection: ConnectionOptions
    var configuration = PracticeServerConfiguration()

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        connection = try ConnectionOptions(parsed)
        // The server is the one smtpsh starts here: its self-signed certificate is smtpsh's own.
        connection.credentials.certificateVouchedFor = connection.tls.caFile == nil
        if let extra = parsed.positional(0) {
            throw UsageError(Words["usage-unexpected-argument", ["argument": VisibleTextShort.of(extra)]], command: "demo")
        }
        // No idle limit unless asked for: a class listens to the teacher between commands.
        configuration.idleTimeout = nil
        // `--on` rules first, then each scenario's (the first rule that matches wins), as for `serve`.
        do throws(ScenarioError) {
            for rule in parsed.all("on") { configuration.rules.append(try ScenarioRule(parsing: rule)) }
            for name in parsed.all("scenario") { try configuration.apply(try ServeCommand.loadScenario(name)) }
        } catch {
            throw UsageError(error.description, command: "demo")
        }
        if let idle = try parsed.seconds("idle-timeout", in: 0...86400, lowerExclusive: true) { configuration.idleTimeout = idle }
    }

    func run() throws(ShellError) -> ExitStatus {
        ServeCommand.warnAboutRules(configuration)
        // `smtpsh demo --tls`: the session speaks TLS from the first byte, on a port of its own.
        let practice = try PracticeRun(configuration, implicitTLS: connection.implicitTLS)
        let listening = practice.listening
        let color = connection.color.enabled(isTerminal: isatty(STDOUT_FILENO) == 1, environment: Environment.variables)
        let renderer = Renderer(color: color, large: connection.large)
        var runner = SessionRunner(
            address: ServerAddress(host: "127.0.0.1", port: connection.implicitTLS ? listening.tlsPort ?? listening.port : listening.port),
            options: connection,
            welcome: Self.welcome(port: listening.port, renderer: renderer, configuration: configuration, languages: connection.languages)
        )
        // `:stored`: the last message, as the server stored it.
        let host = configuration.hostname
        runner.inputFilter = { line, show in
            guard line.trimmingSpaces.lowercased() == ":stored" else { return line }
            guard let message = practice.messages.last else {
                show(renderer.note(Words["demo-stored-none"]))
                return nil
            }
            show(renderer.note(Words["demo-stored-heading"]))
            for text in StoredMessageView.lines(message, host: host, language: Words.language, limit: 200) { show("    │ " + text) }
            return nil
        }
        let status = runner.run()
        practice.stop()
        Self.sayWhyTheServerHungUp(practice, color: color)
        return status
    }

    /// After the session: the server's own reason for hanging up, in so many words.
    static func sayWhyTheServerHungUp(_ practice: PracticeRun, color: Bool) {
        guard let seconds = practice.hungUpAfterSilence else { return }
        Console.out(Renderer(color: color).warning(Words["practice-idle-hung-up", ["duration": SpokenDuration.of(seconds)]]))
    }

    /// The screen before the first prompt, in the user's language (`--lang en,ja`: in each,
    /// the first one's line, then the others'): what runs, what to type.
    static func welcome(
        port: Int, renderer: Renderer, configuration: PracticeServerConfiguration, languages: [Language] = [Words.language]
    ) -> [String] {
        let languages = languages.isEmpty ? [Words.language] : languages
        let bold = renderer.color ? "\u{1B}[1m" : ""
        let reset = renderer.color ? "\u{1B}[0m" : ""
        func said(_ name: String, _ values: [String: String] = [:]) -> [String] {
            languages.map { Words.text(name, in: $0, values) }
        }
        let steps: [(String, String)] = [
            ("EHLO me.example", "demo-step-ehlo"),
            ("MAIL FROM:<alice@example.org>", "demo-step-mail"),
            ("RCPT TO:<bob@example.org>", "demo-step-rcpt"),
            ("DATA", "demo-step-data"),
            (".", "demo-step-dot"),
            ("QUIT", "demo-step-quit"),
        ]
        var lines = [""]
        lines += languages.map { language in
            Words.text("help-title", in: language, [
                "command": "\(bold)smtpsh demo\(reset)",
                "abstract": Words.text("demo-running", in: language, ["address": "127.0.0.1:\(port)"]),
            ])
        }
        lines += said("demo-type-these") + [""]
        for (command, meaning) in steps {
            let padding = String(repeating: " ", count: max(33 - command.count, 1))
            for (index, text) in said(meaning).enumerated() {
                let column = index == 0 ? "    \(bold)\(command)\(reset)" + padding : String(repeating: " ", count: 4 + command.count + padding.count)
                lines.append(column + renderer.dim(text))
            }
        }
        lines.append("")
        lines += (said("demo-help-line") + said("demo-stored-line")).map(renderer.dim)
        // Only what works: a scenario may switch AUTH off.
        if configuration.offersAuth {
            lines += said("demo-account-line", ["user": configuration.user, "password": configuration.password]).map(renderer.dim)
        }
        if !configuration.rules.isEmpty {
            lines += said("demo-rules", ["rules": configuration.rules.map(\.description).joined(separator: "; ")]).map(renderer.dim)
        }
        lines.append("")
        return lines
    }
}

#if canImport(Glibc)
import Glibc
#endif
