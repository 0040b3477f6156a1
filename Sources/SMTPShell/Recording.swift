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
    }

    func setServer(_ server: String, tls: String) {
        lock.withLock {
            context.server = server
            context.tls = tls
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
        if let recorder {
            switch event {
            case .sent(let text, let tls, _): recorder.write((tls ? " ~> " : " -> ") + Self.recordable(text))
            case .receivedLine(let line, let tls): recorder.write((tls ? "<~  " : "<-  ") + VisibleText.escape(line.bytes))
            case .reply: break
            case .note(let text): recorder.write("=== " + VisibleText.escape(text))
            case .warning(let text), .error(let text): recorder.write("*** " + VisibleText.escape(text))
            }
        }
        if let json {
            let text = Self.json(event)
            if !text.isEmpty { json.write(text) }
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

    /// One JSON object per event, the fields in a fixed order (Docs/session-format.md).
    static func json(_ event: ClientSession.TranscriptEvent, now: Double = Date().timeIntervalSince1970) -> String {
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
            fields.append(("explanation", .array(Catalog.shared.explain(reply).keys.map { .string($0) })))
        case .note(let text):
            fields += [("event", .string("note")), ("text", .string(text))]
        case .warning(let text):
            fields += [("event", .string("warning")), ("text", .string(text))]
        case .error(let text):
            fields += [("event", .string("error")), ("text", .string(text))]
        }
        return JSONValue.object(fields).text
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
            throw ShellError(Words[existsMessage, ["file": VisibleText.escape(path)]], status: .usage)
        }
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
