import SMTPCatalog
import SMTPClient

/// `smtpsh HOST [PORT]` (the default command): an interactive session with a server.
struct ConnectCommand {
    static let spec = CommandSpec(
        name: "connect",
        usage: "smtpsh [connect] [options] <host> [<port>]",
        abstract: "help-connect-abstract",
        discussion: ["help-connect-terminal", "help-connect-piped"],
        examples: [
            "smtpsh mail.example.org",
            "smtpsh mail.example.org 587 --lang fr",
            "smtpsh --mx example.org --dns-server 127.0.0.1:5353",
            "printf 'EHLO me.example\\nQUIT\\n' | smtpsh 127.0.0.1 2525",
        ],
        arguments: [
            ArgumentSpec(name: "host", help: "argument-host"),
            ArgumentSpec(name: "port", help: "argument-port"),
        ],
        options: ConnectionOptions.specs
    )

    var address: ServerAddress
    var connection: ConnectionOptions

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        connection = try ConnectionOptions(parsed)
        let host = parsed.positional(0), port = parsed.positional(1)
        do throws(AddressError) {
            if let mx = connection.mx {
                guard host == nil || port == nil else { throw AddressError(Words["usage-mx-port"]) }
                address = try ServerAddress(parsing: mx, port: host ?? port, defaultPort: connection.implicitTLS ? 465 : 25)
            } else {
                guard let host else { throw AddressError(Words["usage-no-host"]) }
                address = try ServerAddress(parsing: host, port: port, defaultPort: connection.implicitTLS ? 465 : 25)
            }
            try Self.check(address, mx: connection.mx != nil, family: connection.family)
        } catch {
            throw UsageError(error.description, command: "connect")
        }
    }

    /// What cannot work whatever DNS says: `--mx` given an address, `-6` with an IPv4
    /// address (or `-4` with an IPv6 one). A usage error (64), not "name not found".
    static func check(_ address: ServerAddress, mx: Bool, family: AddressFamilyPreference) throws(AddressError) {
        guard let literal = address.literalFamily else { return }
        if mx { throw AddressError(Words["usage-mx-address", ["address": address.host]]) }
        if family != .any && family != literal {
            throw AddressError(Words[literal == .ipv4 ? "usage-ipv6-with-ipv4-address" : "usage-ipv4-with-ipv6-address", ["address": address.host]])
        }
    }

    func run() -> ExitStatus {
        SessionRunner(address: address, options: connection).run()
    }
}
