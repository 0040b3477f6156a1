/// An ESMTP parameter on MAIL FROM or RCPT TO (RFC 5321, section 4.1.2, `esmtp-param`).
///
/// ```
/// C: MAIL FROM:<alice@example.org> SIZE=1024 BODY=8BITMIME SMTPUTF8
/// C: RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org
/// ```
///
/// Parameters are an open set: the keyword and value are kept as text, with typed accessors
/// for the ones smtpsh knows.
public struct MailParameter: Hashable, Sendable, CustomStringConvertible {
    /// The keyword, upper-cased (`esmtp-keyword` is case-insensitive).
    public var keyword: String
    /// The value after `=`, or `nil` for a bare keyword (`SMTPUTF8`).
    public var value: String?

    public init(keyword: String, value: String? = nil) {
        self.keyword = keyword.uppercased()
        self.value = value
    }

    /// Parses `KEYWORD` or `KEYWORD=value`.
    public init?(parsing text: Substring) {
        guard !text.isEmpty else { return nil }
        if let equals = text.firstIndex(of: "=") {
            let keyword = text[..<equals]
            guard Self.isKeyword(keyword) else { return nil }
            self.init(keyword: String(keyword), value: String(text[text.index(after: equals)...]))
        } else {
            guard Self.isKeyword(text) else { return nil }
            self.init(keyword: String(text))
        }
    }

    /// `esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")`
    public static func isKeyword(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isAlphanumeric(first) else { return false }
        return text.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }

    public var description: String { value.map { "\(keyword)=\($0)" } ?? keyword }

    // MARK: Known parameters

    /// `SIZE=n` (RFC 1870): the message size the client declares.
    public static func size(_ bytes: UInt64) -> MailParameter { MailParameter(keyword: "SIZE", value: String(bytes)) }
    /// `BODY=7BIT|8BITMIME|BINARYMIME` (RFC 6152, RFC 3030).
    public static func body(_ body: BodyType) -> MailParameter { MailParameter(keyword: "BODY", value: body.rawValue) }
    /// `SMTPUTF8` (RFC 6531).
    public static let smtpUTF8 = MailParameter(keyword: "SMTPUTF8")
    /// `REQUIRETLS` (RFC 8689).
    public static let requireTLS = MailParameter(keyword: "REQUIRETLS")
    /// `RET=FULL|HDRS` (RFC 3461).
    public static func ret(_ value: String) -> MailParameter { MailParameter(keyword: "RET", value: value) }
    /// `ENVID=xtext` (RFC 3461).
    public static func envelopeID(_ value: String) -> MailParameter { MailParameter(keyword: "ENVID", value: value) }
    /// `NOTIFY=NEVER` or a comma list of `SUCCESS`, `FAILURE`, `DELAY` (RFC 3461).
    public static func notify(_ values: [String]) -> MailParameter {
        MailParameter(keyword: "NOTIFY", value: values.joined(separator: ","))
    }
    /// `ORCPT=addr-type;xtext` (RFC 3461).
    public static func originalRecipient(_ value: String) -> MailParameter {
        MailParameter(keyword: "ORCPT", value: value)
    }

    /// The declared size, when this is a valid `SIZE=n`.
    public var sizeValue: UInt64? {
        guard keyword == "SIZE", let value, value.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return UInt64(value)
    }

    /// The body type, when this is a valid `BODY=`.
    public var bodyValue: BodyType? {
        guard keyword == "BODY", let value else { return nil }
        return BodyType(rawValue: value.uppercased())
    }
}

/// The `BODY=` values (RFC 6152, RFC 3030).
public enum BodyType: String, Hashable, Sendable, CaseIterable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
}
