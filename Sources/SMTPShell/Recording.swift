#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOConcurrencyHelpers
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Where a session's transcript is written as it goes: the recording (`--record FILE`,
/// `:record FILE`) and the JSON events (`--json FILE|-`). Each line is written with one
/// write(2) the moment it happens: if smtpsh is killed, the file holds everything up to then.
/// Secrets are already redacted in what the session reports (unless --show-secrets).
final class TranscriptSinks: @unchecked Sendable {
    private let lock = NIOLock()
    private var recorder: TranscriptFile?
    private var json: TranscriptFile?
    /// A reply event waiting for its explanation (``replyExplained(_:_:languages:)``), and the
    /// warnings about it that came meanwhile: written together, in order.
    private var pendingReply: (event: ClientSession.TranscriptEvent, after: [ClientSession.TranscriptEvent])?
    /// Whether a ``SessionExplainer`` explains each reply for the JSON events (it knows the
    /// command answered); without one, a reply event is written at once, explained by its codes.
    var explainedBySession = false
    /// Set once the connection is up (for the header of a recording started later).
    private var context = RecordingContext()

    struct RecordingContext {
        var server = ""
        var tls = "none"
        var connectedTo: String?
    }

    func setServer(_ server: String, tls: String) {
        lock.withLock {
            context.server = server
            context.tls = tls
        }
    }

    var isRecording: Bool { lock.withLock { recorder != nil } }
    var recordingPath: String? { lock.withLock { recorder?.path } }

    /// Starts a recording (replacing the file). The header says what, where and when.
    func startRecording(_ path: String, tlsActive: Bool = false) throws(ShellError) {
        let file = try TranscriptFile(path: path)
        lock.lock()
        defer { lock.unlock() }
        recorder?.close()
        recorder = file
        let now = Int64(Date().timeIntervalSince1970)
        file.write("# smtpsh session")
        file.write("# smtpsh-version: \(SMTPShellVersion.current)")
        file.write("# server: \(context.server)")
        file.write("# started: \(Self.isoTime(now))")
        file.write("# tls: \(tlsActive && context.tls == "none" ? "starttls" : context.tls)")
        file.write("")
    }

    /// Stops the recording; returns its path.
    @discardableResult
    func stopRecording() -> String? {
        lock.lock()
        defer { lock.unlock() }
        let path = recorder?.path
        recorder?.close()
        recorder = nil
        return path
    }

    func startJSON(_ path: String) throws(ShellError) {
        let file = try path == "-" ? TranscriptFile(descriptor: STDOUT_FILENO) : TranscriptFile(path: path)
        lock.withLock { json = file }
    }

    /// A note written outside the session (connection progress).
    func note(_ text: String) {
        record(.note(text))
    }

    func record(_ event: ClientSession.TranscriptEvent) {
        lock.lock()
        defer { lock.unlock() }
        if json != nil && explainedBySession {
            // The reply event waits for the explanation, which comes right after the
            // session's warnings about that reply (under the session's lock, on this thread).
            switch event {
            case .reply:
                flushPendingReply()
                pendingReply = (event, [])
                writeRecording(event)
                return
            case .warning where pendingReply != nil, .error where pendingReply != nil:
                pendingReply?.after.append(event)
                writeRecording(event)
                return
            default:
                flushPendingReply()
            }
        }
        writeRecording(event)
        if let json {
            let text = Self.json(event)
            if !text.isEmpty { json.write(text) }
        }
    }

    /// The explanation of the reply just received (from ``SessionExplainer``): its JSON event
    /// is written now, with the explanation's fields, then the warnings held behind it.
    func replyExplained(_ reply: Reply, _ explanation: Explanation, languages: [Language]) {
        lock.lock()
        defer { lock.unlock() }
        guard let json, let pending = pendingReply, case .reply(let held, _, _) = pending.event, held == reply else { return }
        pendingReply = nil
        json.write(Self.json(pending.event, explanation: explanation, languages: languages))
        for event in pending.after {
            let text = Self.json(event)
            if !text.isEmpty { json.write(text) }
        }
    }

    /// A reply event with no explanation coming: written explained by its codes. Lock held.
    private func flushPendingReply() {
        guard let pending = pendingReply, let json else { return }
        pendingReply = nil
        json.write(Self.json(pending.event))
        for event in pending.after {
            let text = Self.json(event)
            if !text.isEmpty { json.write(text) }
        }
    }

    /// The recording's lines for an event. Lock held.
    private func writeRecording(_ event: ClientSession.TranscriptEvent) {
        if let recorder {
            switch event {
            case .sent(let text, let tls, _): recorder.write((tls ? " ~> " : " -> ") + Self.recordable(text))
            case .receivedLine(let line, let tls): recorder.write((tls ? "<~  " : "<-  ") + VisibleText.escape(line.bytes))
            case .reply: break
            case .note(let text): recorder.write("=== " + VisibleText.escape(text))
            case .warning(let text), .error(let text): recorder.write("*** " + VisibleText.escape(text))
            }
        }
    }

