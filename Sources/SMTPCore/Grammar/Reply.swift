/// A complete server reply: one or more lines with the same code (RFC 5321, section 4.2).
///
/// ```
/// C: EHLO client.example
/// S: 250-mail.example.org
/// S: 250-PIPELINING
/// S: 250 STARTTLS
/// ```
///
/// The reply's code and enhanced status code come from its first line. Anything that breaks
/// the grammar is kept and listed in ``violations``.
public struct Reply: Hashable, Sendable {
    /// The lines kept (the parser's `maximumLinesPerReply` at most).
    public var lines: [ReplyLine]
    /// Lines received but not kept, past the parser's limit (they were still reported one by one).
    public var omittedLineCount: Int
    public var violations: [ProtocolViolation]

    public init(lines: [ReplyLine], omittedLineCount: Int = 0, violations: [ProtocolViolation] = []) {
        precondition(!lines.isEmpty, "a reply has at least one line")
        self.lines = lines
        self.omittedLineCount = omittedLineCount
        self.violations = violations
    }

    /// Convenience for tests and the practice server: `Reply(code: .ok, "OK")`.
    public init(code: ReplyCode, _ texts: String...) {
        self.init(code: code, lines: texts)
    }

    public init(code: ReplyCode, lines texts: [String]) {
        let texts = texts.isEmpty ? [""] : texts
        self.init(lines: texts.indices.map { ReplyLine(code: code, isLast: $0 == texts.count - 1, text: texts[$0]) })
    }

    /// The code of the first line that has one. Parsed replies always have a code: a line
    /// without one outside a reply is reported as ``ReplyParser/Event/unparsableLine(_:)``.
    public var code: ReplyCode { lines.first(where: { $0.code != nil })?.code ?? ReplyCode(rawValue: 500)! }

    public var replyClass: ReplyClass { code.replyClass }

    /// The enhanced status code at the start of the first line's text, if it has a valid one.
    public var enhancedStatusCode: EnhancedStatusCode? { enhancedStatusCodePrefix?.code }

    public var enhancedStatusCodePrefix: EnhancedStatusCodePrefix? {
        EnhancedStatusCodePrefix.parse(lines[0].text)
    }

    /// The text of each line, decoded leniently.
    public var textLines: [String] { lines.map(\.textString) }

    /// All lines' text joined by newlines.
    public var text: String { textLines.joined(separator: "\n") }

    /// The bytes as received (of the lines kept).
    public var raw: [UInt8] { lines.flatMap(\.raw) }

    /// The number of lines the server sent.
    public var lineCount: Int { lines.count + omittedLineCount }
}

/// Something in a server's reply that breaks RFC 5321's grammar. The reply is still delivered.
public enum ProtocolViolation: Hashable, Sendable {
    /// A line of a multi-line reply carries another code than the first (`250-…` then `550 …`).
    case codeChanged(from: ReplyCode, to: ReplyCode, line: Int)
    /// A line inside a multi-line reply does not start with a reply code.
    case lineWithoutCode(line: Int)
    /// A line was longer than the parser keeps; it was cut.
    case lineTooLong(line: Int, length: Int)
    /// The reply had more lines than the parser keeps; the rest were reported but not kept.
    case tooManyLines(count: Int)
    /// A line ended in a bare LF instead of CRLF.
    case bareLineFeed(line: Int)
}
