/// One line of a server reply (RFC 5321, section 4.2).
///
/// ```
/// S: 250-mail.example.org Hello        ← code 250, continuation ("-")
/// S: 250-PIPELINING                    ← continuation
/// S: 250 SIZE 35882577                 ← code 250, last line (" ")
/// ```
///
/// A line keeps the bytes exactly as received. A line that does not start with a reply code
/// followed by `-`, a space or the end of the line is kept too, with `code == nil`.
public struct ReplyLine: Hashable, Sendable {
    /// How the line ended on the wire.
    public enum LineEnding: Hashable, Sendable {
        case crlf
        /// A bare LF (tolerated, but not what RFC 5321 asks for).
        case lf
    }

    /// The line's bytes without its line ending (truncated to the parser's limit).
    public var bytes: [UInt8]
    public var lineEnding: LineEnding
    /// The reply code, or `nil` when the line does not start with one.
    public var code: ReplyCode?
    /// `true` for the last line of a reply (code followed by a space or nothing).
    public var isLast: Bool
    /// When the line was longer than the parser keeps, its full length in bytes.
    public var originalLength: Int?

    public init(bytes: [UInt8], lineEnding: LineEnding = .crlf, originalLength: Int? = nil) {
        self.bytes = bytes
        self.lineEnding = lineEnding
        self.originalLength = originalLength
        if bytes.count >= 3, let code = ReplyCode(digits: bytes[0..<3]) {
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                self.code = code
                self.isLast = true
                return
            } else if bytes[3] == UInt8(ascii: "-") {
                self.code = code
                self.isLast = false
                return
            }
        }
        self.code = nil
        self.isLast = true
    }

    /// Creates a well-formed line, e.g. `ReplyLine(code: .ok, text: "OK")`.
    public init(code: ReplyCode, isLast: Bool = true, text: String) {
        self.init(bytes: Array("\(code.rawValue)\(isLast ? " " : "-")\(text)".utf8))
    }

    /// The text after the code and separator (the whole line when there is no code).
    public var text: ArraySlice<UInt8> {
        guard code != nil else { return bytes[...] }
        return bytes.count > 4 ? bytes[4...] : bytes[bytes.endIndex...]
    }

    /// The text decoded as UTF-8, invalid bytes replaced by U+FFFD. For display, prefer an
    /// escaping renderer that shows the bytes that were received.
    public var textString: String { String(decoding: text, as: UTF8.self) }

    /// The line as it was received, line ending included.
    public var raw: [UInt8] { bytes + (lineEnding == .crlf ? [13, 10] : [10]) }

    /// `true` when the line was cut to the parser's limit.
    public var isTruncated: Bool { originalLength != nil }
}
