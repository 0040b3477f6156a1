import SMTPCatalog
import SMTPClient
import SMTPCore

/// How a session ends, for every mode (the prompt, a script, `smtpsh send`, a replay): one
/// way to leave, and one order for the exit status (Docs/exit-status.md).
enum SessionEnding {
    /// Leaves from the client's side: QUIT when the session can still take a command (shown
    /// as sent when `shown`), its 221 awaited a few seconds; in the middle of a message or an
    /// AUTH, said, and closed without QUIT. Then the close and its report.
    /// `midWarning` names the catalogue message that says why the session is left in the
    /// middle of something (the file or the input ended there); it takes `{command}`.
    static func leave(_ session: ClientSession, shown: Bool, midWarning: String = "session-leaving-mid") {
        if !session.isClosed && session.state.phase != .closed {
            let mode = session.inputMode
            if mode == .command {
                session.submit("QUIT", shown: shown)
                _ = session.waitUntilSettled(limit: min(session.options.replyTimeout, 5))
            } else {
                session.warn(midWarning, ["command": Self.unfinished(mode)])
            }
        }
        session.close()
        session.waitUntilClosed(limit: 2)
    }

    /// What a session left in the middle of is in: DATA, BDAT's chunk or AUTH.
    static func unfinished(_ mode: SessionStateMachine.InputMode) -> String {
        switch mode {
        case .messageBody: "DATA"
        case .chunkData: "BDAT"
        case .saslResponse, .command: "AUTH"
        }
    }

    /// The exit status, in one order whatever the mode: TLS (7, 8), a timeout (5), the
    /// connection lost (6), credentials withheld or a local command that failed (18, 9),
    /// the mode's own verdict (`smtpsh send`'s stage, a replay's differences), a negative
    /// reply (1, when the mode counts them: a script), else 0.
    static func status(of session: ClientSession, local: ExitStatus? = nil, verdict: ExitStatus? = nil, countNegativeReplies: Bool) -> ExitStatus {
        if let tls = session.tlsFailureStatus { return tls }
        if session.hasTimedOut { return .timedOut }
        if session.closedByServerUnexpectedly { return .connectionLost }
        if let local { return local }
        if let verdict { return verdict }
        if countNegativeReplies && !session.negativeReplies.isEmpty { return .negativeReply }
        return .success
    }
}
