#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOCore
import SMTPCatalog
import SMTPClient
import SMTPCore

#if canImport(Glibc)
    import Glibc
#endif

/// Options every command that connects to a server shares (`smtpsh HOST`, `smtpsh demo`).
struct ConnectionOptions: Sendable {
    var family: AddressFamilyPreference = .any
    /// Seconds to wait for the connection and for each reply.
    var timeout: Double = 30
    /// The name macros give in EHLO.
    var ehlo: String?
    /// `--mx DOMAIN[:PORT]`.
    var mx: String?
    var dnsServer: String?
    var color: ColorMode = .auto
    /// Languages of the explanations (the first is also smtpsh's own).
    var languages: [Language] = [Words.language]
    /// `--compact`: an EHLO reply explained in one short line per keyword.
    var compactEHLO = false

    /// A session with a server (`smtpsh HOST`, `smtpsh send`) explains an EHLO reply in one
    /// line per keyword, as `--compact` does, unless `--explain full` is given: an
    /// administrator reads the paragraphs once (`:explain`), a learner in `demo` and `learn`
    /// gets them every time.
    mutating func compactEHLOUnlessFull() {
        if explainMode == nil { compactEHLO = true }
    }
    /// `--large`: for a projector: nothing dimmed, bold, and a compact EHLO.
    var large = false
    /// How much is explained under each reply: `--explain full|brief|off` (`--no-explain` is
    /// `off`); `nil` when the command line does not say (the configuration file may, else `full`).
    var explainMode: ExplainMode?
    /// Explanations under each reply, unless the command line turned them off.
    var explain: Bool { explainMode != .off }
    /// `--tls`: TLS from the first byte (port 465 by default).
    var implicitTLS = false
    /// `--starttls`: EHLO, STARTTLS and EHLO again right after the greeting.
    var startTLS = false
    var tls = ClientTLSOptions()
    /// Who `:auth` logs in as, and where its secret comes from without a terminal.
    var credentials = Credentials()
    /// `--show-secrets`: AUTH lines and SASL responses shown as sent (never in the history).
    var showSecrets = false
    /// `--record FILE`: the session written as it goes (Docs/session-format.md).
    var record: String?
    /// `--force`: a recording replaces an existing file.
    var replaceRecording = false
    /// `--json FILE|-`: the session's events as JSON lines (`-`: on stdout, instead of the transcript).
    var json: String?
    /// `--lmtp`: LMTP (RFC 2033): LHLO, one reply per recipient after a message; port 24.
    var lmtp = false
    /// `--quiet`: without a terminal, nothing but errors and one final line (``QuietSummary``).
    var quiet = false
    /// `--proxy URL`: SOCKS5 or HTTP CONNECT (user and password from the URL, else
    /// `SMTPSH_PROXY_USER` and `SMTPSH_PROXY_PASSWORD`).
    var proxy: ProxyConfiguration?
    /// `--proxy-protocol v1|v2` (with `--proxy-source`, `--proxy-destination`): the PROXY
    /// protocol header sent before anything else.
    var proxyProtocol: ProxyProtocolHeader?

    /// The port when none is given: 465 with `--tls`, 24 with `--lmtp` (as swaks and most
    /// LMTP listeners), else 25.
    var defaultPort: Int { implicitTLS ? 465 : lmtp ? 24 : 25 }

    /// The name smtpsh gives in EHLO when it sends one itself: `--ehlo`, else this machine's
    /// name when it is fully qualified, else the address literal of this side of the
    /// connection (`[127.0.0.1]`, `[IPv6:::1]`, RFC 5321, 4.1.3): servers such as Postfix with
    /// `reject_non_fqdn_helo_hostname` refuse a bare `vm` (common in containers).
    func ehloName(localAddress: SocketAddress?) -> String {
        if let ehlo { return ehlo }
        if let name = Self.hostName, AddressLiteral.isFullyQualified(name) { return name }
        if let literal = localAddress.flatMap(AddressLiteral.of) { return literal }
        return Self.hostName ?? "localhost.localdomain"
    }

