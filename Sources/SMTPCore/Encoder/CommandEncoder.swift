/// Encodes commands for the wire: every line ends in CRLF, and no command ever carries a
/// bare CR or LF (RFC 5321, section 2.3.8: they are not allowed inside a line).
///
/// ```
/// C: MAIL FROM:<alice@example.org> SIZE=1024<CRLF>
/// ```
public enum CommandEncoder {
    public static func encode(_ command: Command) throws(CommandEncodingError) -> [UInt8] {
        var bytes: [UInt8]
        switch command {
        case .ehlo(let domain): bytes = Array("EHLO \(domain)".utf8)
        case .lhlo(let domain): bytes = Array("LHLO \(domain)".utf8)
        case .helo(let domain): bytes = Array("HELO \(domain)".utf8)
        case .mail(let path, let parameters): bytes = Array(("MAIL FROM:\(path)" + render(parameters)).utf8)
        case .rcpt(let path, let parameters): bytes = Array(("RCPT TO:\(path)" + render(parameters)).utf8)
        case .data: bytes = Array("DATA".utf8)
        case .bdat(let size, let last): bytes = Array("BDAT \(size)\(last ? " LAST" : "")".utf8)
        case .rset: bytes = Array("RSET".utf8)
        case .noop(let text): bytes = Array(("NOOP" + (text.map { " \($0)" } ?? "")).utf8)
        case .quit: bytes = Array("QUIT".utf8)
        case .vrfy(let text): bytes = Array("VRFY \(text)".utf8)
        case .expn(let text): bytes = Array("EXPN \(text)".utf8)
        case .help(let text): bytes = Array(("HELP" + (text.map { " \($0)" } ?? "")).utf8)
        case .startTLS: bytes = Array("STARTTLS".utf8)
        case .auth(let mechanism, let response):
            bytes = Array(("AUTH \(mechanism)" + (response.map { " \($0)" } ?? "")).utf8)
        case .raw(let line): bytes = line
        }
        if let index = bytes.firstIndex(where: { $0 == 13 || $0 == 10 }) {
            throw CommandEncodingError(offset: index)
        }
        bytes.append(contentsOf: [13, 10])
        return bytes
    }

    /// Encodes one line of text (a raw command or a SASL response) with its CRLF.
    public static func encodeLine(_ line: String) throws(CommandEncodingError) -> [UInt8] {
        try encode(.raw(Array(line.utf8)))
    }

    private static func render(_ parameters: [MailParameter]) -> String {
        parameters.map { " \($0)" }.joined()
    }
}

/// A command contained a CR or LF, which would split it into two lines on the wire.
public struct CommandEncodingError: Error, Hashable, Sendable {
    /// Where the offending byte is, counted in the encoded line.
    public var offset: Int
}
