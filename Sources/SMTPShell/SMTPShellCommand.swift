import ArgumentParser
import Foundation
import SMTPClient

/// `smtpsh`: the root command. Subcommands live in their own files as extensions.
public struct SMTPShellCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "smtpsh",
        abstract: "An interactive SMTP test client: talk to a mail server and see what every reply means.",
        discussion: """
            smtpsh connects to a mail server and lets you type SMTP with line editing and history. \
            Every reply is shown as it arrives, coloured by class and explained. \
            See Docs/guide.md for the full guide.
            """,
        version: SMTPShellVersion.current,
        subcommands: [ConnectCommand.self, DemoCommand.self, ServeCommand.self, ExplainCommand.self],
        defaultSubcommand: ConnectCommand.self
    )

    public init() {}

    /// Runs the command line, turning every failure into one clear line and an exit status.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ShellError {
            Console.err("smtpsh: \(error.description)")
            Foundation.exit(error.status.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

public enum SMTPShellVersion {
    public static let current = "0.1.0"
}
