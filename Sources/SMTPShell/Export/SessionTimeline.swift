#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// A session read back for `smtpsh export`: what the client sent and what the server replied,
/// in order, each reply with what it answered, its latency (when the file has it) and its
/// explanation; smtpsh's notes and the moment TLS started. Read from a recording (or any file
/// `smtpsh replay` reads: a swaks transcript, a telnet paste) or from `--json` events.
///
/// Secrets stay out: an AUTH's initial response and every answer to a 334 challenge are
/// `********` here whatever the file holds (a swaks transcript carries them in base64).
struct SessionTimeline {
    /// What the file says about the session.
    struct Facts {
        var server: String?
        /// `2026-11-22T14:04:09Z`
        var started: String?
        var version: String?
        /// `none`, `starttls`, `implicit` (a recording's header).
        var tlsMode: String?
        /// The file's shape: `smtpsh`, `swaks`, `telnet`, `json`; `session` for what `:export` kept in memory.
        var source: String
    }

    enum Entry {
        case sent(Sent)
        case reply(ReplyEntry)
        /// smtpsh's note (`=== `) or warning (`*** `).
        case note(String, warning: Bool)
        /// The lines after it go under TLS; with what the handshake report said (`--json`).
        case tlsStarted(TLSFacts?)
    }

    struct Sent {
        enum Kind: String { case command, message, sasl }
        var kind: Kind
        /// A command or SASL answer: one line; a message or BDAT chunk: all its lines.
        var lines: [String]
        var tls: Bool
        /// Sent before the reply to the command before it (PIPELINING).
        var pipelined = false
        /// The input's line where it starts (a file read back), for `smtpsh explain`.
        var line: Int?
        /// Lines of a message not kept (the session at the prompt keeps the first few of each,
        /// ``SessionMemory``): they count, but are not in ``lines``.
        var omitted = 0

        /// How many lines were sent, those not kept included.
        var lineCount: Int { lines.count + omitted }
    }

    struct ReplyEntry {
        /// The lines as the file has them, server bytes already made visible (`\x1B`).
        var lines: [String]
        var code: ReplyCode
        var tls: Bool
        /// Milliseconds, from `--json` events (a recording does not keep them).
        var latency: Double?
        /// The line it answers (`RCPT TO:<bob@example.org>`, `.` for the message, `********`);
        /// `nil` for the greeting and for a reply nobody asked for.
        var answered: String?
        var isGreeting = false
        var explanation: Explanation?
        /// The server, when this reply gave it away.
        var recognised: ServerRecognition?
        /// The input's line where it starts (a file read back), for `smtpsh explain`.
        var line: Int?
    }

    struct TLSFacts {
        var version: String?
        var cipher: String?
        var subject: String?
        var issuer: String?
        /// `trusted`, or the problem's id (`self-signed`…).
        var verification: String?
    }

    var facts: Facts
    var entries: [Entry]

    var replies: [ReplyEntry] {
        entries.compactMap { if case .reply(let reply) = $0 { reply } else { nil } }
    }

    /// The server recognised during the session, if any.
    var recognised: ServerRecognition? { replies.lazy.compactMap(\.recognised).first }

    /// The first reply that refused something (4xx or 5xx), if any.
    var firstRefusal: ReplyEntry? { replies.first { !$0.code.replyClass.isPositive } }

    /// What `smtpsh` would exit with had this session been a script (Docs/exit-status.md):
    /// 1 when a reply was negative, else 0.
    var scriptStatus: ExitStatus { firstRefusal == nil ? .success : .negativeReply }

    /// The first line of each sent message shown, before the rest is folded.
    static let shownMessageLines = 6
}

// MARK: - Reading

extension SessionTimeline {
    /// Reads a recording, a swaks transcript or a telnet paste (through the session-format
    /// parser), or `--json` events (a first line that starts with `{`).
    static func read(_ bytes: [UInt8], languages: [Language]) throws(ExportReadError) -> SessionTimeline {
        let firstByte = bytes.first { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }
        var reader = TimelineBuilder(languages: languages)
        if firstByte == UInt8(ascii: "{") {
            try reader.readJSON(bytes)
        } else {
            try reader.readScript(bytes)
        }
        return reader.finish()
    }
}

/// Why a file could not be read for export.
enum ExportReadError: Error {
    case script(SessionScriptError)
    /// A line of `--json` events that is not one (its line number).
    case json(line: Int)
}

/// Builds a ``SessionTimeline``: pairs each reply with the oldest line still waiting for one,
/// as the server answers (the same rule as Docs/session-format.md), and explains each reply
/// as the session did (``SessionExplainer``: the command answered, the server recognised).
struct TimelineBuilder {
    var facts = SessionTimeline.Facts(source: "smtpsh")
    private var entries: [SessionTimeline.Entry] = []
    private var waiting: [(pending: SessionStateMachine.Pending, shown: String)] = []
    private var greeted = false
    private var underTLS = false
    private var lastSentIndex: Int?
    private let explainer: SessionExplainer

