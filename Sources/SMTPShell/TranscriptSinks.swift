#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Where a session's transcript is written as it goes: the recording (`--record FILE`,
/// `:record FILE`) and the JSON events (`--json FILE|-`). Each line is written with one
/// write(2) the moment it happens: if smtpsh is killed, the file holds everything up to then.
/// Secrets are already redacted in what the session reports (unless --show-secrets).
final class TranscriptSinks: @unchecked Sendable {
    private let lock = Locked(())
    private var recorder: TranscriptFile?
    private var json: TranscriptFile?
    /// Set once the connection is up (for the header of a recording started later).
    private var context = RecordingContext()
    /// The session so far, for `:export` when nothing above writes it down.
    private var memory = SessionMemory()

    init() {
        memory.facts.started = Self.isoTime(Int64(Date().timeIntervalSince1970))
        memory.facts.version = SMTPShellVersion.current
    }

    /// What ``SessionMemory`` kept of the session so far.
    var sessionSoFar: SessionMemory { lock.withLock { _ in memory } }

    struct RecordingContext {
        var server = ""
        var tls = "none"
        var connectedTo: String?
        /// `lmtp` for an LMTP session (`--lmtp`): a replay then awaits one reply per recipient.
        var protocolName: String?
    }

    func setServer(_ server: String, tls: String, protocolName: String? = nil) {
        lock.withLock { _ in
            context.server = server
            context.tls = tls
            context.protocolName = protocolName
            memory.facts.server = server
            memory.facts.tlsMode = tls
        }
    }

    var isRecording: Bool { lock.withLock { _ in recorder != nil } }
    /// Whether `--json` events are written (each reply's then carries its explanation).
    var writesJSON: Bool { lock.withLock { _ in json != nil } }
    var recordingPath: String? { lock.withLock { _ in recorder?.path } }
    /// The file of `--json` events (`-` for standard output), if any.
    var jsonPath: String? { lock.withLock { _ in json?.path } }

    /// Starts a recording. An existing file is kept unless `replace` (`--force`): a recording
    /// is often the baseline a replay compares with. The header says what, where and when.
    func startRecording(_ path: String, tlsActive: Bool = false, replace: Bool = false, existsMessage: String = "record-exists")
        throws(ShellError)
    {
        let file = try TranscriptFile(path: path, replace: replace, existsMessage: existsMessage)
        return lock.withLock { _ in
            recorder?.close()
            recorder = file
            let now = Int64(Date().timeIntervalSince1970)
            file.write("# smtpsh session")
            file.write("# smtpsh-version: \(SMTPShellVersion.current)")
            file.write("# server: \(context.server)")
            file.write("# started: \(Self.isoTime(now))")
            file.write("# tls: \(tlsActive && context.tls == "none" ? "starttls" : context.tls)")
            if let name = context.protocolName { file.write("# protocol: \(name)") }
            file.write("")
        }
    }

    /// Stops the recording; returns its path.
    @discardableResult
    func stopRecording() -> String? {
        return lock.withLock { _ in
            let path = recorder?.path
            recorder?.close()
            recorder = nil
            return path
        }
    }

    func startJSON(_ path: String) throws(ShellError) {
        let file = try path == "-" ? TranscriptFile(descriptor: STDOUT_FILENO) : TranscriptFile(path: path)
        lock.withLock { _ in json = file }
    }

    /// Lines gathered during ``batch(_:)``, written together at its end.
    private var batchedRecording: [String]?
    private var batchedJSON: [String]?

    /// Writes what `body` records in one write(2) per file (what one read from the socket
    /// brought: thousands of lines of a long reply). A session killed halfway still leaves
    /// everything up to the last batch.
    func batch(_ body: () -> Void) {
        lock.withLock { _ in
            batchedRecording = recorder == nil ? nil : []
            batchedJSON = json == nil ? nil : []
        }
        body()
        lock.withLock { _ in
            if let lines = batchedRecording, !lines.isEmpty { recorder?.write(lines.joined(separator: "\n")) }
            if let lines = batchedJSON, !lines.isEmpty { json?.write(lines.joined(separator: "\n")) }
            batchedRecording = nil
            batchedJSON = nil
        }
    }

