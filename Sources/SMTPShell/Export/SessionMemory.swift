import SMTPCatalog
import SMTPClient
import SMTPCore

/// The session so far, kept in memory for `:export` when nothing writes it down (no
/// `--record`, `:record` or `--json FILE`): what was sent, each reply with its latency, smtpsh's
/// notes and the TLS handshake's facts, secrets already redacted.
///
/// Memory stays bounded: of each message only its first lines (as many as an export shows)
/// and its lone dot are kept, the others counted (lines and octets, so that a size refusal is
/// still explained with the size sent); and past ``limit`` octets in all, nothing more is kept
/// and the export says where it stops. Fed by ``TranscriptSinks`` under its lock.
struct SessionMemory {
    enum Event {
        case sent(SessionTimeline.Sent.Kind, text: String, tls: Bool)
        /// One message (or BDAT chunk) so far: its first lines, then the count of the others.
        case message(lines: [String], omitted: Int, omittedOctets: UInt64, tls: Bool)
        case reply(lines: [String], tls: Bool, latency: Double?)
        case tls(SessionTimeline.TLSFacts)
        case note(String, warning: Bool)
    }

    /// What the export's summary says of the session: the server, when it started, TLS.
    var facts = SessionTimeline.Facts(source: "session")
    private(set) var events: [Event] = []
    /// About how much the events hold (their text, and a little for each).
    private(set) var octets = 0
    /// Something was left out past ``limit``.
    private(set) var cut = false

    /// The most kept, in octets of text: a thousand-message pipelined session takes about 1 MiB.
    static let limit = 8 << 20
    /// What each event costs besides its text (the enum, the string's storage).
    private static let overhead = 48

    /// Keeps an event, unless the limit is reached.
    private mutating func keep(_ event: Event, size: Int) {
        guard !cut else { return }
        guard octets + size + Self.overhead <= Self.limit else {
            cut = true
            return
        }
        octets += size + Self.overhead
        events.append(event)
    }

    /// A line sent, as shown; a secret is redacted here whatever the screen showed
    /// (`--show-secrets`).
    mutating func sent(_ line: ClientStateMachine.SentLine) {
        switch line.kind {
        case .command:
            let text = Redaction.commandLine(line.text)
            keep(.sent(.command, text: text, tls: line.tls), size: text.utf8.count)
        case .raw:
            let text = SessionScript.rawMarker + line.text
            keep(.sent(.command, text: text, tls: line.tls), size: text.utf8.count)
        case .saslResponse:
            keep(.sent(.sasl, text: Redaction.mask, tls: line.tls), size: Redaction.mask.utf8.count)
        case .messageLine:
            let size = line.text.utf8.count
            if !cut, case .message(var lines, var omitted, var omittedOctets, let tls)? = events.last, lines.last != "." {
                if lines.count < SessionTimeline.shownMessageLines || line.text == "." {
                    guard octets + size + Self.overhead <= Self.limit else {
                        cut = true
                        return
                    }
                    octets += size + Self.overhead
                    lines.append(line.text)
                } else {
                    omitted += 1
                    omittedOctets += SessionExplainer.sizeOctets(ofSentMessageLine: line.text)
                }
                events[events.count - 1] = .message(lines: lines, omitted: omitted, omittedOctets: omittedOctets, tls: tls)
            } else {
                keep(.message(lines: [line.text], omitted: 0, omittedOctets: 0, tls: line.tls), size: size)
            }
        }
    }

    /// A whole reply, its lines escaped as on screen.
    mutating func reply(_ reply: Reply, tls: Bool, latency: Double?) {
        let lines = reply.lines.map { VisibleText.escape($0.bytes) }
        keep(.reply(lines: lines, tls: tls, latency: latency), size: lines.reduce(0) { $0 + $1.utf8.count + 16 })
    }

    /// smtpsh's note, warning or error. The server recognised is left out: the export
    /// recognises it again, from the replies.
    mutating func note(_ remark: Remark) {
        guard remark.id != "server-recognised" else { return }
        keep(.note(remark.text, warning: remark.severity != .note), size: remark.text.utf8.count)
    }

    mutating func tls(_ report: TLSReport) {
        let facts = SessionTimeline.TLSFacts(
            version: report.protocolVersion, cipher: report.cipher, subject: report.chain.first?.subject,
            issuer: report.chain.first?.issuer, verification: report.problem.map(TLSReportText.problemID) ?? "trusted")
        keep(.tls(facts), size: 256)
    }

    /// The session so far as ``SessionTimeline`` reads a file: each reply explained for the
    /// command it answered (``TimelineBuilder``).
    func timeline(languages: [Language]) -> SessionTimeline {
        var builder = TimelineBuilder(languages: languages)
        builder.facts = facts
        for event in events {
            switch event {
            case .sent(let kind, let text, let tls): builder.sent(kind, lines: [text], tls: tls)
            case .message(let lines, let omitted, let omittedOctets, let tls):
                builder.sent(.message, lines: lines, tls: tls, omitted: omitted, omittedOctets: omittedOctets)
            case .reply(let lines, let tls, let latency): builder.reply(lines, tls: tls, latency: latency)
            case .tls(let facts): builder.tlsStarted(facts)
            case .note(let text, let warning): builder.note(text, warning: warning)
            }
        }
        if cut {
            builder.note(Catalog.shared.message("export-memory-cut", in: languages.first ?? .en), warning: true)
        }
        return builder.finish()
    }
}
