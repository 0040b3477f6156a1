#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import CBuildVersion
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore

/// `smtpsh`: reads the command line and runs the command, turning every failure into one
/// clear line and a documented exit status (Docs/exit-status.md).
///
/// ```
/// smtpsh HOST [PORT]      → connect (the default command)
/// smtpsh demo | serve | explain …
/// smtpsh --help, smtpsh help COMMAND, smtpsh COMMAND --help, smtpsh --version
/// ```
public enum SMTPShellCommand {
    static let spec = CommandSpec(
        name: "smtpsh",
        usage: "smtpsh [<command>] [options] [<arguments>]",
        abstract: "help-smtpsh-abstract",
        discussion: ["help-smtpsh-discussion"],
        examples: [
            "smtpsh demo",
            "smtpsh mail.example.org 25",
            "smtpsh explain '452 #4.3.1 queue full'",
            "smtpsh serve --scenario queue-full",
        ],
        options: ConnectionOptions.specs
    )

    static let commands = [ConnectCommand.spec, DemoCommand.spec, SendCommand.spec, ReplayCommand.spec, LearnCommand.spec, ServeCommand.spec, ExplainCommand.spec, ExportCommand.spec]

    /// Runs the command line (without the program name) and returns the exit status.
    /// Runs on the calling thread (the main thread), synchronously: see ``Blocking``.
    public static func run(_ arguments: [String]) -> Int32 {
        Words.language = Language.preferred(environment: Environment.locale)
        if let lang = LanguageOption.prescan(arguments) { _ = try? LanguageOption.parse(lang, command: nil) }
        do {
            return try dispatch(arguments).rawValue
        } catch let error as UsageError {
            Console.err("smtpsh: " + error.message)
            let spec = commands.first { $0.name == error.command } ?? spec
            for line in HelpText.usageReminder(spec) { Console.err(line) }
            return ExitStatus.usage.rawValue
        } catch let error as ShellError {
            Console.err("smtpsh: " + error.description)
            return error.status.rawValue
        } catch {
            Console.err("smtpsh: \(error)")
            return ExitStatus.software.rawValue
        }
    }

    static func dispatch(_ arguments: [String]) throws -> ExitStatus {
        guard let first = arguments.first else {
            Console.out(HelpText.render(spec, columns: Environment.columns, subcommands: commands))
            return .success
        }
        switch first {
        case "--version":
            Console.out(SMTPShellVersion.current)
            return .success
        case "--help", "-h":
            Console.out(HelpText.render(spec, columns: Environment.columns, subcommands: commands))
            return .success
        case "manual":
            // The man page, generated from the command definitions (Scripts/install puts it in place).
            // Dated SOURCE_DATE_EPOCH when the build sets it (Scripts/package: the commit's date),
            // so that the same source gives the same page.
            let seconds = Environment.value("SOURCE_DATE_EPOCH").flatMap { Int64($0) } ?? Int64(Date().timeIntervalSince1970)
            Console.write(ManualPage.render(commands: commands, date: UTCTime(secondsSince1970: seconds).isoDate), to: STDOUT_FILENO)
            return .success
        case "completions":
            let shell = arguments.dropFirst().first ?? ""
            switch shell {
            case "bash": Console.write(CompletionScripts.bash(commands: commands), to: STDOUT_FILENO)
            case "zsh": Console.write(CompletionScripts.zsh(commands: commands), to: STDOUT_FILENO)
            case "fish": Console.write(CompletionScripts.fish(commands: commands), to: STDOUT_FILENO)
            default:
                throw UsageError(Words["usage-choice", ["option": "completions", "value": VisibleTextShort.of(shell), "choices": "bash, zsh, fish"]])
            }
            return .success
        case "help":
            if let name = arguments.dropFirst().first {
                guard let command = commands.first(where: { $0.name == name }) else {
                    throw UsageError(Words["usage-unknown-command", ["command": VisibleTextShort.of(name)]])
                }
                Console.out(HelpText.render(command, columns: Environment.columns))
            } else {
                Console.out(HelpText.render(spec, columns: Environment.columns, subcommands: commands))
            }
            return .success
        default:
            break
        }
        let name = commands.contains { $0.name == first } ? first : "connect"
        let rest = name == first ? Array(arguments.dropFirst()) : arguments
        let command = commands.first { $0.name == name }!
        let parsed = try ParsedCommandLine(rest, spec: command)
        if parsed.wantsHelp {
            Console.out(HelpText.render(command, columns: Environment.columns))
            return .success
        }
        switch name {
        case "demo":
            return try DemoCommand(parsed).run()
        case "serve":
            let command = try ServeCommand(parsed)
            return try Blocking.wait { () async throws(ShellError) -> ExitStatus in try await command.run() }
        case "explain":
            return try ExplainCommand(parsed).run()
        case "send":
            return try SendCommand(parsed).run()
        case "replay":
            return try ReplayCommand(parsed).run()
        case "learn":
            return try LearnCommand(parsed).run()
        case "export":
            return try ExportCommand(parsed, arguments: rest).run()
        default:
            if parsed.positionals.isEmpty && parsed.value("mx") == nil {
                // `smtpsh` with options only: what to type.
                throw UsageError(Words["usage-no-host"], command: "connect")
            }
            return try ConnectCommand(parsed).run()
        }
    }
}

/// The version `smtpsh --version` prints: the one the build was given (Package.swift,
/// Docs/packaging.md).
public enum SMTPShellVersion {
    public static let current = String(cString: smtpsh_build_version())
}