    /// A line of the recording and a JSON event (lock held): now, or at the batch's end.
    private func write(recording: String?, json event: String?) {
        if let recording, recorder != nil {
            if batchedRecording != nil { batchedRecording!.append(recording) } else { recorder?.write(recording) }
        }
        if let event, json != nil {
            if batchedJSON != nil { batchedJSON!.append(event) } else { json?.write(event) }
        }
    }

    /// A remark outside the session's events (connection progress), or one of them.
    func record(_ remark: Remark) {
        lock.withLock { _ in
            memory.note(remark)
            write(
                recording: (remark.severity == .note ? "=== " : "*** ") + VisibleText.escape(remark.text),
                json: json == nil ? nil : Self.json(remark))
        }
    }

    /// A line sent, as shown (secrets redacted); every line of a message, even those the
    /// screen leaves out.
    func sent(_ line: ClientStateMachine.SentLine) {
        lock.withLock { _ in
            memory.sent(line)
            // Raw bytes: `:raw` and their notation, which a replay sends again as they were.
            let text = line.kind == .raw ? SessionScript.rawMarker + line.text : Self.recordable(line.text)
            write(recording: (line.tls ? " ~> " : " -> ") + text, json: json == nil ? nil : Self.json(line))
        }
    }

    /// A line received, as it came (escaped).
    func received(_ line: ReplyLine, tls: Bool) {
        lock.withLock { _ in
            guard recorder != nil else { return }
            write(recording: (tls ? "<~  " : "<-  ") + VisibleText.escape(line.bytes), json: nil)
        }
    }

    /// A whole reply (kept in memory and in `--json`: its lines are in the recording already), with the
    /// session's explanation of it (for the command it answers), else one by its codes.
    func reply(_ reply: Reply, tls: Bool, latency: Double?, explanation: Explanation? = nil, languages: [Language] = [.en]) {
        lock.withLock { _ in
            memory.reply(reply, tls: tls, latency: latency)
            guard json != nil else { return }
            write(recording: nil, json: Self.json(reply, tls: tls, latency: latency, explanation: explanation, languages: languages))
        }
    }

    /// The TLS handshake's report: its lines in the recording, its facts in `--json`.
    func tls(_ report: TLSReport, lines: [String]) {
        lock.withLock { _ in
            memory.tls(report)
            for line in lines { write(recording: "=== " + VisibleText.escape(line), json: nil) }
            write(recording: nil, json: json == nil ? nil : Self.json(report, lines: lines))
        }
    }

    func closeAll() {
        return lock.withLock { _ in
            recorder?.close()
            json?.close()
            recorder = nil
            json = nil
        }
    }

