/// A three-digit SMTP reply code (RFC 5321, section 4.2).
///
/// Reply codes are an open set: any three digits from 200 to 599 can be represented, whether
/// or not an RFC defines them. Named constants cover the codes of RFC 5321 and its extensions.
///
/// ```
/// C: RCPT TO:<nobody@example.org>
/// S: 550 5.1.1 <nobody@example.org>: Recipient address rejected
/// ```
///
/// The first digit is the ``ReplyClass`` (RFC 5321, section 4.2.1), the second the
/// ``ReplyCategory``; the third gives finer gradation and has no general meaning.
public struct ReplyCode: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int

    /// Creates a reply code from its numeric value; `nil` unless `200 <= rawValue <= 599`.
    public init?(rawValue: Int) {
        guard (200...599).contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Parses three ASCII digits, e.g. the first three bytes of a reply line.
    public init?<Bytes: Collection<UInt8>>(digits: Bytes) {
        guard digits.count == 3 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        self.init(rawValue: value)
    }

    /// The first digit: whether the command succeeded, needs more, or failed (and how).
    public var replyClass: ReplyClass { ReplyClass(rawValue: rawValue / 100)! }

    /// The second digit: what the reply is about, or `nil` for the undefined x6z–x9z.
    public var category: ReplyCategory? { ReplyCategory(rawValue: (rawValue / 10) % 10) }

    public var description: String { String(rawValue) }

    public static func < (lhs: ReplyCode, rhs: ReplyCode) -> Bool { lhs.rawValue < rhs.rawValue }

    fileprivate init(_ value: Int) { self.rawValue = value }
}

extension ReplyCode {
    // RFC 5321, section 4.2.2 / 4.2.3
    /// `211` System status, or system help reply.
    public static let systemStatus = ReplyCode(211)
    /// `214` Help message.
    public static let helpMessage = ReplyCode(214)
    /// `220 <domain> Service ready` (also the STARTTLS go-ahead, RFC 3207).
    public static let serviceReady = ReplyCode(220)
    /// `221 <domain> Service closing transmission channel`.
    public static let serviceClosing = ReplyCode(221)
    /// `235` Authentication succeeded (RFC 4954).
    public static let authenticationSucceeded = ReplyCode(235)
    /// `250` Requested mail action okay, completed.
    public static let ok = ReplyCode(250)
    /// `251` User not local; will forward.
    public static let userNotLocalWillForward = ReplyCode(251)
    /// `252` Cannot VRFY user, but will accept message and attempt delivery.
    public static let cannotVerify = ReplyCode(252)
    /// `334` Server challenge during AUTH (RFC 4954).
    public static let authChallenge = ReplyCode(334)
    /// `354` Start mail input; end with `<CRLF>.<CRLF>`.
    public static let startMailInput = ReplyCode(354)
    /// `421 <domain> Service not available, closing transmission channel`.
    public static let serviceNotAvailable = ReplyCode(421)
    /// `432` A password transition is needed (RFC 4954).
    public static let passwordTransitionNeeded = ReplyCode(432)
    /// `450` Mailbox unavailable (temporarily, e.g. busy or greylisted).
    public static let mailboxBusy = ReplyCode(450)
    /// `451` Local error in processing.
    public static let localError = ReplyCode(451)
    /// `452` Insufficient system storage (also: too many recipients).
    public static let insufficientStorage = ReplyCode(452)
    /// `454` Temporary authentication failure (RFC 4954) / TLS not available (RFC 3207).
    public static let temporaryFailure454 = ReplyCode(454)
    /// `455` Server unable to accommodate parameters.
    public static let unableToAccommodateParameters = ReplyCode(455)
    /// `500` Syntax error, command unrecognized (also: line too long).
    public static let syntaxError = ReplyCode(500)
    /// `501` Syntax error in parameters or arguments.
    public static let parameterSyntaxError = ReplyCode(501)
    /// `502` Command not implemented.
    public static let commandNotImplemented = ReplyCode(502)
    /// `503` Bad sequence of commands.
    public static let badSequence = ReplyCode(503)
    /// `504` Command parameter not implemented.
    public static let parameterNotImplemented = ReplyCode(504)
    /// `521` Host does not accept mail (RFC 7504).
    public static let hostDoesNotAcceptMail = ReplyCode(521)
    /// `530` Authentication required (RFC 4954) / must issue STARTTLS first (RFC 3207).
    public static let authenticationRequired = ReplyCode(530)
    /// `534` Authentication mechanism is too weak (RFC 4954).
    public static let mechanismTooWeak = ReplyCode(534)
    /// `535` Authentication credentials invalid (RFC 4954).
    public static let authenticationFailed = ReplyCode(535)
    /// `538` Encryption required for requested authentication mechanism (RFC 4954).
    public static let encryptionRequired = ReplyCode(538)
    /// `550` Mailbox unavailable (not found, no access, or rejected for policy reasons).
    public static let mailboxUnavailable = ReplyCode(550)
    /// `551` User not local; please try `<forward-path>`.
    public static let userNotLocal = ReplyCode(551)
    /// `552` Exceeded storage allocation (message too big, RFC 1870).
    public static let exceededStorage = ReplyCode(552)
    /// `553` Mailbox name not allowed.
    public static let mailboxNameNotAllowed = ReplyCode(553)
    /// `554` Transaction failed (or, in the greeting, no SMTP service here).
    public static let transactionFailed = ReplyCode(554)
    /// `555` MAIL FROM/RCPT TO parameters not recognized or not implemented.
    public static let parametersNotRecognized = ReplyCode(555)
    /// `556` Domain does not accept mail (RFC 7504).
    public static let domainDoesNotAcceptMail = ReplyCode(556)
}

/// The first digit of a reply code (RFC 5321, section 4.2.1).
public enum ReplyClass: Int, Hashable, Sendable, CaseIterable {
    /// `2yz`: the requested action has been completed.
    case positiveCompletion = 2
    /// `3yz`: accepted, but the server needs more (the message after DATA, a SASL response).
    case positiveIntermediate = 3
    /// `4yz`: not done this time; the same request may succeed later.
    case transientNegative = 4
    /// `5yz`: not done, and repeating the same request will fail again.
    case permanentNegative = 5

    /// `true` for 2yz and 3yz.
    public var isPositive: Bool { self == .positiveCompletion || self == .positiveIntermediate }
}

/// The second digit of a reply code (RFC 5321, section 4.2.1).
public enum ReplyCategory: Int, Hashable, Sendable, CaseIterable {
    /// `x0z`: syntax errors, and commands that fit no other category.
    case syntax = 0
    /// `x1z`: replies to requests for information, such as status or help.
    case information = 1
    /// `x2z`: replies about the transmission channel.
    case connections = 2
    /// `x3z`: unspecified.
    case unspecified3 = 3
    /// `x4z`: unspecified.
    case unspecified4 = 4
    /// `x5z`: the status of the receiver mail system for the requested transfer.
    case mailSystem = 5
}
