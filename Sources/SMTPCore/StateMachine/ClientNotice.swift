/// What the client says about its session besides the lines sent and received: a typed
/// event with a stable ``id`` and its parameters, never a sentence. The words are the
/// presentation's (smtpsh's catalogue, in the user's language); `--json` carries the id
/// and the parameters, so that a script reading it does not depend on the language.
///
/// ```
/// *** no MAIL FROM accepted yet: the server will likely answer 503     .warning, "advice.mail-first"
/// *** no reply to EHLO after 30 s (timed out)                          .error,   "reply-timed-out"
/// === Connection closed by foreign host.                              .note,    "closed-by-server"
/// ```
public enum ClientNotice: Hashable, Sendable {
    // MARK: Warnings

    /// A mistake the next command makes (said before it is sent).
    case advice(SequenceAdvice)
    /// The reply breaks RFC 5321's syntax (a code that changes between lines, a bare LF…).
    case violation(ProtocolViolation)
    /// A reply when no command was waiting for one.
    case unsolicitedReply
    /// A positive reply the command cannot get (`250` to DATA).
    case unexpectedCode(ReplyCode, answering: SessionStateMachine.Pending)
    /// A line from the server that is not a reply line.
    case notAReply
    /// The connection closed in the middle of a line.
    case unfinishedLine
    /// A line longer than the parser keeps (its length so far).
    case endlessLine(length: Int)
    /// The connection closed with lines still queued.
    case linesNotSent(count: Int)
    /// 221 or 421 came with lines still queued: they are not sent.
    case linesAfterEndNotSent(count: Int)
    /// DATA was refused: the message lines typed after it are dropped.
    case dataRefusedLinesDropped
    /// AUTH ended: the SASL responses typed after it are dropped.
    case authEndedLinesDropped
    /// A line typed into a BDAT chunk went past its size: `sent` octets of it went, the
    /// rest (`unsent` octets, `text`) did not.
    case chunkOverflow(sent: Int, unsent: Int, text: String)
    /// Ctrl-C took back the lines typed but not sent (`lines`: the first few, as shown).
    case queueDropped(count: Int, lines: [String])
    /// Bytes sent exactly as written, not as SMTP: how many, what in them is not SMTP's
    /// line ending, and how many octets follow the last CRLF (the server holds them).
    case rawBytes(octets: Int, oddities: EscapedBytes.Oddities, unterminated: Int)
    /// A reply beyond those the raw bytes' CRLF lines call for: the server read them
    /// otherwise (a bare LF as a line end, a message ended early).
    case replyBeyondRawLines

    // MARK: Errors

    /// No reply to `awaiting` (nil: the server) after `seconds` of silence.
    case replyTimedOut(awaiting: SessionStateMachine.Pending?, seconds: Double)
    /// A reply whose lines keep coming without an end, for `seconds` since the command.
    case replyNeverEnds(awaiting: SessionStateMachine.Pending?, seconds: Double)
    /// The server stopped reading a message being streamed to it.
    case serverNotReading(seconds: Double)
    /// The connection went away with an error.
    case connectionLost(reason: String)

    // MARK: Notes

    /// After a greeting timeout: the server may want TLS from the first byte (`--tls`).
    case greetingTimeoutTLSHint
    /// `BDAT <size>` typed: the next lines are the chunk.
    case chunkFollows(size: UInt64)
    /// A message shown by its first lines: how many more there were.
    case messageMoreLines(count: Int, octets: Int)
    /// A BDAT chunk shown by its first lines: how many more there were.
    case chunkMoreLines(count: Int)
    /// Raw bytes shown by their first lines: how many more there were.
    case rawMoreLines(count: Int, octets: Int)
    /// 220 to STARTTLS: the handshake starts.
    case tlsStarting
    /// TLS is up after STARTTLS: what the server said before no longer holds.
    case sendEHLOAgain
    /// 220 to XCLIENT: the server starts the session again for the client it names.
    case xclientAccepted
    /// The server closed the connection (after 221 or 421, as expected; or on its own).
    case closedByServer
    /// smtpsh closed the connection.
    case closedLocally
    /// LMTP: the reply after the message is for this recipient (RFC 2033, 4.2).
    case deliveryFor(recipient: String)
    /// LMTP: every recipient of the message got its reply: how many were delivered.
    case deliveriesCounted(delivered: Int, of: Int)

    public enum Severity: Hashable, Sendable {
        case note
        case warning
        case error
    }

    public var severity: Severity {
        switch self {
        case .advice, .violation, .unsolicitedReply, .unexpectedCode, .notAReply, .unfinishedLine, .endlessLine, .linesNotSent,
            .linesAfterEndNotSent, .dataRefusedLinesDropped, .authEndedLinesDropped, .chunkOverflow, .queueDropped, .rawBytes,
            .replyBeyondRawLines:
            .warning
        case .replyTimedOut, .replyNeverEnds, .serverNotReading, .connectionLost:
            .error
        case .greetingTimeoutTLSHint, .chunkFollows, .messageMoreLines, .chunkMoreLines, .rawMoreLines, .tlsStarting, .sendEHLOAgain, .closedByServer,
            .closedLocally, .deliveryFor, .xclientAccepted:
            .note
        case .deliveriesCounted(let delivered, let total):
            delivered == total ? .note : .warning
        }
    }

    /// A stable identifier (`--json`'s `id`), the same in every language and release.
    public var id: String {
        switch self {
        case .advice(let advice): "advice." + advice.key
        case .violation(let violation): "violation." + violation.key
        case .unsolicitedReply: "unsolicited-reply"
        case .unexpectedCode: "unexpected-code"
        case .notAReply: "not-a-reply"
        case .unfinishedLine: "unfinished-line"
        case .endlessLine: "endless-line"
        case .linesNotSent: "lines-not-sent"
        case .linesAfterEndNotSent: "lines-after-end-not-sent"
        case .dataRefusedLinesDropped: "data-refused-lines-dropped"
        case .authEndedLinesDropped: "auth-ended-lines-dropped"
        case .chunkOverflow: "chunk-overflow"
        case .queueDropped: "queue-dropped"
        case .rawBytes: "raw-bytes"
        case .replyBeyondRawLines: "reply-beyond-raw-lines"
        case .xclientAccepted: "xclient-accepted"
        case .replyTimedOut: "reply-timed-out"
        case .replyNeverEnds: "reply-never-ends"
        case .serverNotReading: "server-not-reading"
        case .connectionLost: "connection-lost"
        case .greetingTimeoutTLSHint: "greeting-timeout-tls-hint"
        case .chunkFollows: "chunk-follows"
        case .messageMoreLines: "message-more-lines"
        case .chunkMoreLines: "chunk-more-lines"
        case .rawMoreLines: "raw-more-lines"
        case .tlsStarting: "tls-starting"
        case .sendEHLOAgain: "send-ehlo-again"
        case .closedByServer: "closed-by-server"
        case .closedLocally: "closed-locally"
        case .deliveryFor: "lmtp-delivery-for"
        case .deliveriesCounted: "lmtp-deliveries-counted"
        }
    }
}

extension ProtocolViolation {
    /// A stable key (``ClientNotice/id``).
    public var key: String {
        switch self {
        case .codeChanged: "code-changed"
        case .lineWithoutCode: "line-without-code"
        case .lineTooLong: "line-too-long"
        case .tooManyLines: "too-many-lines"
        case .bareLineFeed: "bare-lf"
        }
    }
}
