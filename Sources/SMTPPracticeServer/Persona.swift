import SMTPCatalog
import SMTPCore

/// How a vendor persona words its replies (`smtpsh serve --persona postfix|exim|microsoft|
/// google|yahoo`): each reply is a `match:` line of that vendor's catalogue entry
/// (`Sources/SMTPCatalog/Data/vendor-VENDOR.catalog`), its placeholders filled in. The texts
/// are not written here a second time: this table only says which entry (and which of its
/// `match:` lines) answers each ``ReplyKind``, and what goes in the placeholders the server
/// cannot fill itself (`{text}`, `{arg}`, `{tag}`).
///
/// ```
/// --persona postfix   RCPT to a domain it does not take:   554 5.7.1 <bob@elsewhere.example>: Relay access denied
///                     (vendor.postfix.relay-denied: 554 5.7.1 <{addr}>: Relay access denied)
/// --persona google    the greeting:   220 practice.localhost ESMTP 7f3a9c2e - gsmtp
///                     (vendor.google.greeting: 220 {host} ESMTP {text} gsmtp)
/// ```
///
/// A reply the vendor's catalogue has no line for keeps the standard wording (smtpsh's own,
/// which no vendor entry takes for its own). A client's trigger (`rcpt550_5.1.1`) takes the
/// vendor's line with that code and enhanced code, preferring one about what the stage is
/// about (a recipient at RCPT), so that `--triggers` reaches every reply the vendor documents.
struct Persona: Sendable {
    /// Which `match:` line answers a reply, and what fills the placeholders the server does not
    /// know. Catalogue placeholders become the server's: `{addr}` the command's address
    /// (`{arg}`), `{ip}` the client's address, `{n}` a size, `{id}` the message or session id.
    struct Line: Sendable {
        var key: String
        var line = 0
        /// Values for `{text}` (each occurrence in turn; the last one repeats), `{arg}`, `{n}`, and
        /// `{addr}` (each in turn: `["{sender}", "{arg}"]` for a line that names both).
        var text: [String]? = nil
        var arg: String? = nil
        var n: String? = nil
        var addr: [String]? = nil

        init(_ slug: String, line: Int = 0, text: [String]? = nil, arg: String? = nil, n: String? = nil, addr: [String]? = nil) {
            key = slug
            self.line = line
            self.text = text
            self.arg = arg
            self.n = n
            self.addr = addr
        }
    }

    /// The vendor id: `vendor.VENDOR.*` entries, `server.VENDOR`.
    var vendor: String
    /// Where its entries are: `vendor.VENDOR.`, or `appliance.` for the appliance.
    var prefix: String { vendor == "appliance" ? "appliance." : "vendor.\(vendor)." }
    /// What a `{text}` stands for when a line does not say (Gmail's trace id and dash).
    var text: String
    /// What a `{tag}` stands for (Yahoo's `[TSS04]`).
    var tag: String
    var lines: [ReplyKind: Line]
    /// Lines a client's trigger prefers, by stage, before any other line of the vendor.
    var triggerLines: [ClientTriggers.Stage: [Line]]

    // MARK: - The table

