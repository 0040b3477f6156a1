/// A reverse-path (MAIL FROM) or forward-path (RCPT TO) (RFC 5321, section 4.1.2).
///
/// ```
/// C: MAIL FROM:<alice@example.org>
/// C: MAIL FROM:<>                     ← the null reverse-path, for bounces
/// C: RCPT TO:<Postmaster>
/// ```
///
/// The address is kept as text (it may be UTF-8 with SMTPUTF8, RFC 6531). Source routes
/// (`<@relay:user@host>`) are kept as part of the text, as RFC 5321 says to accept and ignore them.
public struct Path: Hashable, Sendable, CustomStringConvertible {
    /// The mailbox between the angle brackets; empty for the null path `<>`.
    public var mailbox: String

    public init(_ mailbox: String) {
        self.mailbox = mailbox
    }

    /// The null reverse-path `<>`.
    public static let null = Path("")

    public var isNull: Bool { mailbox.isEmpty }

    /// The path as it goes on the wire: `<mailbox>`.
    public var description: String { "<\(mailbox)>" }

    /// The domain part (after the last `@`), if any.
    public var domain: Substring? {
        guard let at = mailbox.lastIndex(of: "@") else { return nil }
        return mailbox[mailbox.index(after: at)...]
    }

    /// `true` when the mailbox has non-ASCII characters and so needs SMTPUTF8 (RFC 6531).
    public var needsSMTPUTF8: Bool { mailbox.utf8.contains { $0 >= 0x80 } }
}
