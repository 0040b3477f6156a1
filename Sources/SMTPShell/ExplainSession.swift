import SMTPCatalog
import SMTPCore

/// `smtpsh explain` given a whole session: a recording, a swaks transcript, or a session
/// pasted from a terminal (client and server lines mixed, bare as telnet shows them or with
/// `S:`/`C:`, `<<<`/`>>>`). The input comes out as it went in, line for line, with the
/// explanation of each server reply under it, for the command it answered: the session is
/// read as `smtpsh export` reads it (``SessionTimeline``) and each reply explained as in a
/// session (``SessionExplainer``: the server recognised, EHLO's keywords once). Secrets of
/// an AUTH exchange are `********` in what comes out (``Redaction``).
///
/// ```
/// EHLO client.example.org
/// 250-practice.localhost greets client.example.org
/// …
/// 250 HELP
///     250  Requested action completed: EHLO accepted, the server lists its extensions. …
/// MAIL FROM:<alice@example.org>
/// ```
///
/// A line that cannot be in a session (in a file with markers: a line without one) is said on
/// standard error with its line number; the others are explained all the same (status 64).
enum ExplainSession {
    /// The verbs a client line of a pasted session starts with.
    static let verbs: Set<String> = [
        "EHLO", "HELO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT", "QUIT", "RSET", "NOOP", "STARTTLS", "AUTH", "VRFY", "EXPN", "HELP",
    ]

    /// How much of standard input is looked at to tell a session from a log or a bounce.
    static let head = 65_536

    /// Whether `text` (the input, or its first ``head`` octets) is a session rather than the
    /// replies, bounces and logs `smtpsh explain` reads otherwise: an smtpsh recording; or lines
    /// with a client's marker (` -> `, `C:`, `>>>`) and a server's; or, as telnet shows it, reply
    /// lines and command lines, the first of them (telnet's own lines aside) one or the other.
    static func isSession(_ text: some StringProtocol) -> Bool {
        var client = false
        var server = false
        var seenLine = false
        var inHeader = true
        // "\r\n" is one Character: a CRLF line ends there too.
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let trimmed = Substring(raw).drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if inHeader, trimmed.hasPrefix("#") {
                if trimmed.lowercased().hasPrefix("# smtpsh session") { return true }
                continue
            }
            inHeader = false
            if trimmed.hasPrefix("->") || trimmed.hasPrefix("~>") {
                client = true
            } else if trimmed.hasPrefix("<-") || trimmed.hasPrefix("<~") || trimmed.hasPrefix("<**") {
                server = true
            } else if trimmed.hasPrefix("===") || trimmed.hasPrefix("***") {
                continue
            } else if let prefixed = SessionScriptParser.directionPrefix(trimmed) {
                if prefixed.server {
                    server = server || SessionScriptParser.isReplyLine(prefixed.text)
                } else {
                    client = client || isCommand(prefixed.text)
                }
            } else if SessionScriptParser.telnetOwnLines.contains(where: { trimmed.hasPrefix($0) }) {
                continue
            } else if SessionScriptParser.isReplyLine(trimmed) {
                server = true
            } else if isCommand(trimmed) {
                client = true
            } else if !seenLine {
                // A bounce, a log, a DSN: its first line is neither a reply nor a command.
                return false
            }
            seenLine = true
            if client && server { return true }
        }
        return false
    }

    /// A line that starts with an SMTP verb (`MAIL FROM:<…>`, `quit`).
    static func isCommand(_ line: some StringProtocol) -> Bool {
        let word = line.prefix { $0 != " " && $0 != ":" }
        return verbs.contains(word.uppercased())
    }

    /// Explains the session in `bytes` (`name`: the file, or `-`) into `output`; the status is
    /// 64 when lines had to be left out.
    static func run(_ bytes: [UInt8], name: String, languages: [Language], output: inout ExplainOutput) throws(ShellError) -> ExitStatus {
        var lines = TextLines.split(bytes)
        var dropped: [SessionScriptError] = []
        var timeline: SessionTimeline?
        // A line that is not a session line is said and left out; the rest is read again.
        while timeline == nil {
            do throws(ExportReadError) {
                timeline = try SessionTimeline.read(dropped.isEmpty ? bytes : Array(lines.joined(separator: "\n").utf8), languages: languages)
            } catch {
                guard case .script(let error) = error, case .notASessionLine = error.reason, dropped.count < maximumDropped,
                    lines.indices.contains(error.line - 1)
                else {
                    for error in dropped { say(error, name: name) }
                    if case .script(let error) = error {
                        throw ShellError(ScriptErrorText.describe(error, file: VisibleTextShort.of(name)), status: .usage)
                    }
                    throw ShellError("explain-nothing", status: .usage)
                }
                dropped.append(error)
                lines[error.line - 1] = ""
            }
        }
        guard let timeline else { return .usage }
        if output.json {
            for entry in timeline.entries {
                switch entry {
                case .sent(let sent): output.sent(sent)
                case .reply(let reply): output.annotate(reply)
                case .note, .tlsStarted: break
                }
            }
        } else {
            annotate(lines, timeline: timeline, output: &output)
        }
        output.flush()
        for error in dropped { say(error, name: name) }
        return dropped.isEmpty ? .success : .usage
    }

    /// More lines left out than this: the input is not a session with a few stray lines.
    static let maximumDropped = 20

    private static func say(_ error: SessionScriptError, name: String) {
        Console.err("smtpsh: " + ScriptErrorText.describe(error, file: VisibleTextShort.of(name)).text)
    }

    /// The input's lines as they came (control characters escaped, secrets redacted), each
    /// reply followed by its explanation.
    private static func annotate(_ lines: [String], timeline: SessionTimeline, output: inout ExplainOutput) {
        var replies: [Int: SessionTimeline.ReplyEntry] = [:]
        var secrets: [Int: String] = [:]
        for entry in timeline.entries {
            switch entry {
            case .reply(let reply):
                guard var last = reply.line, lines.indices.contains(last - 1) else { continue }
                // Its last line: the reply's lines are the next non-blank ones.
                var count = 1
                while count < reply.lines.count, last < lines.count {
                    last += 1
                    if !lines[last - 1].allSatisfy({ $0 == " " || $0 == "\t" }) { count += 1 }
                }
                replies[last] = reply
            case .sent(let sent):
                guard let line = sent.line, lines.indices.contains(line - 1), let shown = sent.lines.first else { continue }
                if sent.kind == .sasl || (sent.kind == .command && shown.hasSuffix(" " + Redaction.mask)) {
                    secrets[line] = clientPrefix(lines[line - 1]) + shown
                }
            case .note, .tlsStarted:
                break
            }
        }
        for (index, line) in lines.enumerated() {
            output.passThrough(secrets[index + 1] ?? TranscriptSinks.recordable(line))
            if let reply = replies[index + 1] { output.annotate(reply) }
        }
    }

    /// What comes before the text of a client's line: ` -> `, `C: `, `>>> `, or nothing (telnet).
    static func clientPrefix(_ line: String) -> String {
        let text = Substring(line)
        let rest = text.drop(while: { $0 == " " })
        if rest.hasPrefix("->") || rest.hasPrefix("~>") {
            var end = rest.index(rest.startIndex, offsetBy: 2)
            if end < rest.endIndex, rest[end] == " " { end = rest.index(after: end) }
            return String(text[..<end])
        }
        if let prefixed = SessionScriptParser.directionPrefix(rest) { return String(text[..<prefixed.text.startIndex]) }
        return ""
    }
}
