import ArgumentParser
import SMTPClient

/// `smtpsh HOST [PORT]` (the default command): an interactive session with a server.
public struct ConnectCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Talk SMTP to a server (the default: smtpsh HOST [PORT]).",
        discussion: """
            At a terminal: a prompt with line editing and history; every reply is shown as it \
            arrives, coloured by class, with its latency. Lines are sent as typed, with CRLF; each \
            waits for the reply to the one before. :help lists smtpsh's own commands.

            Without a terminal (printf 'EHLO x\\nQUIT\\n' | smtpsh HOST): reads the lines, waits \
            for the greeting and each reply, sends a message's lines as one block after 354, and \
            exits 0 only if every reply was positive (Docs/exit-status.md).
            """
    )

    @Argument(help: ArgumentHelp("The server: a name or address, HOST:PORT, or [IPv6]:PORT.", valueName: "host"))
    var host: String?

    @Argument(help: ArgumentHelp("The port (25 by default).", valueName: "port"))
    var port: String?

    @OptionGroup var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        if host == nil && connection.mx == nil { throw CleanExit.helpRequest(SMTPShellCommand.self) }
        let address: ServerAddress
        do throws(AddressError) {
            if let mx = connection.mx {
                guard host == nil || port == nil else { throw AddressError("with --mx, give at most a PORT argument") }
                address = try ServerAddress(parsing: mx, port: host ?? port, defaultPort: 25)
            } else {
                address = try ServerAddress(parsing: host ?? "", port: port, defaultPort: 25)
            }
        } catch {
            throw ValidationError(error.description)
        }
        let status = await SessionRunner(address: address, options: connection).run()
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