    /// This machine's name (gethostname), if it has one.
    static var hostName: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }

    static let specs: [OptionSpec] = [
        .flag("4", short: "4", help: "option-ipv4"),
        .flag("6", short: "6", help: "option-ipv6"),
        .value("timeout", "seconds", help: "option-timeout"),
        .value("ehlo", "name", help: "option-ehlo"),
        .value("mx", "domain[:port]", help: "option-mx"),
        .value("dns-server", "address[:port]", help: "option-dns-server"),
        .value("color", "when", help: "option-color"),
        .value("lang", "languages", help: "option-lang"),
        .flag("no-explain", help: "option-no-explain"),
        .flag("compact", help: "option-compact"),
        .flag("large", help: "option-large"),
        .value("explain", "full|brief|off", help: "option-explain"),
        .flag("tls", help: "option-tls"),
        .flag("starttls", help: "option-starttls"),
        .flag("tls-verify", help: "option-tls-verify"),
        .value("sni", "name", help: "option-sni"),
        .value("ca", "file", help: "option-ca"),
        .value("tls-cert", "file", help: "option-tls-cert"),
        .value("tls-key", "file", help: "option-tls-key"),
        .value("user", "name", help: "option-auth-user"),
        .value("password-file", "file", help: "option-password-file"),
        .value("password", "secret", help: "option-auth-password"),
        .flag("auth-insecure", help: "option-auth-insecure"),
        .flag("show-secrets", help: "option-show-secrets"),
        .value("record", "file", help: "option-record"),
        .flag("force", help: "option-force"),
        .value("json", "file|-", help: "option-json"),
        .flag("lmtp", help: "option-lmtp"),
        .flag("quiet", short: "q", help: "option-client-quiet"),
        .value("proxy", "url", help: "option-proxy"),
        .value("proxy-protocol", "v1|v2", help: "option-proxy-protocol"),
        .value("proxy-source", "address[:port]", help: "option-proxy-source"),
        .value("proxy-destination", "address[:port]", help: "option-proxy-destination"),
    ]

    init() {}

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        let ipv4 = parsed.flag("4"), ipv6 = parsed.flag("6")
        if ipv4 && ipv6 { throw UsageError(Words["usage-ipv4-and-ipv6"], command: parsed.spec.name) }
        family = ipv4 ? .ipv4 : ipv6 ? .ipv6 : .any
        timeout = try parsed.seconds("timeout", in: 0...3600, lowerExclusive: true) ?? 30
        ehlo = parsed.value("ehlo")
        mx = parsed.value("mx")
        if let server = parsed.value("dns-server") {
            do throws(AddressError) {
                _ = try DNSResolver.parseServer(server)
            } catch {
                throw UsageError(error.text, command: parsed.spec.name)
            }
            dnsServer = server
        }
        if let mode = try parsed.choice("color", from: ColorMode.allCases.map(\.rawValue)) {
            color = ColorMode(rawValue: mode) ?? .auto
        }
        if let lang = parsed.value("lang") {
            languages = try LanguageOption.parse(lang, command: parsed.spec.name)
        }
        large = parsed.flag("large")
        compactEHLO = parsed.flag("compact") || large
        if let mode = try parsed.choice("explain", from: ExplainMode.allCases.map(\.rawValue)) {
            explainMode = ExplainMode(rawValue: mode.lowercased())
        }
        if parsed.flag("no-explain") { explainMode = .off }
        implicitTLS = parsed.flag("tls")
        startTLS = parsed.flag("starttls")
        if implicitTLS && startTLS { throw UsageError(Words["usage-tls-and-starttls"], command: parsed.spec.name) }
        tls.requireVerification = parsed.flag("tls-verify")
        tls.serverName = parsed.value("sni")
        tls.caFile = parsed.value("ca")
        tls.clientCertificateFile = parsed.value("tls-cert")
        tls.clientKeyFile = parsed.value("tls-key")
        if (tls.clientCertificateFile == nil) != (tls.clientKeyFile == nil) {
            throw UsageError(Words["usage-tls-cert-and-key"], command: parsed.spec.name)
        }
        showSecrets = parsed.flag("show-secrets")
        record = parsed.value("record")
        replaceRecording = parsed.flag("force")
        json = parsed.value("json")
        lmtp = parsed.flag("lmtp")
        quiet = parsed.flag("quiet")
        if let url = parsed.value("proxy") {
            do throws(ProxyURLError) {
                proxy = try ProxyConfiguration(
                    parsing: url, user: Environment.value("SMTPSH_PROXY_USER"), password: Environment.value("SMTPSH_PROXY_PASSWORD"))
            } catch {
                throw UsageError(error.message.text, command: parsed.spec.name)
            }
        }
        proxyProtocol = try Self.proxyProtocol(parsed)
        if let record, record == json { throw UsageError(Words["usage-record-and-json"], command: parsed.spec.name) }
        credentials.user = parsed.value("user")
        credentials.passwordFile = parsed.value("password-file")
        credentials.passwordArgument = parsed.value("password")
        credentials.allowInsecure = parsed.flag("auth-insecure")
        for file in [tls.caFile, tls.clientCertificateFile, tls.clientKeyFile, credentials.passwordFile].compactMap({ $0 })
        where access(file, R_OK) != 0 {
            throw UsageError(Words["usage-cannot-read", ["file": VisibleTextShort.of(file)]], command: parsed.spec.name)
        }
        // Read now, at most 4 MiB each (`--ca /dev/zero` ends, and says so).
        if let problem = ClientTLS.load(&tls, read: { BoundedRead.contents(of: $0, limit: 4 << 20).map(Array.init) }) {
            throw UsageError(problem.message.text, command: parsed.spec.name)
        }
    }
}

