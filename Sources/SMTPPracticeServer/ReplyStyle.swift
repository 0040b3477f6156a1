#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCore

/// Every reply the practice server sends on its own (not forced by a scenario rule).
public enum ReplyKind: String, Hashable, Sendable, CaseIterable {
    case greeting, ehloFirstLine, helo, mailOK, rcptOK, dataGoAhead, messageAccepted, bdatChunk
    case rset, noop, quit, vrfy, help, expnDisabled, notImplemented
    case startTLSReady, tlsNotAvailable, tlsAlreadyActive
    case authSucceeded, authFailed, authCancelled, authBadBase64, authSyntax, authNotAvailable
    case authDuringMail, alreadyAuthenticated, mechanismNotAvailable, encryptionRequired
    case unknownCommand, lineTooLong, syntaxError, parameterSyntax, ehloNeedsDomain
    case heloFirst, mailFirst, rcptFirst, nestedMail, dataAfterBDAT
    case unknownParameter, addressNeedsSMTPUTF8, startTLSRequired, authRequired
    case messageTooBig, declaredSizeTooBig, tooManyRecipients, relayDenied
    case bareLineFeed, bareLineFeedInData, earlyTalker, idleTimeout, tooManyBadCommands
    case greylisted, tooManyConnections, tooManyMessages, recipientRateExceeded
}

/// How the server words its replies: a standard ESMTP server (enhanced status codes, wording
/// close to Postfix, but its own: `smtpsh serve` is recognised by its greeting), the security
/// appliance of the seed documents (`#`-prefixed codes, its own terse texts, `250 sender <…>
/// ok`), or a vendor persona (`--persona postfix|exim|microsoft|google|yahoo`) whose replies
/// are that vendor's catalogue lines (``Persona``).
///
/// Templates use `{host}` (the server's name), `{arg}` (the command's argument, or the
/// client's name), `{id}` (the message id, or the session's trace id), `{size}`, `{client}`
/// (the client's address), `{sender}` (the transaction's sender) and `{date}` (now, as in a
/// mail header).
public enum ReplyStyle: String, Hashable, Sendable, CaseIterable {
    case standard
    case appliance
    case postfix, exim, microsoft, google, yahoo

    public func template(_ kind: ReplyKind) -> String {
        switch self {
        case .standard: Self.standardTemplates[kind]!
        case .appliance: Self.applianceTemplates[kind] ?? Self.standardTemplates[kind]!
        case .postfix: Self.postfixTemplates[kind] ?? Self.standardTemplates[kind]!
        case .exim: Self.eximTemplates[kind] ?? Self.standardTemplates[kind]!
        case .microsoft: Self.microsoftTemplates[kind] ?? Self.standardTemplates[kind]!
        case .google: Self.googleTemplates[kind] ?? Self.standardTemplates[kind]!
        case .yahoo: Self.yahooTemplates[kind] ?? Self.standardTemplates[kind]!
        }
    }

    /// Whether the persona takes its words from the vendor catalogue (not the standard style
    /// nor the appliance's).
    public var isVendorPersona: Bool { self != .standard && self != .appliance }

    // Each persona's templates, made from the catalogue the first time the persona speaks.
    private static let postfixTemplates = Persona.postfix.templates()
    private static let eximTemplates = Persona.exim.templates()
    private static let microsoftTemplates = Persona.microsoft.templates()
    private static let googleTemplates = Persona.google.templates()
    private static let yahooTemplates = Persona.yahoo.templates()

    public func reply(
        _ kind: ReplyKind, host: String, arg: String = "", id: String = "", size: String = "", client: String = "",
        sender: String = ""
    ) -> Reply {
        Self.render(template(kind), host: host, arg: arg, id: id, size: size, client: client, sender: sender)
    }

