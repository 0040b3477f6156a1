import SMTPCore

/// A message the practice server accepted, with its envelope (RFC 5321, section 2.3.1).
public struct ReceivedMessage: Hashable, Sendable {
    public var id: String
    public var sender: Path
    public var mailParameters: [MailParameter]
    public var recipients: [Path]
    /// The name the client gave in EHLO/HELO.
    public var clientName: String?
    public var clientAddress: String
    public var tls: Bool
    public var authenticatedUser: String?
    /// The message as received, dot-stuffing removed, line ends as sent.
    public var content: [UInt8]
    /// How it came: DATA or BDAT.
    public var viaBDAT: Bool
}
