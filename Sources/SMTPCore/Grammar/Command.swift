/// A client command (RFC 5321, section 4.1.1, and the extensions smtpsh knows).
///
/// ```
/// C: EHLO client.example
/// C: MAIL FROM:<alice@example.org> SIZE=1024
/// C: RCPT TO:<bob@example.org>
/// C: DATA
/// C: QUIT
/// ```
///
/// ``raw(_:)`` is the escape hatch: any line the user wants to send, known verb or not.
public enum Command: Hashable, Sendable {
    /// `EHLO domain` (RFC 5321, 4.1.1.1): greet and ask for the server's extensions.
    case ehlo(String)
    /// `LHLO domain` (RFC 2033, 4.1): LMTP's EHLO; the reply lists the same extensions.
    case lhlo(String)
    /// `HELO domain` (RFC 5321, 4.1.1.1): greet without extensions.
    case helo(String)
    /// `MAIL FROM:<reverse-path> [params]` (RFC 5321, 4.1.1.2): start a mail transaction.
    case mail(Path, [MailParameter])
    /// `RCPT TO:<forward-path> [params]` (RFC 5321, 4.1.1.3): add a recipient.
    case rcpt(Path, [MailParameter])
    /// `DATA` (RFC 5321, 4.1.1.4): the message follows, ended by a line with a lone dot.
    case data
    /// `BDAT size [LAST]` (RFC 3030): a chunk of `size` octets follows the command.
    case bdat(size: UInt64, last: Bool)
    /// `RSET` (RFC 5321, 4.1.1.5): abort the mail transaction.
    case rset
    /// `NOOP [string]` (RFC 5321, 4.1.1.9).
    case noop(String?)
    /// `QUIT` (RFC 5321, 4.1.1.10).
    case quit
    /// `VRFY string` (RFC 5321, 4.1.1.6).
    case vrfy(String)
    /// `EXPN string` (RFC 5321, 4.1.1.7).
    case expn(String)
    /// `HELP [string]` (RFC 5321, 4.1.1.8).
    case help(String?)
    /// `STARTTLS` (RFC 3207).
    case startTLS
    /// `AUTH mechanism [initial-response]` (RFC 4954).
    case auth(mechanism: String, initialResponse: String?)
    /// Any line, sent as it is (without its CRLF).
    case raw([UInt8])

    /// The command's verb, upper case (`"MAIL"`), or the first word of a raw line.
    public var verb: String {
        switch self {
        case .ehlo: "EHLO"
        case .lhlo: "LHLO"
        case .helo: "HELO"
        case .mail: "MAIL"
        case .rcpt: "RCPT"
        case .data: "DATA"
        case .bdat: "BDAT"
        case .rset: "RSET"
        case .noop: "NOOP"
        case .quit: "QUIT"
        case .vrfy: "VRFY"
        case .expn: "EXPN"
        case .help: "HELP"
        case .startTLS: "STARTTLS"
        case .auth: "AUTH"
        case .raw(let bytes):
            String(decoding: bytes.prefix(while: { $0 != UInt8(ascii: " ") }), as: UTF8.self).uppercased()
        }
    }

    /// `true` when the line carries credentials (AUTH with an initial response).
    public var carriesSecret: Bool {
        if case .auth(_, let response?) = self, response != "=" { return true }
        return false
    }
}

/// The verbs smtpsh knows (RFC 5321, section 4.1.1; RFC 3030, 3207, 4954).
public enum Verb: String, Hashable, Sendable, CaseIterable {
    case ehlo = "EHLO"
    case lhlo = "LHLO"
    case helo = "HELO"
    case mail = "MAIL"
    case rcpt = "RCPT"
    case data = "DATA"
    case bdat = "BDAT"
    case rset = "RSET"
    case noop = "NOOP"
    case quit = "QUIT"
    case vrfy = "VRFY"
    case expn = "EXPN"
    case help = "HELP"
    case startTLS = "STARTTLS"
    case auth = "AUTH"
}

extension Verb {
    /// EHLO or LMTP's LHLO: a greeting whose reply lists the server's extensions.
    public var isExtendedHello: Bool { self == .ehlo || self == .lhlo }
}

extension Command {
    /// The known verb of the command, also for a raw line that starts with one (`helo` alone,
    /// which RFC 5321 does not allow but many servers accept, is still a HELO).
    public var knownVerb: Verb? { Verb(rawValue: verb) }

    /// For BDAT, whether this is the last chunk (a raw `BDAT n LAST` line too).
    var isLastChunk: Bool {
        switch self {
        case .bdat(_, let last): return last
        case .raw(let bytes): return String(decoding: bytes, as: UTF8.self).uppercased().hasSuffix(" LAST")
        default: return false
        }
    }

    /// For AUTH, whether an initial response was given (so a 334 may not follow).
    var hasInitialResponse: Bool {
        switch self {
        case .auth(_, let response): return response != nil
        case .raw(let bytes): return bytes.split(separator: UInt8(ascii: " ")).count > 2
        default: return false
        }
    }
}
