import SMTPCore

/// What a client session reports, in order, on its event loop: every line sent and
/// received, every reply, what the client says of them (typed, with stable ids), TLS, and
/// what the caller asked to say in the transcript. The presentation (the screen, the
/// recording, `--json`) is made of these; the session itself words nothing.
public enum SessionEvent: Sendable {
    case sent(ClientStateMachine.SentLine)
    /// A line of a reply as it arrives; the first line of a reply carries the latency (ms).
    case receivedLine(ReplyLine, tls: Bool, latency: Double?)
    /// A whole reply, what it did to the session, its latency (ms), and what is wrong with it.
    case reply(Reply, outcome: SessionStateMachine.Outcome, tls: Bool, latency: Double?, notices: [ClientNotice])
    case notice(ClientNotice)
    /// The TLS handshake is done: what it established.
    case tlsEstablished(TLSReport)
    /// TLS could not be set up, or broke.
    case tlsFailed(TLSFailure)
    /// Something the caller says in the transcript, in order with the rest (a macro's stop,
    /// a replay's difference): already worded, with its stable id and parameters.
    case remark(Remark)

    init(_ event: ClientStateMachine.Event) {
        switch event {
        case .sent(let line): self = .sent(line)
        case .receivedLine(let line, let tls, let latency): self = .receivedLine(line, tls: tls, latency: latency)
        case .reply(let reply, let outcome, let tls, let latency, let notices):
            self = .reply(reply, outcome: outcome, tls: tls, latency: latency, notices: notices)
        case .notice(let notice): self = .notice(notice)
        }
    }
}