    static let postfix = Persona(
        vendor: "postfix", text: "", tag: "",
        lines: [
            .greeting: Line("greeting"), .ehloFirstLine: Line("helo-ok"), .helo: Line("helo-ok"),
            .mailOK: Line("sender-ok"), .rcptOK: Line("recipient-ok"), .dataGoAhead: Line("data-go-ahead"),
            .messageAccepted: Line("queued"), .bdatChunk: Line("bdat-chunk"), .rset: Line("ok"), .noop: Line("ok"),
            .quit: Line("bye"), .vrfy: Line("vrfy-address"), .startTLSReady: Line("starttls-ready"),
            .tlsNotAvailable: Line("tls-unavailable"), .tlsAlreadyActive: Line("tls-already-active"),
            .authSucceeded: Line("auth-ok"), .authFailed: Line("auth-failed", text: ["authentication failure"]),
            .authCancelled: Line("auth-aborted"), .authSyntax: Line("auth-syntax"),
            .authNotAvailable: Line("auth-not-enabled"), .alreadyAuthenticated: Line("already-authenticated"),
            .encryptionRequired: Line("auth-encryption-required", line: 1),
            .unknownCommand: Line("command-not-recognized"), .notImplemented: Line("not-implemented"),
            .lineTooLong: Line("command-too-long"), .syntaxError: Line("bad-syntax"),
            .ehloNeedsDomain: Line("helo-syntax", line: 1), .heloFirst: Line("helo-first"),
            .mailFirst: Line("need-mail"), .rcptFirst: Line("need-rcpt"), .nestedMail: Line("nested-mail"),
            .unknownParameter: Line("unsupported-option"), .addressNeedsSMTPUTF8: Line("smtputf8-needed"),
            .startTLSRequired: Line("starttls-required"), .authRequired: Line("sender-not-logged-in"),
            .messageTooBig: Line("size-data"), .declaredSizeTooBig: Line("size-declared"),
            .tooManyRecipients: Line("too-many-recipients"), .relayDenied: Line("relay-denied"),
            .bareLineFeed: Line("bare-lf"), .bareLineFeedInData: Line("bare-lf"), .earlyTalker: Line("synchronization"),
            .idleTimeout: Line("timeout"), .tooManyBadCommands: Line("too-many-errors"),
            // postgrey's default text names a page on its site for the recipient's domain.
            .greylisted: Line("greylisted", arg: "http://postgrey.schweikert.ch/help/{host}.html"),
            .tooManyConnections: Line("too-many-connections"), .tooManyMessages: Line("rate-messages"),
            .recipientRateExceeded: Line("rate-recipients"),
        ],
        triggerLines: [
            .rcpt: [Line("unknown-local"), Line("unknown-local", line: 1), Line("relay-denied")],
            .mail: [Line("sender-access-denied"), Line("sender-domain-not-found")],
            .dot: [Line("content-rejected"), Line("queue-write-error")],
        ])

    static let exim = Persona(
        vendor: "exim", text: "", tag: "",
        lines: [
            .greeting: Line("greeting", text: ["{date}"], arg: "4.96"), .ehloFirstLine: Line("hello"), .helo: Line("hello"),
            .mailOK: Line("ok"), .rcptOK: Line("accepted"), .dataGoAhead: Line("data-go-ahead"),
            .messageAccepted: Line("queued"), .bdatChunk: Line("chunk"), .rset: Line("reset"), .noop: Line("ok"),
            .quit: Line("closing"), .startTLSReady: Line("tls-go-ahead"), .tlsNotAvailable: Line("tls-unavailable"),
            .authSucceeded: Line("auth-ok"), .authFailed: Line("auth-failed"), .authCancelled: Line("auth-cancelled"),
            .authBadBase64: Line("auth-cancelled", line: 1), .alreadyAuthenticated: Line("auth-sequence"),
            .authDuringMail: Line("auth-sequence", line: 1), .unknownCommand: Line("unrecognized-command"),
            .tooManyBadCommands: Line("too-many-unrecognized"), .ehloNeedsDomain: Line("helo-invalid"),
            .heloFirst: Line("helo-required"), .mailFirst: Line("sender-sequence"), .rcptFirst: Line("rcpt-must-precede", line: 1),
            .nestedMail: Line("sender-already-given"), .messageTooBig: Line("size"), .declaredSizeTooBig: Line("size"),
            .tooManyRecipients: Line("too-many-recipients"), .relayDenied: Line("relay-not-permitted"),
            .earlyTalker: Line("synchronization-error"), .idleTimeout: Line("command-timeout"),
            .greylisted: Line("greylisted", addr: ["{sender}", "{arg}"]), .tooManyConnections: Line("too-many-connections"),
            .tooManyMessages: Line("too-many-messages"), .recipientRateExceeded: Line("rate-limited", line: 1, arg: "{id}"),
        ],
        triggerLines: [
            .rcpt: [Line("unknown-user"), Line("unrouteable", line: 1), Line("relay-not-permitted")],
            .mail: [Line("sender-verify-failed"), Line("sender-verify-defer")],
            .dot: [Line("administrative-prohibition"), Line("temporary-local-problem")],
        ])

