import SMTPCatalog
import SMTPClient
import SMTPCore

/// Shows a session as it goes: each event on the screen (through `output`: above the prompt
/// or on standard output), in the recording and in `--json` (``TranscriptSinks``), with the
/// explanation under each reply (``SessionExplainer``) and what a lesson says after it.
///
/// ```
///  -> RCPT TO:<bob@example.org>                          sent (shown when it waited, or in a script)
/// <-  550 5.1.1 no such user  (0.7 ms)                   received
/// *** …                                                  what is wrong with the reply
///       5.1.1  Bad destination mailbox: …                explanation
/// ```
///
/// Called on the session's event loop, in order; what one input produced is written in one
/// call to `output` (one write(2)).
final class TranscriptPresenter: SessionObserver, @unchecked Sendable {
    let renderer: Renderer
    let explainer: SessionExplainer
    let sinks: TranscriptSinks
    let output: @Sendable (String) -> Void
    /// Without a terminal, every line sent is shown (a transcript); at a prompt a typed line
    /// is on the screen already, and only the lines smtpsh sent itself, or that waited, are.
    let echoSentLines: Bool
    /// After a reply's explanation: a lesson's words (`smtpsh learn`).
    let lesson: LessonGuide?
    /// `--quiet`: errors are written here (standard error) as they happen; the rest of the
    /// transcript is not shown.
    let errorOutput: (@Sendable (String) -> Void)?
    /// `--show-secrets`: what the base64 of an AUTH line says is shown under it.
    let decodesAuth: Bool
    /// A lesson's words after STARTTLS's 220, held until the handshake's report is shown.
    /// Touched only on the session's event loop, in order (as every call here is).
    private var afterHandshake: [String] = []

    init(
        renderer: Renderer, explainer: SessionExplainer, sinks: TranscriptSinks, echoSentLines: Bool, lesson: LessonGuide? = nil,
        errorOutput: (@Sendable (String) -> Void)? = nil, decodesAuth: Bool = false, output: @escaping @Sendable (String) -> Void
    ) {
        self.errorOutput = errorOutput
        self.decodesAuth = decodesAuth
        self.renderer = renderer
        self.explainer = explainer
        self.sinks = sinks
        self.echoSentLines = echoSentLines
        self.lesson = lesson
        self.output = output
    }

    func session(_ events: [SessionEvent], state: SessionStateMachine) {
        var lines: [String] = []
        sinks.batch { present(events, into: &lines) }
        if !lines.isEmpty { output(lines.joined(separator: "\n")) }
    }

    private func present(_ events: [SessionEvent], into lines: inout [String]) {
        for event in events {
            switch event {
            case .sent(let line):
                sinks.sent(line)
                explainer.observe(line)
                if !line.beyondShown && (echoSentLines || line.waited || line.automatic) {
                    lines.append(line.kind == .raw ? renderer.sentRaw(line.text, tls: line.tls) : renderer.sent(line.text, tls: line.tls))
                }
                if decodesAuth, let decoded = Self.decodedAuthPayload(line) {
                    // On the screen only: not recorded, not in --json, not kept for :export.
                    lines.append(renderer.note(Words["session-sasl-decoded", ["text": decoded]]))
                }
            case .receivedLine(let line, let tls, let latency):
                sinks.received(line, tls: tls)
                lines.append(renderer.received(line, tls: tls, latency: latency))
            case .reply(let reply, let outcome, let tls, let latency, let notices):
                let explained = explainer.explain(reply, outcome: outcome, tls: tls, forJSON: sinks.writesJSON)
                sinks.reply(reply, tls: tls, latency: latency, explanation: explained.explanation, languages: explainer.languages)
                lesson?.replyReceived(tls: tls)
                for notice in notices { lines.append(say(notice.remark)) }
                if let server = explained.recognised {
                    lines.append(say(Remark(.note, id: "server-recognised", parameters: ["server": server.vendor], text: explainer.server(described: server))))
                }
                lines += explained.lines
                let lessonLines = lesson?.lines(for: reply, outcome: outcome) ?? []
                if outcome.phaseAfter == .tlsNegotiating && outcome.phaseBefore != .tlsNegotiating {
                    // STARTTLS's 220: the lesson's next step comes after the handshake's report,
                    // not between the 220 and it (the teacher's P29).
                    afterHandshake += lessonLines
                } else {
                    lines += lessonLines
                }
            case .notice(let notice):
                lines.append(say(notice.remark))
            case .tlsEstablished(let report):
                let text = TLSReportText.lines(report)
                sinks.tls(report, lines: text)
                lines += text.map(renderer.note)
                lines += afterHandshake
                afterHandshake = []
            case .tlsFailed(let failure):
                lines.append(say(Remark(.error, id: "tls-failed", parameters: failure.message.parameters, text: failure.message.text)))
                for line in TLSReportText.refusal(failure) { lines.append(say(Remark(.note, id: "tls-refusal", parameters: [:], text: line))) }
                lines += afterHandshake
                afterHandshake = []
            case .remark(let remark):
                lines.append(say(remark))
            }
        }
    }

    /// With `--show-secrets`, what the base64 of an AUTH line says (`AUTH PLAIN AHN0…` →
    /// `\0student\0practice`): the lesson that base64 hides nothing, shown. `nil` when the line
    /// is redacted (the default), is not base64, or is no AUTH payload.
    static func decodedAuthPayload(_ line: ClientStateMachine.SentLine) -> String? {
        let payload: Substring
        switch line.kind {
        case .saslResponse:
            payload = Substring(line.text)
        case .command:
            guard let response = Redaction.initialResponse(ofAuthLine: line.text) else { return nil }
            payload = response
        case .messageLine, .raw:
            return nil
        }
        guard payload != Substring(Redaction.mask), payload != "=", let bytes = Base64.decode(Array(payload.utf8)), !bytes.isEmpty else {
            return nil
        }
        return VisibleText.escape(bytes)
    }

    /// Records a remark and returns its line for the screen.
    private func say(_ remark: Remark) -> String {
        sinks.record(remark)
        return switch remark.severity {
        case .note: renderer.note(remark.text)
        case .warning: renderer.warning(remark.text)
        case .error: error(renderer.error(remark.text))
        }
    }

    private func error(_ line: String) -> String {
        errorOutput?(line)
        return line
    }
}