extension ConnectionOptions {
    /// `--proxy-protocol`, and the addresses it claims: IP literals, each with its port or
    /// none (the connection's).
    static func proxyProtocol(_ parsed: ParsedCommandLine) throws(UsageError) -> ProxyProtocolHeader? {
        var claims: [ProxyProtocolHeader.Claim?] = []
        for name in ["proxy-source", "proxy-destination"] {
            guard let text = parsed.value(name) else {
                claims.append(nil)
                continue
            }
            guard let claim = ProxyProtocolHeader.Claim(parsing: text) else {
                throw UsageError(Words["usage-proxy-claim-not-ip", ["option": "--" + name, "text": VisibleTextShort.of(text)]], command: parsed.spec.name)
            }
            claims.append(claim)
        }
        guard let version = try parsed.choice("proxy-protocol", from: ProxyProtocolHeader.Version.allCases.map(\.rawValue)) else {
            if claims.contains(where: { $0 != nil }) {
                throw UsageError(Words["usage-proxy-claim-needs-protocol"], command: parsed.spec.name)
            }
            return nil
        }
        let header = ProxyProtocolHeader(version: ProxyProtocolHeader.Version(rawValue: version.lowercased()) ?? .v1, source: claims[0], destination: claims[1])
        if let source = header.source, let destination = header.destination, source.ip.contains(":") != destination.ip.contains(":") {
            throw UsageError(
                Words["proxy-protocol-mixed-families", ["source": source.description, "destination": destination.description]],
                command: parsed.spec.name)
        }
        return header
    }
}

/// `--lang en|fr|ja|en,ja`: sets smtpsh's own language (the first) as soon as it is read.
enum LanguageOption {
    static func parse(_ text: String, command: String?) throws(UsageError) -> [Language] {
        do throws(UnknownLanguage) {
            let languages = try Language.list(parsing: text)
            if let first = languages.first { Words.language = first }
            return languages
        } catch {
            throw UsageError(
                Words["unknown-language", [
                    "input": VisibleTextShort.of(error.input),
                    "languages": Language.allCases.map(\.rawValue).joined(separator: ", "),
                ]], command: command)
        }
    }

    /// The value of `--lang` anywhere on the command line, read before the rest so that
    /// even an error in the other arguments is reported in the language asked for.
    static func prescan(_ arguments: [String]) -> String? {
        var found: String?
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { break }
            if argument == "--lang", index + 1 < arguments.count { found = arguments[index + 1] }
            if argument.hasPrefix("--lang=") { found = String(argument.dropFirst(7)) }
        }
        return found
    }
}