    static let microsoft = Persona(
        vendor: "microsoft", text: "", tag: "",
        lines: [
            .greeting: Line("greeting", text: ["{date}"]), .ehloFirstLine: Line("hello"), .helo: Line("hello"),
            .mailOK: Line("sender-ok"), .rcptOK: Line("sender-ok", line: 1),
            .messageAccepted: Line("queued", text: ["<{id}@{host}>", "[Hostname={host}]"]),
            .authFailed: Line("auth-unsuccessful", text: ["[{host}]"]), .authRequired: Line("not-authenticated", text: ["[{host}]"]),
            .messageTooBig: Line("size"), .declaredSizeTooBig: Line("size"),
            .relayDenied: Line("tenant-relay-denied", text: ["[{host}]"]),
            // Exchange Online defers a sender it does not know yet with its "server busy" line.
            .greylisted: Line("rate-limited", text: ["(AS843)"]),
            .tooManyConnections: Line("service-not-available"), .tooManyMessages: Line("service-not-available"),
            .recipientRateExceeded: Line("rate-limited", text: ["(AS843)"]),
        ],
        triggerLines: [
            .rcpt: [Line("recipient-not-found", line: 2), Line("recipient-not-found"), Line("mailbox-full", line: 1, text: ["[{host}]"])],
            .mail: [Line("send-as-denied", line: 1), Line("spam-abuse", line: 1, text: ["[{host}]"])],
            .dot: [Line("spam-abuse", text: ["[{host}]"]), Line("back-pressure")],
        ])

    static let google = Persona(
        vendor: "google", text: "{id} -", tag: "",
        lines: [
            .greeting: Line("greeting"), .ehloFirstLine: Line("hello"), .helo: Line("hello"),
            .mailOK: Line("ok"), .rcptOK: Line("ok", line: 1), .messageAccepted: Line("ok", line: 2),
            .rset: Line("ok", line: 2), .noop: Line("ok", line: 2), .quit: Line("closing"),
            .authFailed: Line("bad-credentials"), .startTLSRequired: Line("starttls-first"),
            .authRequired: Line("starttls-first", line: 1), .unknownCommand: Line("protocol-violation", line: 2),
            .tooManyBadCommands: Line("protocol-violation", line: 3), .messageTooBig: Line("size"),
            .declaredSizeTooBig: Line("size"), .tooManyRecipients: Line("too-many-recipients"),
            .relayDenied: Line("relay-denied"), .greylisted: Line("temporary-problem", line: 2),
            .tooManyConnections: Line("temporary-problem", line: 3), .tooManyMessages: Line("temporary-problem"),
            .recipientRateExceeded: Line("receiving-too-quickly", text: ["-"]),
        ],
        triggerLines: [
            .rcpt: [Line("no-such-user"), Line("over-quota"), Line("disabled")],
            .mail: [Line("unauthenticated"), Line("unsolicited-rate")],
            .dot: [Line("likely-spam"), Line("security-issue"), Line("temporary-problem", line: 2)],
        ])

    static let yahoo = Persona(
        vendor: "yahoo", text: "", tag: "TSS04",
        lines: [
            // Yahoo's page for senders gives no text for a relay refused or a message too big:
            // those keep the standard wording (its policy refusal would be explained as DMARC's).
            .greeting: Line("greeting"),
            // Its greylisting line (421 4.7.0 [TSS04] … temporarily deferred) ends the connection; the
            // 451 deferral leaves the session open, as greylisting at RCPT does.
            .greylisted: Line("temporarily-deferred-legacy", n: "160"), .tooManyConnections: Line("deferred-volume"),
            .tooManyMessages: Line("max-messages"), .recipientRateExceeded: Line("temporarily-deferred-legacy"),
        ],
        triggerLines: [
            .rcpt: [Line("mailbox-not-found"), Line("mailbox-disabled", line: 2, arg: "yahoo.com")],
            .mail: [Line("permanently-deferred", line: 1), Line("deferred-volume")],
            .dot: [Line("policy", line: 1), Line("not-allowed-policy")],
        ])

    /// The appliance words its replies with ``ReplyStyle``'s own table (the seed documents'
    /// lines); this is for its triggers, which take its catalogue lines as a vendor's do.
    static let appliance = Persona(
        vendor: "appliance", text: "", tag: "", lines: [:],
        triggerLines: [
            .rcpt: [Line("queue-full"), Line("too-many-recipients")],
            .mail: [Line("server-error-temp"), Line("resources-low")],
            .dot: [Line("server-error-perm"), Line("message-size-limit")],
        ])

    static func of(_ style: ReplyStyle) -> Persona? {
        switch style {
        case .standard: nil
        case .appliance: appliance
        case .postfix: postfix
        case .exim: exim
        case .microsoft: microsoft
        case .google: google
        case .yahoo: yahoo
        }
    }

    // MARK: - Deriving the templates

    /// The templates, in the server's placeholders, made from the catalogue once per persona.
    func templates(_ catalog: Catalog = .shared) -> [ReplyKind: String] {
        var made: [ReplyKind: String] = [:]
        for (kind, line) in lines {
            if let template = template(line, catalog) { made[kind] = template }
        }
        return made
    }

