/// The key of a catalogue entry, as written between brackets in a data file (Docs/catalog.md).
///
/// ```
/// [basic.550]            a basic reply code
/// [class.5]              the first digit, fallback     [category.5]   the second digit, fallback
/// [enhanced.1.1]         X.1.1 (any class)             [enhanced-class.5] / [enhanced-subject.7]
/// [appliance.queue-full] a reply line of the seed documents' appliance, with match: fields
/// [vendor.postfix.relay-denied]  a reply line of a server or provider, with match: fields
/// [server.postfix]       how a server or provider is recognised (greeting, host names, EHLO)
/// [command.rcpt.550]     a reply code as the answer to one command (`connect` for the greeting, `dot` for the end of data)
/// [ehlo.SIZE]            an EHLO keyword               [ehlo.AUTH.PLAIN] an AUTH mechanism
/// [auth-challenge.Username:]  a decoded AUTH LOGIN challenge
/// [message.hint]         one of smtpsh's own words or messages
/// ```
///
/// The raw value is stable: it is what `Explanation.keys` reports (and JSON output will).
public struct CatalogKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// `basic.NNN`, 200–599.
        case basic(Int)
        /// `class.N`, 2–5: the first digit of a reply code.
        case replyClass(Int)
        /// `category.N`, 0–5: the second digit of a reply code.
        case replyCategory(Int)
        /// `enhanced.S.D`: subject and detail of an enhanced status code, whatever its class.
        case enhanced(subject: Int, detail: Int)
        /// `enhanced-class.N`, 2, 4 or 5.
        case enhancedClass(Int)
        /// `enhanced-subject.S`, 0–7.
        case enhancedSubject(Int)
        /// `appliance.SLUG`: a reply line of the seed documents' appliance, recognised by its text.
        case appliance(String)
        /// `vendor.VENDOR.SLUG`: a reply line of one server's software or provider
        /// (`vendor.postfix.relay-denied`), recognised by its text.
        case vendor(vendor: String, slug: String)
        /// `server.VENDOR`: how that server or provider is recognised.
        case server(String)
        /// `command.VERB.NNN`: reply code NNN as the answer to one command (``CatalogKey/commandVerbs``).
        case command(verb: String, code: Int)
        /// `ehlo.KEYWORD`, upper case.
        case ehloKeyword(String)
        /// `ehlo.AUTH.MECHANISM`, upper case.
        case authMechanism(String)
        /// `auth-challenge.TEXT`: an AUTH LOGIN challenge once base64-decoded.
        case authChallenge(String)
        /// `message.NAME`: smtpsh's own words (labels, headings, error messages).
        case message(String)
    }

    public let rawValue: String
    public let kind: Kind

    /// Parses a key; `nil` when it has none of the documented forms.
    public init?(_ rawValue: String) {
        guard let dot = rawValue.firstIndex(of: ".") else { return nil }
        let family = rawValue[..<dot]
        let rest = String(rawValue[rawValue.index(after: dot)...])
        guard !rest.isEmpty else { return nil }
        let kind: Kind
        switch family {
        case "basic":
            guard rest.utf8.count == 3, let code = Int(rest), (200...599).contains(code) else { return nil }
            kind = .basic(code)
        case "class":
            guard let digit = Self.digit(rest), (2...5).contains(digit) else { return nil }
            kind = .replyClass(digit)
        case "category":
            guard let digit = Self.digit(rest), (0...5).contains(digit) else { return nil }
            kind = .replyCategory(digit)
        case "enhanced":
            let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
            guard numbers.count == 2, let subject = Self.number(numbers[0]), let detail = Self.number(numbers[1]) else {
                return nil
            }
            kind = .enhanced(subject: subject, detail: detail)
        case "enhanced-class":
            guard let digit = Self.digit(rest), [2, 4, 5].contains(digit) else { return nil }
            kind = .enhancedClass(digit)
        case "enhanced-subject":
            guard let digit = Self.digit(rest), (0...7).contains(digit) else { return nil }
            kind = .enhancedSubject(digit)
        case "appliance":
            guard rest.unicodeScalars.allSatisfy({ Self.isSlug($0) }) else { return nil }
            kind = .appliance(rest)
        case "vendor":
            guard let dot = rest.firstIndex(of: "."), Self.isSlug(rest[..<dot]),
                Self.isSlug(rest[rest.index(after: dot)...])
            else { return nil }
            kind = .vendor(vendor: String(rest[..<dot]), slug: String(rest[rest.index(after: dot)...]))
        case "server":
            guard Self.isSlug(Substring(rest)) else { return nil }
            kind = .server(rest)
        case "command":
            let words = rest.split(separator: ".", omittingEmptySubsequences: false)
            guard words.count == 2, Self.commandVerbs.contains(String(words[0])), words[1].utf8.count == 3,
                let code = Int(words[1]), (200...599).contains(code)
            else { return nil }
            kind = .command(verb: String(words[0]), code: code)
        case "ehlo":
            let words = rest.split(separator: ".", omittingEmptySubsequences: false)
            guard words.allSatisfy({ Self.isKeyword($0) }) else { return nil }
            switch words.count {
            case 1: kind = .ehloKeyword(rest)
            case 2 where words[0] == "AUTH": kind = .authMechanism(String(words[1]))
            default: return nil
            }
        case "auth-challenge":
            kind = .authChallenge(rest)
        case "message":
            guard rest.unicodeScalars.allSatisfy({ Self.isSlug($0) }) else { return nil }
            kind = .message(rest)
        default:
            return nil
        }
        self.rawValue = rawValue
        self.kind = kind
    }

    public var description: String { rawValue }

    public static func < (lhs: CatalogKey, rhs: CatalogKey) -> Bool { lhs.rawValue < rhs.rawValue }

    // MARK: Keys by kind

    // `nil` for a number the key's form does not allow (`category.9`, `enhanced-class.3`).
    public static func basic(_ code: Int) -> CatalogKey? { CatalogKey("basic.\(code)") }
    public static func replyClass(_ digit: Int) -> CatalogKey? { CatalogKey("class.\(digit)") }
    public static func replyCategory(_ digit: Int) -> CatalogKey? { CatalogKey("category.\(digit)") }
    public static func enhanced(subject: Int, detail: Int) -> CatalogKey? {
        CatalogKey("enhanced.\(subject).\(detail)")
    }
    public static func enhancedClass(_ digit: Int) -> CatalogKey? { CatalogKey("enhanced-class.\(digit)") }
    public static func enhancedSubject(_ digit: Int) -> CatalogKey? { CatalogKey("enhanced-subject.\(digit)") }
    public static func message(_ name: String) -> CatalogKey? { CatalogKey("message.\(name)") }
    public static func command(_ verb: String, _ code: Int) -> CatalogKey? { CatalogKey("command.\(verb).\(code)") }
    /// `nil` when `keyword` cannot be a key (lower case, punctuation).
    public static func ehloKeyword(_ keyword: String) -> CatalogKey? { CatalogKey("ehlo.\(keyword)") }

    /// The commands a `command.VERB.NNN` entry may answer: `connect` is the greeting, `dot`
    /// the end of the message data; the others are SMTP verbs in lower case.
    public static let commandVerbs: Set<String> = [
        "connect", "helo", "ehlo", "mail", "rcpt", "data", "dot", "bdat", "rset", "vrfy", "expn", "noop", "quit",
        "starttls", "auth", "help", "etrn",
    ]

    /// The vendor of an `appliance.*` (`appliance`) or `vendor.VENDOR.*` entry.
    public var vendor: String? {
        switch kind {
        case .appliance: "appliance"
        case .vendor(let vendor, _), .server(let vendor): vendor
        default: nil
        }
    }

    /// `true` for the entries that explain a reply line by its text (`appliance.*`, `vendor.*`).
    public var isReplyText: Bool {
        switch kind {
        case .appliance, .vendor: true
        default: false
        }
    }

    // MARK: What the checks need

    /// The reply classes an entry may be shown for, so the checks know whether it needs a
    /// hint (every 4xx/5xx entry does). `nil` when it does not depend on a class (EHLO
    /// keywords, categories, messages). Appliance entries take the class of their `match:`.
    package var failureClass: Bool? {
        switch kind {
        case .basic(let code): code >= 400
        case .replyClass(let digit), .enhancedClass(let digit): digit >= 4
        // Enhanced details and subjects serve 4.S.D and 5.S.D as much as 2.S.D.
        case .enhanced, .enhancedSubject: true
        case .command(_, let code): code >= 400
        case .appliance, .vendor, .server, .replyCategory, .ehloKeyword, .authMechanism, .authChallenge, .message: nil
        }
    }

    /// Placeholders this kind of entry may use in its text.
    package var allowedPlaceholders: Set<String>? {
        switch kind {
        case .appliance: ["host", "arg"]
        case .vendor: Self.templatePlaceholders
        case .ehloKeyword("SIZE"): ["size"]
        case .message: nil  // any name: the caller passes the values
        default: []
        }
    }

    private static func digit(_ text: String) -> Int? {
        guard text.utf8.count == 1 else { return nil }
        return Int(text)
    }

    private static func number(_ text: Substring) -> Int? {
        guard (1...3).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(text)
    }

    /// The placeholders a `match:` line of a `vendor.*` entry may use (Docs/catalog.md).
    public static let templatePlaceholders: Set<String> = [
        "host", "arg", "addr", "domain", "ip", "id", "tag", "n", "text",
    ]

    private static func isSlug(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { isSlug($0) }
    }

    private static func isSlug(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    /// An `ehlo-keyword` (RFC 5321: ALPHA / DIGIT, then also "-"), upper case here.
    private static func isKeyword(_ word: Substring) -> Bool {
        guard let first = word.unicodeScalars.first, ("A"..."Z").contains(first) || ("0"..."9").contains(first) else {
            return false
        }
        return word.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