    init(languages: [Language]) {
        explainer = SessionExplainer(mode: .full, languages: languages, renderer: Renderer(color: false), columns: { 100 })
    }

    func finish() -> SessionTimeline { SessionTimeline(facts: facts, entries: entries) }

    // MARK: Events, whatever the file

    mutating func note(_ text: String, warning: Bool) {
        entries.append(.note(text, warning: warning))
    }

    private mutating func tls(_ on: Bool, facts tlsFacts: SessionTimeline.TLSFacts? = nil) {
        guard on != underTLS else { return }
        underTLS = on
        if on { entries.append(.tlsStarted(tlsFacts)) }
    }

    /// TLS started here, with what the handshake report said.
    mutating func tlsStarted(_ facts: SessionTimeline.TLSFacts?) {
        underTLS = true
        entries.append(.tlsStarted(facts))
    }

    /// A command (or BDAT and its chunk), a whole message (its last line the lone dot), a SASL
    /// answer; from the input's `line`. A message may come with lines not kept (`omitted`,
    /// `omittedOctets`: the session at the prompt keeps only the first few).
    mutating func sent(
        _ kind: SessionTimeline.Sent.Kind, lines: [String], tls: Bool, line: Int? = nil, omitted: Int = 0, omittedOctets: UInt64 = 0
    ) {
        self.tls(tls)
        var lines = lines
        switch kind {
        case .command:
            if let first = lines.first { lines[0] = Redaction.commandLine(first) }
            let text = lines.first ?? ""
            let command = (try? CommandParser.parse(text)) ?? .raw(Array(text.utf8))
            explainer.observe(ClientStateMachine.SentLine(text: text, kind: .command, tls: tls, automatic: false, waited: false))
            waiting.append((.command(command), text))
        case .sasl:
            lines = lines.map { _ in Redaction.mask }
            waiting.append((.saslResponse, Redaction.mask))
        case .message:
            for line in lines {
                explainer.observe(ClientStateMachine.SentLine(text: line, kind: .messageLine, tls: tls, automatic: false, waited: false))
            }
            if omitted > 0 { explainer.observeMessageLines(omitted, octets: omittedOctets) }
            if lines.last == "." { waiting.append((.endOfData, ".")) }
        }
        let pipelined = kind == .command && waiting.count > 1
        // Message lines that come one event at a time (`--json`) make one entry.
        if kind == .message, let index = lastSentIndex, index == entries.count - 1,
            case .sent(var previous) = entries[index], previous.kind == .message, previous.lines.last != "."
        {
            previous.lines += lines
            previous.omitted += omitted
            entries[index] = .sent(previous)
            return
        }
        entries.append(.sent(SessionTimeline.Sent(kind: kind, lines: lines, tls: tls, pipelined: pipelined, line: line, omitted: omitted)))
        lastSentIndex = entries.count - 1
    }

    /// A whole reply, its lines as the file has them, from the input's `line`.
    mutating func reply(_ lines: [String], tls: Bool, latency: Double?, line: Int? = nil) {
        guard !lines.isEmpty else { return }
        self.tls(tls)
        var parser = ReplyParser()
        for line in lines { parser.append(Array(line.utf8) + [13, 10]) }
        guard let reply = parser.nextReply() else {
            note(lines.joined(separator: " "), warning: false)
            return
        }
        let answered: (pending: SessionStateMachine.Pending, shown: String)?
        var isGreeting = false
        if !greeted && waiting.isEmpty && !entries.contains(where: { if case .sent = $0 { true } else { false } }) {
            answered = (.greeting, "")
            isGreeting = true
        } else if !waiting.isEmpty {
            answered = waiting.removeFirst()
        } else {
            answered = nil
        }
        greeted = true
        // A 334 answers AUTH and asks for the next answer, which the file has as a SASL line.
        let explained = explainer.explain(reply, answering: answered?.pending, tls: tls, forJSON: true)
        entries.append(
            .reply(
                SessionTimeline.ReplyEntry(
                    lines: lines, code: reply.code, tls: tls, latency: latency, answered: isGreeting ? nil : answered?.shown,
                    isGreeting: isGreeting, explanation: explained.explanation, recognised: explained.recognised, line: line)))
    }

    // MARK: A session file