    func closeAll() {
        lock.lock()
        defer { lock.unlock() }
        flushPendingReply()
        recorder?.close()
        json?.close()
        recorder = nil
        json = nil
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

    /// One JSON object per event, the fields in a fixed order (Docs/session-format.md).
    static func json(
        _ event: ClientSession.TranscriptEvent, explanation: Explanation? = nil, languages: [Language] = [.en],
        now: Double = Date().timeIntervalSince1970
    ) -> String {
        var fields: [(String, JSONValue)] = [("time", .string(isoTime(Int64(now), milliseconds: Int((now * 1000).truncatingRemainder(dividingBy: 1000)))))]
        switch event {
        case .sent(let text, let tls, let kind):
            let kindName = switch kind {
            case .command: "command"
            case .messageLine: "message"
            case .saslResponse: "sasl"
            }
            fields += [("event", .string("sent")), ("tls", .bool(tls)), ("kind", .string(kindName)), ("text", .string(text))]
        case .receivedLine:
            return ""
        case .reply(let reply, let tls, let latency):
            fields += [
                ("event", .string("reply")), ("tls", .bool(tls)), ("code", .number(Double(reply.code.rawValue))),
                ("enhanced", reply.enhancedStatusCode.map { .string($0.description) } ?? .null),
                ("lines", .array(reply.lines.map { .string(String(decoding: $0.bytes, as: UTF8.self)) })),
            ]
            if reply.omittedLineCount > 0 { fields.append(("omitted_lines", .number(Double(reply.omittedLineCount)))) }
            fields.append(("latency_ms", latency.map { .number(($0 * 1000).rounded() / 1000) } ?? .null))
            fields += explanationFields(explanation ?? Catalog.shared.explain(reply), languages: languages)
        case .note(let text):
            fields += [("event", .string("note")), ("text", .string(text))]
        case .warning(let text):
            fields += [("event", .string("warning")), ("text", .string(text))]
        case .error(let text):
            fields += [("event", .string("error")), ("text", .string(text))]
        }
        return JSONValue.object(fields).text
    }

    /// What a reply's explanation adds to its JSON event, and what `smtpsh explain --json`
    /// writes for each reply (Docs/session-format.md, Docs/catalog.md): the command answered,
    /// the vendor recognised by the text, the keys used (most specific first), the category,
    /// the retry advice, who acts, the source, the server recognised by this reply (once), and
    /// the texts in each language asked for.
    static func explanationFields(_ explanation: Explanation, languages: [Language]) -> [(String, JSONValue)] {
        let value = explanation.classification
        var fields: [(String, JSONValue)] = [
            ("command", explanation.command.map { .string($0) } ?? .null),
            ("vendor", explanation.vendor.map { .string($0) } ?? .null),
            ("explanation", .array(explanation.keys.map { .string($0) })),
            ("category", .string(value.category.rawValue)),
            ("retry", .string(value.retry.rawValue)),
            ("acts", .array(value.acts.map { .string($0.rawValue) })),
            ("source", explanation.source.map { .string($0) } ?? .null),
        ]
        if let server = explanation.server {
            fields.append(("server", .object([("vendor", .string(server.vendor)), ("name", .string(server.name))])))
        }
        var texts: [(String, JSONValue)] = []
        for language in languages {
            var parts: [JSONValue] = []
            for part in explanation.parts {
                guard let meaning = part.meaning[language] else { continue }
                var item: [(String, JSONValue)] = [
                    ("key", part.key.map { .string($0) } ?? .null), ("label", .string(part.label)), ("meaning", .string(meaning)),
                ]
                if let cause = part.cause[language] { item.append(("cause", .string(cause))) }
                if let hint = part.hint[language] { item.append(("hint", .string(hint))) }
                parts.append(.object(item))
            }
            texts.append((language.rawValue, .array(parts)))
        }
        fields.append(("texts", .object(texts)))
        return fields
    }

    /// `2026-11-22T14:03:11Z` (or with `.123` milliseconds).
    static func isoTime(_ seconds: Int64, milliseconds: Int? = nil) -> String {
        let text = UTCTime(secondsSince1970: seconds).isoTime
        guard let milliseconds else { return text }
        return text.dropLast() + "." + (milliseconds < 10 ? "00" : milliseconds < 100 ? "0" : "") + String(milliseconds) + "Z"
    }
}

/// A file written line by line with write(2), created 0600 (it may hold what a server said
/// about a user); or standard output.
final class TranscriptFile: @unchecked Sendable {
    let path: String
    private var descriptor: Int32
    private let owned: Bool

    init(path: String) throws(ShellError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ShellError(Words["record-cannot-open", ["file": VisibleTextShort.of(path), "error": String(cString: strerror(errno))]], status: .usage)
        }
        // An existing file keeps its mode through O_CREAT: make it private too.
        _ = fchmod(fd, 0o600)
        self.path = path
        descriptor = fd
        owned = true
    }

    init(descriptor: Int32) {
        path = "-"
        self.descriptor = descriptor
        owned = false
    }

    func write(_ line: String) {
        guard descriptor >= 0 else { return }
        if owned {
            _ = Console.writeAll(Array((line + "\n").utf8), to: descriptor)
        } else {
            Console.write(line + "\n", to: descriptor)
        }
    }

    func close() {
        if owned && descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}

/// Just enough JSON to write events (RFC 8259): strings escaped, numbers without exponent.
enum JSONValue {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    var text: String {
        switch self {
        case .string(let value): return Self.quoted(value)
        case .number(let value):
            if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.map { Self.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