    /// A `match:` line with the catalogue's placeholders turned into the server's.
    func template(_ line: Line, _ catalog: Catalog = .shared, subject: String = "{arg}") -> String? {
        guard let entry = catalog[prefix + line.key], entry.matches.indices.contains(line.line) else { return nil }
        let match = entry.matches[line.line]
        return Self.convert(
            match, texts: line.text ?? defaultTexts(match), arg: line.arg ?? subject, tag: tag, n: line.n ?? "{size}",
            addresses: line.addr ?? ["{arg}"])
    }

    /// What fills a line's `{text}`s when the table does not say: the persona's text in the
    /// last one (Gmail's `{text} gsmtp`), nothing in those before it.
    private func defaultTexts(_ match: String) -> [String] {
        let count = match.split(separator: "{text}", omittingEmptySubsequences: false).count - 1
        return count > 1 ? Array(repeating: "", count: count - 1) + [text] : [text]
    }

    /// `554 5.7.1 <{addr}>: Relay access denied` → `554 5.7.1 <{arg}>: Relay access denied`;
    /// a `{text}` filled with nothing leaves no double space.
    static func convert(
        _ match: String, texts: [String], arg: String, tag: String, n: String = "{size}", addresses: [String] = ["{arg}"]
    ) -> String {
        var result = ""
        var rest = Substring(match)
        var textIndex = 0
        var addressIndex = 0
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = rest[rest.index(after: open)..<close]
            switch name {
            case "addr":
                result += addresses[min(addressIndex, addresses.count - 1)]
                addressIndex += 1
            case "arg": result += arg
            case "ip": result += "{client}"
            case "n": result += n
            case "domain": result += "{host}"
            case "tag": result += tag
            case "text":
                result += texts.isEmpty ? "" : texts[min(textIndex, texts.count - 1)]
                textIndex += 1
            default: result += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        // Runs of spaces left by an empty `{text}` become one; none at the end.
        var cleaned = ""
        for character in result where !(character == " " && cleaned.last == " ") { cleaned.append(character) }
        while cleaned.last == " " { cleaned.removeLast() }
        return cleaned
    }

    // MARK: - Triggers

    /// The categories of entry that suit a stage, most fitting first.
    private static let stageCategories: [ClientTriggers.Stage: [String]] = [
        .ehlo: ["client-dns", "reputation", "protocol", "policy"],
        .mail: ["sender", "sender-authentication", "authentication", "reputation", "rate-limit", "policy"],
        .rcpt: ["recipient", "mailbox-full", "relay", "greylisting", "rate-limit", "too-many-recipients", "policy"],
        .data: ["policy", "server", "rate-limit", "recipient", "spam"],
        .dot: ["spam", "policy", "size", "sender-authentication", "server"],
        .quit: ["server", "rate-limit", "protocol"],
    ]

    /// The vendor's line for a client's trigger: `code` with `enhanced` (when given) at the
    /// stage, from the persona's own choice for the stage first, then any entry of the vendor
    /// (the most fitting category for the stage first). `nil` when the vendor has no such line.
    func triggerTemplate(code: Int, enhanced: String?, stage: ClientTriggers.Stage, subject: String, catalog: Catalog = .shared) -> String? {
        func fits(_ template: String) -> Bool {
            let words = template.split(separator: " ", maxSplits: 2)
            guard words.first == Substring(String(code)) else { return false }
            guard let enhanced else { return true }
            // The appliance writes its enhanced codes after a `#` (`452 #4.3.1 queue full`).
            return words.count > 1 && (words[1] == Substring(enhanced) || words[1] == Substring("#" + enhanced))
        }
        for line in triggerLines[stage] ?? [] {
            if let template = template(line, catalog, subject: subject), fits(template) { return template }
        }
        let categories = Self.stageCategories[stage] ?? []
        var best: (rank: Int, template: String)?
        for key in catalog.keys where key.rawValue.hasPrefix(prefix) {
            guard let entry = catalog[key] else { continue }
            let rank = categories.firstIndex(of: entry.property("category") ?? "") ?? categories.count
            if let best, best.rank <= rank { continue }
            for match in entry.matches {
                let template = Self.convert(match, texts: defaultTexts(match), arg: subject, tag: tag)
                if fits(template) {
                    best = (rank, template)
                    break
                }
            }
        }
        return best?.template
    }
}

extension ReplyStyle {
    /// The vendor id of a persona (`postfix`), the appliance's (`appliance`), or `nil` for the
    /// standard style (smtpsh's own server).
    public var vendor: String? { Persona.of(self)?.vendor }
}