    mutating func readScript(_ bytes: [UInt8]) throws(ExportReadError) {
        let script: SessionScript
        do throws(SessionScriptError) {
            script = try SessionScriptParser.parse(bytes)
        } catch {
            throw ExportReadError.script(error)
        }
        facts.source = script.source.rawValue
        facts.server = script.headerValue("server")
        facts.started = script.headerValue("started")
        facts.version = script.headerValue("smtpsh-version")
        facts.tlsMode = script.headerValue("tls")
        if facts.tlsMode == "implicit" { tls(true) }
        // What the parser leaves out (notes, warnings) and which replies came under TLS, by line.
        let raw = TextLines.split(bytes)
        enum Event {
            case exchange(SessionScript.Exchange)
            case reply([String], tls: Bool, line: Int)
            case note(String, warning: Bool)
        }
        var events: [(line: Int, order: Int, event: Event)] = []
        for (index, line) in raw.enumerated() {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("=== ") || trimmed == "===" {
                events.append((index + 1, 0, .note(String(trimmed.dropFirst(4)), warning: false)))
            } else if trimmed.hasPrefix("*** ") || trimmed == "***" {
                events.append((index + 1, 0, .note(String(trimmed.dropFirst(4)), warning: true)))
            }
        }
        for exchange in script.exchanges {
            if exchange.kind != .unsolicited && exchange.kind != .greeting {
                events.append((exchange.line, 1, .exchange(exchange)))
            }
            if let expectation = exchange.expectation, !expectation.lines.isEmpty {
                let marker = raw.indices.contains(expectation.line - 1) ? raw[expectation.line - 1].drop(while: { $0 == " " }) : ""
                let tls = marker.hasPrefix("<~") || (exchange.tls && !marker.hasPrefix("<-") && !marker.hasPrefix("<**"))
                events.append((expectation.line, 2, .reply(expectation.lines, tls: tls, line: expectation.line)))
            }
        }
        events.sort { ($0.line, $0.order) < ($1.line, $1.order) }
        for item in events {
            switch item.event {
            case .note(let text, let warning): note(text, warning: warning)
            case .reply(let lines, let tls, let line): reply(lines, tls: tls, latency: nil, line: line)
            case .exchange(let exchange):
                let line = exchange.line
                switch exchange.kind {
                case .command(let text): sent(.command, lines: [text], tls: exchange.tls, line: line)
                case .message(let lines): sent(.message, lines: lines, tls: exchange.tls, line: line)
                case .chunk(let command, let lines):
                    sent(.command, lines: [command], tls: exchange.tls, line: line)
                    if !lines.isEmpty { sent(.message, lines: lines, tls: exchange.tls, line: line + 1) }
                case .saslResponse(let text): sent(.sasl, lines: [text], tls: exchange.tls, line: line)
                case .raw(let text): sent(.command, lines: [SessionScript.rawMarker + text], tls: exchange.tls, line: line)
                case .greeting, .unsolicited: break
                }
            }
        }
    }

    // MARK: --json events

    /// One `--json` event (Docs/session-format.md): only the fields export reads.
    private struct Event: Decodable {
        var time: String?
        var event: String
        var tls: Bool?
        var kind: String?
        var text: TextField?
        var lines: [String]?
        var latency_ms: Double?
        var version: String?
        var cipher: String?
        var subject: String?
        var issuer: String?
        var verification: String?
        var id: String?
        var parameters: [String: String]?

        /// `text` is a string, or the lines of the TLS report.
        enum TextField: Decodable {
            case line(String)
            case lines([String])
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let line = try? container.decode(String.self) {
                    self = .line(line)
                } else {
                    self = .lines(try container.decode([String].self))
                }
            }
            var joined: String {
                switch self {
                case .line(let line): line
                case .lines(let lines): lines.joined(separator: " ")
                }
            }
        }
    }

    mutating func readJSON(_ bytes: [UInt8]) throws(ExportReadError) {
        facts.source = "json"
        let decoder = JSONDecoder()
        var number = 0
        var pendingMessage: [String] = []
        var messageTLS = false
        func flushMessage(_ builder: inout TimelineBuilder) {
            if !pendingMessage.isEmpty { builder.sent(.message, lines: pendingMessage, tls: messageTLS) }
            pendingMessage = []
        }
        for line in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            guard line.contains(where: { $0 != 32 && $0 != 13 && $0 != 9 }) else { continue }
            let event: Event
            do {
                event = try decoder.decode(Event.self, from: Data(line))
            } catch {
                throw ExportReadError.json(line: number)
            }
            if facts.started == nil, let time = event.time { facts.started = String(time.prefix(19)) + "Z" }
            let tls = event.tls ?? false
            if event.event != "sent" || event.kind != "message" { flushMessage(&self) }
            switch event.event {
            case "sent":
                let text = event.text?.joined ?? ""
                switch event.kind {
                case "message":
                    messageTLS = tls
                    pendingMessage.append(text)
                    if text == "." { flushMessage(&self) }
                case "sasl": sent(.sasl, lines: [text], tls: tls)
                default: sent(.command, lines: [text], tls: tls)
                }
            case "reply":
                reply((event.lines ?? []).map(VisibleText.escape), tls: tls, latency: event.latency_ms)
            case "tls":
                tlsStarted(
                    SessionTimeline.TLSFacts(
                        version: event.version, cipher: event.cipher, subject: event.subject, issuer: event.issuer,
                        verification: event.verification))
            case "note", "warning", "error":
                if facts.server == nil, event.id == "connect-trying", let address = event.parameters?["address"] { facts.server = address }
                note(event.text?.joined ?? "", warning: event.event != "note")
            default:
                break
            }
        }
        flushMessage(&self)
    }
}
