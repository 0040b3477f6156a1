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
        connection.compactEHLOUnlessFull()
        let host = parsed.positional(0), port = parsed.positional(1)
        let defaultPort = connection.defaultPort
        if let mx = connection.mx {
            guard host == nil || port == nil else { throw UsageError(Words["usage-mx-port"], command: "connect") }
            address = try Self.address(mx, port: host ?? port, defaultPort: defaultPort, command: "connect")
        } else {
            guard let host else { throw UsageError(Words["usage-no-host"], command: "connect") }
            address = try Self.address(host, port: port, defaultPort: defaultPort, command: "connect")
        }
        try Self.check(address, mx: connection.mx != nil, family: connection.family, proxy: connection.proxy != nil, command: "connect")
    }

    /// `HOST[:PORT] [PORT]` as the user wrote it, or a usage error that says what is wrong.
    static func address(_ text: String, port: String?, defaultPort: Int, command: String) throws(UsageError) -> ServerAddress {
        do throws(AddressError) {
            return try ServerAddress(parsing: text, port: port, defaultPort: defaultPort)
        } catch {
            throw UsageError(error.text, command: command)
        }
    }

    /// What cannot work whatever DNS says: `--mx` given an address, `-6` with an IPv4
    /// address (or `-4` with an IPv6 one). A usage error (64), not "name not found".
    static func check(_ address: ServerAddress, mx: Bool, family: AddressFamilyPreference, proxy: Bool = false, command: String) throws(UsageError) {
        if mx, address.unixPath != nil { throw UsageError(Words["usage-mx-unix", ["address": "\(address)"]], command: command) }
        if proxy, address.unixPath != nil { throw UsageError(Words["usage-proxy-unix", ["address": "\(address)"]], command: command) }
        guard let literal = address.literalFamily else { return }
        if mx { throw UsageError(Words["usage-mx-address", ["address": address.host]], command: command) }
        if family != .any && family != literal {
            let name = literal == .ipv4 ? "usage-ipv6-with-ipv4-address" : "usage-ipv4-with-ipv6-address"
            throw UsageError(Words[name, ["address": address.host]], command: command)
        }
    }

    func run() -> ExitStatus {
        SessionRunner(address: address, options: connection).run()
    }
}
