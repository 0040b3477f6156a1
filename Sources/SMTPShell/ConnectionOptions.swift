import ArgumentParser
import Foundation
import SMTPClient

/// Options every command that connects to a server shares.
struct ConnectionOptions: ParsableArguments {
    @Flag(name: .customShort("4"), help: "Use IPv4 addresses only.")
    var ipv4 = false

    @Flag(name: .customShort("6"), help: "Use IPv6 addresses only.")
    var ipv6 = false

    @Option(help: ArgumentHelp("Seconds to wait for the connection and for each reply.", valueName: "seconds"))
    var timeout: Double = 30

    @Option(help: ArgumentHelp("The name macros give in EHLO (default: this machine's name).", valueName: "name"))
    var ehlo: String?

    @Option(help: ArgumentHelp("Connect to the best MX of this domain (lowest preference first, the next when one fails).", valueName: "domain[:port]"))
    var mx: String?

    @Option(name: .customLong("dns-server"), help: ArgumentHelp("Ask this DNS server (for --mx and host names) instead of the system's.", valueName: "address[:port]"))
    var dnsServer: String?

    @Option(help: ArgumentHelp("Colour: auto (when the output is a terminal, unless NO_COLOR is set), always, never.", valueName: "when"))
    var color: ColorMode = .auto

    func validate() throws {
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 cannot be used together") }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be above 0 and at most 3600 seconds") }
        if let dnsServer {
            do throws(AddressError) {
                _ = try DNSResolver.parseServer(dnsServer)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    var family: AddressFamilyPreference { ipv4 ? .ipv4 : ipv6 ? .ipv6 : .any }
}

extension ColorMode: ExpressibleByArgument {}
