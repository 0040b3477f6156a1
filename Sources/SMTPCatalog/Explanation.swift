import SMTPCore

/// What a reply, a code or an EHLO keyword means, as found in the catalogue: the entries
/// that matched, most specific first, with their text in every language, placeholders filled.
///
/// ```
/// S: 550 5.1.1 <nobody@example.org>: Recipient address rejected
///
/// keys:      ["enhanced.1.1", "basic.550"]
/// meanings:  5.1.1  Bad destination mailbox: the part before the @ does not exist …
///            550    Mailbox unavailable: unknown address, access denied or policy rejection …
/// hints:     Usually a typo or a deleted account. …
/// ```
///
/// ``ExplanationRenderer`` lays it out for a terminal.
public struct Explanation: Hashable, Sendable {
    /// What was explained.
    public enum Subject: Hashable, Sendable {
        /// A reply (or a pasted reply line).
        case reply(ReplyCode, EnhancedStatusCode?)
        /// A bare reply code, `550`.
        case code(ReplyCode)
        /// A bare enhanced status code, `5.1.1` or `#4.3.1`.
        case enhancedCode(EnhancedStatusCode)
        /// The keywords of an EHLO reply.
        case ehloReply
        /// One EHLO keyword line, `SIZE 35882577` or `AUTH PLAIN LOGIN`.
        case ehloKeyword(String)
        /// A `334` challenge during AUTH, with its text once base64-decoded (when it is text).
        case authChallenge(decoded: String?)
    }

    /// One entry that applies, or one thing the catalogue does not know (an unknown keyword).
    public struct Part: Hashable, Sendable {
        public enum Role: String, Hashable, Sendable {
            /// `appliance.*`: the reply line was recognised by its text.
            case vendorText
            /// `enhanced.S.D`
            case enhancedCode
            /// `enhanced-subject.S`: the detail is not registered.
            case enhancedSubject
            /// `enhanced-class.N`
            case enhancedClass
            /// `basic.NNN`
            case basicCode
            /// `class.N`
            case replyClass
            /// `category.N`: the basic code is not in the catalogue.
            case replyCategory
            /// `ehlo.KEYWORD`
            case ehloKeyword
            /// `ehlo.AUTH.MECHANISM`
            case authMechanism
            /// `auth-challenge.TEXT`
            case authChallenge
            /// A 334 challenge the catalogue does not know, shown decoded.
            case decodedChallenge
            /// An EHLO keyword or AUTH mechanism the catalogue does not know.
            case unknownKeyword
        }

        public var role: Role
        /// The entry's key (`basic.550`); `nil` for what the catalogue does not know.
        public var key: String?
        /// What the part is about, as a short column (`550`, `5.1.1`, `X.7.X`, `5yz`, `SIZE`);
        /// empty for a vendor text.
        public var label: String
        /// The meaning in each language, placeholders filled.
        public var meaning: [Language: String]
        /// The hint in each language, when it is to be shown (see ``ExplainOptions``).
        public var hint: [Language: String]

        public init(
            role: Role, key: String?, label: String, meaning: [Language: String], hint: [Language: String] = [:]
        ) {
            self.role = role
            self.key = key
            self.label = label
            self.meaning = meaning
            self.hint = hint
        }
    }

    /// A line to show: a label and its text.
    public struct Line: Hashable, Sendable {
        public var label: String
        public var text: String

        public init(label: String, text: String) {
            self.label = label
            self.text = text
        }
    }

    public var subject: Subject
    /// Most specific first.
    public var parts: [Part]

    public init(subject: Subject, parts: [Part]) {
        self.subject = subject
        self.parts = parts
    }

    /// The keys of the entries that matched, most specific first (stable strings).
    public var keys: [String] { parts.compactMap(\.key) }

    /// The meanings in `language`, one per part.
    public func meanings(in language: Language) -> [Line] {
        parts.compactMap { part in part.meaning[language].map { Line(label: part.label, text: $0) } }
    }

    /// The hints in `language`, labelled with the part they belong to.
    public func hints(in language: Language) -> [Line] {
        parts.compactMap { part in part.hint[language].map { Line(label: part.label, text: $0) } }
    }
}

/// How much an explanation says.
public struct ExplainOptions: Hashable, Sendable {
    public enum Detail: Hashable, Sendable {
        /// Under a reply in a session: the most specific meaning, the code's meaning when
        /// it adds something, one hint; EHLO keywords without hints.
        case concise
        /// `smtpsh explain`: also the class meaning, and the codes' meanings beside a vendor
        /// text; EHLO keywords with their hints.
        case full
    }

    public var detail: Detail
    /// Recognise the appliance's reply lines by their text (`appliance.*` entries).
    public var vendorTexts: Bool
    /// Also the vendor texts whose pattern any server could send (`250 {host}`,
    /// `220 {host} ESMTP`): in a session, only once the server is known to be the appliance.
    public var genericVendorTexts: Bool
    /// Show hints at all.
    public var hints: Bool

    public init(detail: Detail = .concise, vendorTexts: Bool = true, genericVendorTexts: Bool = true, hints: Bool = true) {
        self.detail = detail
        self.vendorTexts = vendorTexts
        self.genericVendorTexts = genericVendorTexts
        self.hints = hints
    }

    public static let concise = ExplainOptions()
    public static let full = ExplainOptions(detail: .full)
}
