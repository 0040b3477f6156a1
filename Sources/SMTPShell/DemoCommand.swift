import ArgumentParser
import Foundation
import SMTPClient
import SMTPPracticeServer

/// `smtpsh demo`: the practice server in-process on a free loopback port, and a session to it.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the practice server and open a session to it: nothing else needed.",
        discussion: """
            The practice server runs inside smtpsh on a free port of 127.0.0.1 for as long as the \
            session lasts. Type SMTP as a mail client would; :help lists smtpsh's own commands.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: ArgumentHelp("A practice-server scenario for the session (see smtpsh serve --list-scenarios).", valueName: "name|file"))
    var scenario: [String] = []

    @Option(name: .customLong("on"), help: ArgumentHelp("A practice-server rule, as for smtpsh serve --on.", valueName: "rule"))
    var rules: [String] = []

    public init() {}

    public func run() async throws {
        var options = PracticeServer.Options()
        options.port = 0
        do throws(ScenarioError) {
            for name in scenario { try options.configuration.apply(try ServeCommand.loadScenario(name)) }
            for rule in rules { options.configuration.rules.append(try ScenarioRule(parsing: rule)) }
        } catch {
            throw ValidationError(error.description)
        }
        let server = PracticeServer(options: options)
        let listening: PracticeServer.Listening
        do {
            listening = try await server.start()
        } catch {
            await server.stop()
            throw ShellError("cannot start the practice server: \(error)", status: .unavailable)
        }
        let color = connection.color.enabled(isTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment)
        let runner = SessionRunner(
            address: ServerAddress(host: "127.0.0.1", port: listening.port),
            options: connection,
            welcome: Self.welcome(port: listening.port, color: color, configuration: options.configuration)
        )
        let status = await runner.run()
        await server.stop()
        if status != .success { throw ExitCode(status.rawValue) }
    }

    static func welcome(port: Int, color: Bool, configuration: PracticeServerConfiguration) -> [String] {
        let bold = color ? "\u{1B}[1m" : ""
        let dim = color ? "\u{1B}[2m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        var lines = [
            "",
            "\(bold)smtpsh demo\(reset): a practice SMTP server runs on 127.0.0.1:\(port), just for this session.",
            "Talk to it as a mail client would. Type these one at a time and read each reply:",
            "",
            "    \(bold)EHLO me.example\(reset)                  \(dim)say hello; the server lists what it offers\(reset)",
            "    \(bold)MAIL FROM:<alice@example.org>\(reset)    \(dim)the envelope sender\(reset)",
            "    \(bold)RCPT TO:<bob@example.org>\(reset)        \(dim)a recipient (repeat for more)\(reset)",
            "    \(bold)DATA\(reset)                             \(dim)then the message: Subject: hi, an empty line, text,\(reset)",
            "    \(bold).\(reset)                                \(dim)and a line with a single dot to send it\(reset)",
            "    \(bold)QUIT\(reset)",
            "",
            "\(dim):help explains every verb and smtpsh's own commands. Tab completes. Ctrl-D quits.\(reset)",
            "\(dim)AUTH works with user \(configuration.user), password \(configuration.password); STARTTLS too.\(reset)",
            "",
        ]
        if !configuration.rules.isEmpty {
            lines.insert("\(dim)scenario rules: " + configuration.rules.map(\.description).joined(separator: "; ") + reset, at: lines.count - 1)
        }
        return lines
    }
}

#if canImport(Glibc)
import Glibc
#endif