    /// A sent line as typed (tabs included, so that a replay sends the same), with only the
    /// control characters that would break the file or a terminal showing it escaped.
    static func recordable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F {
                out += VisibleText.escape(String(scalar))
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: - JSON lines

    /// The `time` field every JSON event starts with.
    static func timeField(now: Double = Date().timeIntervalSince1970) -> (String, JSONValue) {
        ("time", .string(isoTime(Int64(now), milliseconds: Int((now * 1000).truncatingRemainder(dividingBy: 1000)))))
    }

    /// The JSON events, one object per line, the fields in a fixed order (Docs/session-format.md).
    static func json(_ line: ClientStateMachine.SentLine) -> String {
        let kind = switch line.kind {
        case .command: "command"
        case .messageLine: "message"
        case .saslResponse: "sasl"
        case .raw: "raw"
        }
        return JSONValue.object([
            timeField(), ("event", .string("sent")), ("tls", .bool(line.tls)), ("kind", .string(kind)), ("text", .string(line.text)),
        ]).text
    }

    static func json(_ reply: Reply, tls: Bool, latency: Double?, explanation: Explanation? = nil, languages: [Language] = [.en]) -> String {
        var fields: [(String, JSONValue)] = [
            timeField(), ("event", .string("reply")), ("tls", .bool(tls)), ("code", .number(Double(reply.code.rawValue))),
            ("enhanced", reply.enhancedStatusCode.map { .string($0.description) } ?? .null),
            ("lines", .array(reply.lines.map { .string(String(decoding: $0.bytes, as: UTF8.self)) })),
        ]
        if reply.omittedLineCount > 0 { fields.append(("omitted_lines", .number(Double(reply.omittedLineCount)))) }
        fields.append(("latency_ms", latency.map { .number(($0 * 1000).rounded() / 1000) } ?? .null))
        // The explanation's fields follow, written after the others (the same as `smtpsh explain --json`).
        var out: [UInt8] = []
        JSONValue.object(fields).write(into: &out)
        out.removeLast()
        out.append(UInt8(ascii: ","))
        writeExplanationFields(explanation ?? Catalog.shared.explain(reply), languages: languages, into: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A note, warning or error: its stable id, its parameters, and its text in the user's language.
    static func json(_ remark: Remark) -> String {
        let event = switch remark.severity {
        case .note: "note"
        case .warning: "warning"
        case .error: "error"
        }
        return JSONValue.object([
            timeField(), ("event", .string(event)), ("id", .string(remark.id)),
            ("parameters", .object(remark.parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("text", .string(remark.text)),
        ]).text
    }

    static func json(_ report: TLSReport, lines: [String]) -> String {
        let verification: JSONValue = report.problem.map { .string(TLSReportText.problemID($0)) } ?? .string("trusted")
        return JSONValue.object([
            timeField(), ("event", .string("tls")), ("id", .string("tls-established")), ("version", .string(report.protocolVersion)),
            ("cipher", report.cipher.map(JSONValue.string) ?? .null), ("server", report.serverName.map(JSONValue.string) ?? .null),
            ("subject", report.chain.first.map { .string($0.subject) } ?? .null),
            ("issuer", report.chain.first.map { .string($0.issuer) } ?? .null),
            ("verification", verification), ("text", .array(lines.map(JSONValue.string))),
        ]).text
    }

    /// What a reply's explanation adds to its JSON event, and what `smtpsh explain --json`
    /// writes for each reply (Docs/session-format.md, Docs/catalog.md): the command answered,
    /// the vendor recognised by the text, the keys used (most specific first), the category,
    /// the retry advice, who acts, the source, the server recognised by this reply (once), and
    /// the texts in each language asked for.
    static func writeExplanationFields(_ explanation: Explanation, languages: [Language], into out: inout [UInt8]) {
        // Written straight as bytes, not as a JSONValue tree: `smtpsh explain --json` writes
        // a hundred thousand of these for a mail log.
        func key(_ name: String, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        func string(_ value: String?) {
            if let value { JSONValue.writeQuoted(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func strings(_ values: [String]) {
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeQuoted(value, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        let value = explanation.classification
        key("command", first: true)
        string(explanation.command)
        key("vendor")
        string(explanation.vendor)
        key("explanation")
        strings(explanation.keys)
        key("category")
        string(value.category.rawValue)
        key("retry")
        string(value.retry.rawValue)
        key("acts")
        strings(value.acts.map(\.rawValue))
        key("source")
        string(explanation.source)
        if let server = explanation.server {
            key("server")
            out.append(UInt8(ascii: "{"))
            key("vendor", first: true)
            string(server.vendor)
            key("name")
            string(server.name)
            out.append(UInt8(ascii: "}"))
        }
        key("texts")
        out.append(UInt8(ascii: "{"))
        for (index, language) in languages.enumerated() {
            key(language.rawValue, first: index == 0)
            out.append(UInt8(ascii: "["))
            var firstPart = true
            for part in explanation.parts {
                guard let meaning = part.meaning[language] else { continue }
                if !firstPart { out.append(UInt8(ascii: ",")) }
                firstPart = false
                out.append(UInt8(ascii: "{"))
                key("key", first: true)
                string(part.key)
                key("label")
                string(part.label)
                key("meaning")
                string(meaning)
                if let cause = part.cause[language] {
                    key("cause")
                    string(cause)
                }
                if let hint = part.hint[language] {
                    key("hint")
                    string(hint)
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "}".utf8)
    }

    /// `2026-11-22T14:03:11Z` (or with `.123` milliseconds).
    static func isoTime(_ seconds: Int64, milliseconds: Int? = nil) -> String {
        let text = UTCTime(secondsSince1970: seconds).isoTime
        guard let milliseconds else { return text }
        return text.dropLast() + "." + (milliseconds < 10 ? "00" : milliseconds < 100 ? "0" : "") + String(milliseconds) + "Z"
    }
}
