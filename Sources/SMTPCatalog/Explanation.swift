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
            /// `appliance.*`, `vendor.*`: the reply line was recognised by its text.
            case vendorText
            /// `command.VERB.NNN`: the code as the answer to the command it answers.
            case command
            /// What the session knows adds to the reply (`message.context-*`): the size sent
            /// against the SIZE advertised, a refusal at RCPT that names the sender.
            case context
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
        /// The hint (what to do) in each language, when it is to be shown (see ``ExplainOptions``).
        public var hint: [Language: String]
        /// The likely cause in each language (vendor and command entries), when shown.
        public var cause: [Language: String]

        public init(
            role: Role, key: String?, label: String, meaning: [Language: String], hint: [Language: String] = [:],
            cause: [Language: String] = [:]
        ) {
            self.role = role
            self.key = key
            self.label = label
            self.meaning = meaning
            self.hint = hint
            self.cause = cause
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
    /// The vendor whose text was recognised (`postfix`, `google`, `appliance`…), or `nil`.
    public var vendor: String?
    /// Category, retry advice and who acts.
    public var classification: ReplyClassification
    /// Where the vendor entry's facts come from (a documentation page, a source file).
    public var source: String?
    /// The server recognised by this reply, the first time (the session says it once).
    public var server: ServerRecognition?
    /// The command the reply was explained as answering (``ExplainContext/command``), if known.
    public var command: String?
    /// The vendor's text is one another server could send (it applied because the server was
    /// recognised): it does not give the server away.
    public var vendorTextIsGeneric = false

    public init(
        subject: Subject, parts: [Part], vendor: String? = nil, classification: ReplyClassification? = nil,
        source: String? = nil, server: ServerRecognition? = nil
    ) {
        self.subject = subject
        self.parts = parts
        self.vendor = vendor
        self.source = source
        self.server = server
        if let classification {
            self.classification = classification
        } else {
            switch subject {
            case .reply(let code, let enhanced): self.classification = ReplyClassification(code: code, enhanced: enhanced)
            case .code(let code): self.classification = ReplyClassification(code: code, enhanced: nil)
            case .enhancedCode(let enhanced): self.classification = ReplyClassification(code: nil, enhanced: enhanced)
            case .authChallenge: self.classification = ReplyClassification(code: .authChallenge, enhanced: nil)
            case .ehloReply, .ehloKeyword: self.classification = ReplyClassification(code: .ok, enhanced: nil)
            }
        }
    }

    /// The keys of the entries that matched, most specific first (stable strings).
    public var keys: [String] { parts.compactMap(\.key) }

    /// The causes in `language`, labelled with the part they belong to.
    public func causes(in language: Language) -> [Line] {
        parts.compactMap { part in part.cause[language].map { Line(label: part.label, text: $0) } }
    }

    /// The start of a meaning, up to its first colon, semicolon or full stop: `Mailbox
    /// unavailable` for "Mailbox unavailable: the server will not…". The code lines under a
    /// vendor's text are shown this short.
    public static func title(of text: String) -> String {
        let stops = [": ", "\u{00A0}: ", "; ", "\u{00A0}; ", ". ", "。", "：", "；"]
        var end = text.endIndex
        for stop in stops {
            if let range = text.firstRange(of: stop), range.lowerBound < end { end = range.lowerBound }
        }
        var title = String(text[..<end])
        if title.hasSuffix(".") { title.removeLast() }
        return title
    }

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
        /// One line per reply (`--explain brief`): the most specific meaning, its category
        /// and retry advice; the renderer lays it out (``ExplanationRenderer/brief(_:in:)``).
        case brief
    }

    public var detail: Detail
    /// Recognise vendors' reply lines by their text (`appliance.*`, `vendor.*` entries). Those
    /// any server could send (`250 {host}`, `221 2.0.0 Bye`) only once the server is known
    /// (``ExplainContext/server``).
    public var vendorTexts: Bool
    /// Show hints at all.
    public var hints: Bool
    /// The languages whose texts are wanted (`nil`: all of them). A log explained in one
    /// language need not fill the other two (`smtpsh explain --json` on a mail log).
    public var languages: [Language]?

    public init(detail: Detail = .concise, vendorTexts: Bool = true, hints: Bool = true, languages: [Language]? = nil) {
        self.detail = detail
        self.vendorTexts = vendorTexts
        self.hints = hints
        self.languages = languages
    }

    public static let concise = ExplainOptions()
    public static let full = ExplainOptions(detail: .full)
}

/// What is known about the moment a reply answers: the command, the server, the envelope.
/// A session knows all of it; `smtpsh explain` what it is told (`--after RCPT`, "in reply to
/// RCPT TO command" in a pasted log, a greeting pasted above).
public struct ExplainContext: Hashable, Sendable {
    /// The command answered: `connect` (the greeting), `dot` (the end of the message data),
    /// or a verb in lower case (``CatalogKey/commandVerbs``); `nil` when unknown.
    public var command: String?
    /// The vendor recognised (`postfix`), whose generic lines then apply.
    public var server: String?
    /// The address of the last MAIL FROM.
    public var sender: String?
    /// The address of the RCPT TO answered.
    public var recipient: String?
    /// The size of the message sent, in octets, when known.
    public var messageOctets: UInt64?
    /// The server's SIZE limit, when it advertised one.
    public var sizeLimit: UInt64?

    public init(
        command: String? = nil, server: String? = nil, sender: String? = nil, recipient: String? = nil,
        messageOctets: UInt64? = nil, sizeLimit: UInt64? = nil
    ) {
        self.command = command
        self.server = server
        self.sender = sender
        self.recipient = recipient
        self.messageOctets = messageOctets
        self.sizeLimit = sizeLimit
    }

    /// The verb for a command as typed or logged: `RCPT`, `rcpt to`, `end of data`,
    /// `DATA`; `nil` when it is none of ``CatalogKey/commandVerbs``.
    public static func verb(named text: some StringProtocol) -> String? {
        let lower = text.trimmedSpaces.lowercased()
        switch lower {
        case "end of data", "end of data command", "dot", ".", "end-of-data", "data end", "message", "end of message": return "dot"
        case "initial connection", "greeting", "connect", "connection", "banner": return "connect"
        case "mail from", "mail": return "mail"
        case "rcpt to", "rcpt": return "rcpt"
        case "pipelined data": return "data"
        default:
            let first = String(lower.prefix { $0 != " " && $0 != ":" })
            return CatalogKey.commandVerbs.contains(first) ? first : nil
        }
    }

    /// The verb for a command of the session (SMTPCore's ``Command``).
    public static func verb(of command: Command) -> String? {
        guard let verb = command.knownVerb else { return nil }
        let lower = verb.rawValue.lowercased()
        return CatalogKey.commandVerbs.contains(lower) ? lower : nil
    }
}
