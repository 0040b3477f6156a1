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
    /// Set once the connection is up (for the header of a recording started later).
    private var context = RecordingContext()

    struct RecordingContext {
        var server = ""
        var tls = "none"
        var connectedTo: String?
        /// `lmtp` for an LMTP session (`--lmtp`): a replay then awaits one reply per recipient.
        var protocolName: String?
    }

    func setServer(_ server: String, tls: String, protocolName: String? = nil) {
        lock.withLock {
            context.server = server
            context.tls = tls
            context.protocolName = protocolName
        }
    }

    var isRecording: Bool { lock.withLock { recorder != nil } }
    var recordingPath: String? { lock.withLock { recorder?.path } }

    /// Starts a recording. An existing file is kept unless `replace` (`--force`): a recording
    /// is often the baseline a replay compares with. The header says what, where and when.
    func startRecording(_ path: String, tlsActive: Bool = false, replace: Bool = false, existsMessage: String = "record-exists")
        throws(ShellError)
    {
        let file = try TranscriptFile(path: path, replace: replace, existsMessage: existsMessage)
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
        if let name = context.protocolName { file.write("# protocol: \(name)") }
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

    /// Lines gathered during ``batch(_:)``, written together at its end.
    private var batchedRecording: [String]?
    private var batchedJSON: [String]?

    /// Writes what `body` records in one write(2) per file (what one read from the socket
    /// brought: thousands of lines of a long reply). A session killed halfway still leaves
    /// everything up to the last batch.
    func batch(_ body: () -> Void) {
        lock.withLock {
            batchedRecording = recorder == nil ? nil : []
            batchedJSON = json == nil ? nil : []
        }
        body()
        lock.withLock {
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
        lock.withLock {
            write(
                recording: (remark.severity == .note ? "=== " : "*** ") + VisibleText.escape(remark.text),
                json: json == nil ? nil : Self.json(remark))
        }
    }

    /// A line sent, as shown (secrets redacted); every line of a message, even those the
    /// screen leaves out.
    func sent(_ line: ClientStateMachine.SentLine) {
        lock.withLock {
            write(recording: (line.tls ? " ~> " : " -> ") + Self.recordable(line.text), json: json == nil ? nil : Self.json(line))
        }
    }

    /// A line received, as it came (escaped).
    func received(_ line: ReplyLine, tls: Bool) {
        lock.withLock {
            guard recorder != nil else { return }
            write(recording: (tls ? "<~  " : "<-  ") + VisibleText.escape(line.bytes), json: nil)
        }
    }

    /// A whole reply (`--json` only: its lines are in the recording already).
    func reply(_ reply: Reply, tls: Bool, latency: Double?) {
        lock.withLock {
            guard json != nil else { return }
            write(recording: nil, json: Self.json(reply, tls: tls, latency: latency))
        }
    }

    /// The TLS handshake's report: its lines in the recording, its facts in `--json`.
    func tls(_ report: TLSReport, lines: [String]) {
        lock.withLock {
            for line in lines { write(recording: "=== " + VisibleText.escape(line), json: nil) }
            write(recording: nil, json: json == nil ? nil : Self.json(report, lines: lines))
        }
    }

    func closeAll() {
        lock.lock()
        defer { lock.unlock() }
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
        }
        return JSONValue.object([
            timeField(), ("event", .string("sent")), ("tls", .bool(line.tls)), ("kind", .string(kind)), ("text", .string(line.text)),
        ]).text
    }

    static func json(_ reply: Reply, tls: Bool, latency: Double?) -> String {
        var fields: [(String, JSONValue)] = [
            timeField(), ("event", .string("reply")), ("tls", .bool(tls)), ("code", .number(Double(reply.code.rawValue))),
            ("enhanced", reply.enhancedStatusCode.map { .string($0.description) } ?? .null),
            ("lines", .array(reply.lines.map { .string(String(decoding: $0.bytes, as: UTF8.self)) })),
        ]
        if reply.omittedLineCount > 0 { fields.append(("omitted_lines", .number(Double(reply.omittedLineCount)))) }
        fields.append(("latency_ms", latency.map { .number(($0 * 1000).rounded() / 1000) } ?? .null))
        fields.append(("explanation", .array(Catalog.shared.explain(reply).keys.map { .string($0) })))
        return JSONValue.object(fields).text
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

    /// Opens `path` for writing, created with mode 0600. Without `replace`, a file that exists
    /// is left as it is and the error is the message named `existsMessage`.
    init(path: String, replace: Bool = true, existsMessage: String = "record-exists") throws(ShellError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL), 0o600)
        if fd < 0 && errno == EEXIST {
            // The whole name, so that the command the message gives can be copied as it is.
            throw ShellError(existsMessage, ["file": VisibleText.escape(path)], status: .usage)
        }
        guard fd >= 0 else {
            throw ShellError("record-cannot-open", ["file": VisibleTextShort.of(path), "error": String(cString: strerror(errno))], status: .usage)
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