    /// Renders `CODE text` (lines separated by `\n`, each taking the code) into a reply.
    /// `arg` comes from the client: it is made safe before it is echoed (see ``safeEcho(_:)``).
    static func render(
        _ template: String, host: String, arg: String = "", id: String = "", size: String = "", client: String = "",
        sender: String = ""
    ) -> Reply {
        // A hand-written substitution: this runs for every reply the server sends.
        var text = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let tail = rest[open...]
            if tail.hasPrefix("{host}") {
                text += host
                rest = tail.dropFirst(6)
            } else if tail.hasPrefix("{arg}") {
                text += safeEcho(arg)
                rest = tail.dropFirst(5)
            } else if tail.hasPrefix("{id}") {
                text += id
                rest = tail.dropFirst(4)
            } else if tail.hasPrefix("{size}") {
                text += size
                rest = tail.dropFirst(6)
            } else if tail.hasPrefix("{client}") {
                text += client
                rest = tail.dropFirst(8)
            } else if tail.hasPrefix("{sender}") {
                text += safeEcho(sender)
                rest = tail.dropFirst(8)
            } else if tail.hasPrefix("{date}") {
                text += UTCTime(secondsSince1970: Int64(Date().timeIntervalSince1970.rounded(.down))).rfc5322
                rest = tail.dropFirst(6)
            } else {
                text += "{"
                rest = tail.dropFirst()
            }
        }
        text += rest
        let code = ReplyCode(digits: text.utf8.prefix(3)) ?? .localError
        let body = text.utf8.count > 4 ? text.dropFirst(4) : ""
        return Reply(code: code, lines: body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// What the client sent, fit to go back in a reply: control characters (C0, DEL, C1),
    /// invisible and bidirectional format characters and U+FFFD (invalid UTF-8) become `?`,
    /// so a reply never carries a bare CR, an escape sequence or garbage back to the client.
    static func safeEcho(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0xFFFD || VisibleText.isInvisibleOrControl(scalar) {
                result.append("?")
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static let standardTemplates: [ReplyKind: String] = [
        .greeting: "220 {host} ESMTP smtpsh practice server",
        .ehloFirstLine: "250 {host} greets {arg}",
        .helo: "250 {host}",
        .mailOK: "250 2.1.0 Sender <{arg}> OK",
        .rcptOK: "250 2.1.5 Recipient <{arg}> OK",
        .dataGoAhead: "354 End data with <CR><LF>.<CR><LF>",
        .messageAccepted: "250 2.0.0 OK: message {id} accepted",
        .bdatChunk: "250 2.0.0 {size} octets received",
        .rset: "250 2.0.0 OK",
        .noop: "250 2.0.0 OK",
        .quit: "221 2.0.0 {host} closing connection",
        .vrfy: "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery",
        .help: "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
        .expnDisabled: "502 5.5.1 EXPN not available",
        .notImplemented: "502 5.5.1 {arg} not implemented",
        .startTLSReady: "220 2.0.0 Ready to start TLS",
        .tlsNotAvailable: "454 4.7.0 TLS not available",
        .tlsAlreadyActive: "503 5.5.1 TLS already active",
        .authSucceeded: "235 2.7.0 Authentication successful",
        .authFailed: "535 5.7.8 Authentication credentials invalid",
        .authCancelled: "501 5.7.0 Authentication cancelled",
        .authBadBase64: "501 5.5.2 Cannot decode the response (not base64)",
        .authSyntax: "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
        .authNotAvailable: "503 5.5.1 AUTH not available",
        .authDuringMail: "503 5.5.1 AUTH not permitted during a mail transaction",
        .alreadyAuthenticated: "503 5.5.1 Already authenticated",
        .mechanismNotAvailable: "504 5.5.4 Unrecognized authentication mechanism {arg}",
        .encryptionRequired: "538 5.7.11 Encryption required for requested authentication mechanism",
        .unknownCommand: "500 5.5.2 Command not recognized: {arg}",
        .lineTooLong: "500 5.5.2 Line too long",
        .syntaxError: "501 5.5.2 Syntax error in {arg}",
        .parameterSyntax: "501 5.5.4 Invalid parameter {arg}",
        .ehloNeedsDomain: "501 5.5.4 {arg} requires a domain name",
        .heloFirst: "503 5.5.1 Bad sequence of commands: send EHLO or HELO first",
        .mailFirst: "503 5.5.1 Bad sequence of commands: need MAIL before {arg}",
        .rcptFirst: "503 5.5.1 Bad sequence of commands: need RCPT before {arg}",
        .nestedMail: "503 5.5.1 Bad sequence of commands: sender already given (RSET first)",
        .dataAfterBDAT: "503 5.5.1 Bad sequence of commands: DATA after BDAT",
        .unknownParameter: "555 5.5.4 Unsupported parameter {arg}",
        .addressNeedsSMTPUTF8: "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter",
        .startTLSRequired: "530 5.7.0 Must issue a STARTTLS command first",
        .authRequired: "530 5.7.0 Authentication required",
        .messageTooBig: "552 5.3.4 Message size exceeds fixed limit of {size} octets",
        .declaredSizeTooBig: "552 5.3.4 Message size exceeds fixed limit of {size} octets",
        .tooManyRecipients: "452 4.5.3 Too many recipients",
        .relayDenied: "550 5.7.1 <{arg}>: Relay access denied",
        .bareLineFeed: "521 5.5.2 {host} Error: bare <LF> received",
        .bareLineFeedInData: "521 5.5.2 {host} Error: bare <LF> received",
        .earlyTalker: "554 5.5.0 {host} SMTP synchronization error: input before the greeting",
        .idleTimeout: "421 4.4.2 {host} Error: timeout exceeded",
        .tooManyBadCommands: "421 4.7.0 {host} Error: too many errors",
        // Postfix with postgrey, and Postfix's anvil limits (smtpd.c), word for word.
        .greylisted: "450 4.2.0 <{arg}>: Recipient address rejected: Greylisted, see RFC 6647",
        .tooManyConnections: "421 4.7.0 {host} Error: too many connections from {arg}",
        .tooManyMessages: "421 4.7.0 {host} Error: too many messages in one session",
        .recipientRateExceeded: "450 4.7.1 Error: too many recipients from {arg}",
    ]

    /// The appliance's own lines (seed documents). Kinds it does not document fall back to
    /// the standard wording.
    static let applianceTemplates: [ReplyKind: String] = [
        .greeting: "220 {host} ESMTP",
        .ehloFirstLine: "250 {host}",
        .helo: "250 {host}",
        .mailOK: "250 sender <{arg}> ok",
        .rcptOK: "250 recipient <{arg}> ok",
        .dataGoAhead: "354 go ahead",
        .messageAccepted: "250 ok: Message {id} accepted",
        .quit: "221 {host}",
        .rset: "250 reset",
        .noop: "250 ok",
        .tlsNotAvailable: "454 TLS not available due to a temporary reason",
        .authSyntax: "501 #5.5.4 Invalid arguments to AUTH command",
        .authNotAvailable: "503 #5.3.3 AUTH not available",
        .authDuringMail: "503 #5.5.0 AUTH not permitted during a mail transaction",
        .alreadyAuthenticated: "503 #5.5.0 Already authenticated",
        .mechanismNotAvailable: "504 #5.5.1 AUTH mechanism {arg} is not available",
        .encryptionRequired: "538 #5.7.11 Encryption required",
        .unknownCommand: "500 #5.5.1 command not recognized",
        .lineTooLong: "500 Line too long",
        .syntaxError: "501 #5.5.2 syntax error",
        .parameterSyntax: "501 #5.5.2 syntax error",
        .ehloNeedsDomain: "501 #5.0.0 EHLO requires domain address",
        .mailFirst: "503 #5.5.1 MAIL first",
        .rcptFirst: "503 #5.5.1 RCPT first",
        .unknownParameter: "504 Command parameter {arg} unrecognized",
        .startTLSRequired: "530 #5.7.0 Must issue a STARTTLS command first",
        .authRequired: "530 Authentication required",
        .messageTooBig: "552 #5.3.4 message size exceeds limit",
        .declaredSizeTooBig: "552 size limit exceeded",
        .tooManyRecipients: "452 #4.5.3 Too many recipients",
        .bareLineFeedInData: "554 message body contains illegal bare CR/LF characters.",
        .idleTimeout: "421 {host} Service not available, closing transaction channel",
        .tooManyBadCommands: "421 Exceeded bad SMTP command limit, disconnecting",
        .tooManyConnections: "421 #4.4.5 Too many connections from your host",
        .tooManyMessages: "421 #4.x.2 Too many messages to this session",
    ]
}
