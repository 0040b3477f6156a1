#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// What the standard session's macros use when a call does not say: from the command line
/// (`--ehlo`, `--starttls`), then the configuration file, then smtpsh's own defaults.
///
/// The configuration file is `$SMTPSH_CONFIG`, else `$XDG_CONFIG_HOME/smtpsh/config`
/// (`~/.config/smtpsh/config`): `name = value` lines, `#` comments (Docs/guide.md).
struct MacroDefaults: Sendable {
    var ehlo: String
    var from: String
    var to: [String] {
        didSet { recipientIsDefault = false }
    }
    /// `to` was given by no one: `:send` then writes to the postmaster of the server it
    /// talks to, named as in its greeting (``defaultRecipient(greeting:)``).
    var recipientIsDefault = true
    /// Where smtpsh connected (for a default recipient when the greeting names no domain).
    var server: String = ""
    var serverLiteral: String?
    var subject = "smtpsh test"
    /// A file whose lines are the message's body.
    var body: String?
    var startTLS = false
    var auth: SASLMechanism?
    var pipelining = false
    var chunking = false
    var quit = false
    /// `explain = full|brief|off` (configuration file only): how much a session explains,
    /// unless the command line says (`--explain`, `--no-explain`).
    var explain: ExplainMode?
    /// Where user macros are (`NAME.smtp` files).
    var macroDirectories: [String] = []
    /// Problems found in the configuration file (said once, at the start).
    var problems: [CatalogMessage] = []

    /// Where a setting is given: the configuration file and `:set` know every key; a call
    /// (`:send to=…`) knows the message's and the session's, and `count`.
    enum Context {
        case configuration
        case call
    }

    static func keys(_ context: Context) -> [String] {
        let shared = ["ehlo", "from", "to", "subject", "body", "starttls", "auth", "pipeline", "bdat", "quit"]
        return context == .configuration ? shared + ["macros", "explain"] : shared + ["count"]
    }

    /// The configuration file's path, if there is one to read.
    static func configPath() -> String? {
        if let explicit = Environment.value("SMTPSH_CONFIG") { return explicit.isEmpty ? nil : explicit }
        return configDirectory().map { $0 + "/config" }
    }

    static func configDirectory() -> String? {
        if let base = Environment.value("XDG_CONFIG_HOME"), base.hasPrefix("/") { return base + "/smtpsh" }
        if let home = Environment.value("HOME") { return home + "/.config/smtpsh" }
        return nil
    }

    /// smtpsh's defaults, passing a server with the usual restrictions (Postfix's
    /// `reject_non_fqdn_helo_hostname`, `reject_non_fqdn_sender`, `reject_non_fqdn_recipient`):
    /// EHLO with the session's name (fully qualified, else `[address]`), the sender
    /// `smtpsh@` that name, the recipient the server's postmaster; then the configuration
    /// file, then the command line.
    static func load(options: ConnectionOptions, session: ClientSession? = nil, server: String = "") -> MacroDefaults {
        let name = session?.ehloName ?? options.ehloName(localAddress: nil)
        let domain = AddressLiteral.isFullyQualified(name) ? name : "localhost.localdomain"
        var defaults = MacroDefaults(ehlo: name, from: "smtpsh@\(domain)", to: [])
        defaults.server = server
        defaults.serverLiteral = session?.remoteAddress.flatMap(AddressLiteral.of)
        if let directory = configDirectory() { defaults.macroDirectories = [directory + "/macros"] }
        if let path = configPath(), let data = BoundedRead.contents(of: path, limit: 1 << 20) {
            defaults.apply(config: Array(data), file: path)
        }
        if let ehlo = options.ehlo { defaults.ehlo = ehlo }
        if options.startTLS { defaults.startTLS = true }
        return defaults
    }

    /// The server's postmaster (RFC 5321, 4.5.1): at the name the server gives in its
    /// greeting (`220 mx.example.org ESMTP` → `postmaster@mx.example.org`, which Postfix takes
    /// as its own), else at the name smtpsh connected to, else at its address literal.
    func defaultRecipient(greeting: Reply?) -> String {
        let named = greeting?.lines.first?.textString.split(separator: " ").first.map(String.init)
        if let named, AddressLiteral.isFullyQualified(named), !named.contains("<") { return "postmaster@" + named }
        if AddressLiteral.isFullyQualified(server) { return "postmaster@" + server }
        return "postmaster@" + (serverLiteral ?? "localhost")
    }

    mutating func apply(config bytes: [UInt8], file: String) {
        for (offset, raw) in TextLines.split(bytes).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(CatalogMessage("config-bad-line", ["file": file, "line": String(offset + 1)]))
                continue
            }
            let key = line[..<equals].trimmingSpaces.lowercased()
            let value = line[line.index(after: equals)...].trimmingSpaces
            if let problem = set(key, value, context: .configuration) {
                problems.append(CatalogMessage("config-bad-value", ["file": file, "line": String(offset + 1), "problem": problem.text]))
            }
        }
    }

    /// Sets one default (`to=a@b,c@d`, `starttls=yes`); returns what is wrong, if anything.
    mutating func set(_ key: String, _ value: String, context: Context) -> CatalogMessage? {
        let key = key.lowercased()
        func yes() -> Bool? {
            switch value.lowercased() {
            case "yes", "true", "on", "1", "": true
            case "no", "false", "off", "0": false
            default: nil
            }
        }
        func invalid() -> CatalogMessage { CatalogMessage("macro-bad-value", ["key": key, "value": VisibleTextShort.of(value)]) }
        func address(_ text: String) -> Bool {
            !text.isEmpty && !text.contains(where: { $0 == "<" || $0 == ">" || $0 == " " || $0 == "\r" || $0 == "\n" })
        }
        switch key {
        case "ehlo", "helo":
            guard !value.isEmpty, !value.contains(" ") else { return invalid() }
            ehlo = value
        case "from":
            guard value.isEmpty || address(value) else { return invalid() }
            from = value
        case "to":
            let list = value.split(separator: ",").map { $0.trimmingSpaces }
            guard !list.isEmpty, list.allSatisfy(address) else { return invalid() }
            to = list
        case "subject":
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else { return invalid() }
            subject = value
        case "body":
            body = value.isEmpty ? nil : Self.expandHome(value)
        case "starttls", "tls":
            guard let flag = yes() else { return invalid() }
            startTLS = flag
        case "pipeline", "pipelining":
            guard let flag = yes() else { return invalid() }
            pipelining = flag
        case "bdat", "chunking":
            guard let flag = yes() else { return invalid() }
            chunking = flag
        case "quit":
            guard let flag = yes() else { return invalid() }
            quit = flag
        case "auth":
            if value.isEmpty || value.lowercased() == "no" {
                auth = nil
            } else if let mechanism = SASLMechanism(name: value) {
                auth = mechanism
            } else {
                return invalid()
            }
        case "explain" where context == .configuration:
            guard let mode = ExplainMode(rawValue: value.lowercased()) else { return invalid() }
            explain = mode
        case "macros" where context == .configuration:
            macroDirectories = value.split(separator: ":").map { Self.expandHome(String($0)) }
        default:
            return CatalogMessage("macro-unknown-key", ["key": VisibleTextShort.of(key), "keys": Self.keys(context).joined(separator: ", ")])
        }
        return nil
    }

    static func expandHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = Environment.value("HOME") else { return path }
        return home + path.dropFirst()
    }
}
