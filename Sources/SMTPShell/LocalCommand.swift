import SMTPCatalog
import SMTPClient
import SMTPCore

/// smtpsh's own commands inside a session. They start with `:`, which no SMTP verb does;
/// `::` sends a line starting with `:` to the server.
enum LocalCommand: Equatable {
    case help(String?)
    case state
    case explain(String?)
    case lang(String?)
    case tls
    case startTLS
    case auth(String?)
    /// The standard session, whole (`:send`) or a step at a time.
    case send(String?)
    case hello(String?)
    case envelope(String?)
    case data(String?)
    /// `:set key=value…`: the macros' defaults for this session (`:set` alone shows them).
    case set(String?)
    case macros
    case run(String?)
    case record(String?)
    case clear
    case quit
    case unknown(String)

    static let names = [
        ":help", ":state", ":explain", ":lang", ":starttls", ":tls", ":auth", ":send", ":hello", ":envelope", ":data", ":set",
        ":macros", ":run", ":record", ":clear", ":quit",
    ]

    /// `:help`'s table: usage, and the message that says what it does.
    static let summaries: [(String, String)] = [
        (":help [VERB]", "local-help"),
        (":state", "local-state"),
        (":explain", "local-explain-last"),
        (":explain CODE|LINE", "local-explain-input"),
        (":explain on|brief|off", "local-explain-toggle"),
        (":lang [en|fr|ja|en,ja]", "local-lang"),
        (":starttls", "local-starttls"),
        (":tls", "local-tls"),
        (":auth MECH [user]", "local-auth"),
        (":send [to=… from=…]", "local-send"),
        (":hello", "local-hello"),
        (":envelope [to=…]", "local-envelope"),
        (":data [subject=…]", "local-data"),
        (":set [key=value…]", "local-set"),
        (":macros", "local-macros"),
        (":run NAME [name=value…]", "local-run"),
        (":record FILE|off", "local-record"),
        (":clear", "local-clear"),
        (":quit", "local-quit"),
        ("::text", "local-escape"),
    ]
}

struct LocalCommandLine {
    var command: LocalCommand
    var text: String

    /// `nil` when the line is for the server.
    init?(_ line: String) {
        guard line.hasPrefix(":"), !line.hasPrefix("::") else { return nil }
        text = line
        let words = line.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
        let argument = words.count > 1 ? words[1].trimmingSpaces : nil
        let given = argument?.isEmpty == false ? argument : nil
        switch words.first?.lowercased() ?? "" {
        case "help", "h", "?": command = .help(given)
        case "state", "status": command = .state
        case "explain", "e": command = .explain(given)
        case "lang", "language": command = .lang(given)
        case "tls", "cert", "certificate": command = .tls
        case "starttls": command = .startTLS
        case "auth", "login": command = .auth(given)
        case "send": command = .send(given)
        case "hello", "ehlo": command = .hello(given)
        case "envelope", "env": command = .envelope(given)
        case "data", "message": command = .data(given)
        case "set", "defaults": command = .set(given)
        case "macros": command = .macros
        case "run": command = .run(given)
        case "record", "rec": command = .record(given)
        case "clear": command = .clear
        case "quit", "q", "exit": command = .quit
        default: command = .unknown(line)
        }
    }

    /// `::text` → `:text`; anything else as it is.
    static func unescaped(_ line: String) -> String {
        line.hasPrefix("::") ? String(line.dropFirst()) : line
    }
}

/// Short explanations of the SMTP verbs, for `:help VERB` and `:help`.
enum VerbHelp {
    static let entries: [(verb: String, usage: String)] = [
        ("EHLO", "EHLO your.name"),
        ("HELO", "HELO your.name"),
        ("MAIL", "MAIL FROM:<you@example.org>"),
        ("RCPT", "RCPT TO:<them@example.org>"),
        ("DATA", "DATA"),
        ("BDAT", "BDAT size [LAST]"),
        ("RSET", "RSET"),
        ("NOOP", "NOOP"),
        ("QUIT", "QUIT"),
        ("VRFY", "VRFY name"),
        ("EXPN", "EXPN list"),
        ("HELP", "HELP [verb]"),
        ("STARTTLS", "STARTTLS"),
        ("AUTH", "AUTH mechanism [response]"),
    ]

    /// What a verb does (`verb-ehlo`, …), in the user's language.
    static func meaning(_ verb: String) -> String { Words["verb-" + verb.lowercased()] }

    /// `:help` (everything) or `:help VERB`, laid out for `columns` (the `=== ` of a note
    /// included): each meaning wrapped beside its usage, the key line wrapped too.
    static func text(for verb: String?, columns: Int = 80) -> [String] {
        let width = max(columns - 4, 20)
        if let verb {
            var upper = verb.uppercased()
            while upper.hasPrefix(":") { upper.removeFirst() }
            if let entry = entries.first(where: { $0.verb == upper }) {
                return [entry.usage] + TextWrapper.wrap(meaning(entry.verb), width: width - 2).map { "  " + $0 }
            }
            if let local = LocalCommand.summaries.first(where: { $0.0.dropFirst().lowercased().hasPrefix(upper.lowercased() + " ") || $0.0.dropFirst().lowercased() == upper.lowercased() }) {
                return [local.0] + TextWrapper.wrap(Words[local.1], width: width - 2).map { "  " + $0 }
            }
            return [Words["help-no-such-verb", ["verb": VisibleText.escape(verb)]]]
        }
        var lines = [Words["help-smtp-heading"]]
        for entry in entries {
            lines += row(entry.usage, meaning(entry.verb), width: width)
        }
        lines.append(Words["help-local-heading"])
        for (usage, meaning) in LocalCommand.summaries {
            lines += row(usage, Words[meaning], width: width)
        }
        lines += TextWrapper.wrap(Words["help-keys"], width: width)
        return lines
    }

    /// `  USAGE                         meaning…`, the meaning wrapped in its column; on a
    /// narrow terminal, under the usage.
    private static func row(_ usage: String, _ meaning: String, width: Int) -> [String] {
        let column = 32
        guard width - column >= 20 else {
            return ["  " + usage] + TextWrapper.wrap(meaning, width: width - 4).map { "    " + $0 }
        }
        let wrapped = TextWrapper.wrap(meaning, width: width - column)
        let indent = String(repeating: " ", count: column)
        return wrapped.enumerated().map { index, line in index == 0 ? "  " + pad(usage, column - 2) + line : indent + line }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// `:auth plain alice` → PLAIN as alice; `:auth login` → LOGIN, the user from --user.
struct AuthRequest {
    var mechanism: SASLMechanism
    var user: String?

    /// What to write, when `:auth` is not understood.
    static var usage: CatalogMessage {
        CatalogMessage("auth-usage", ["mechanisms": SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")])
    }

    init?(_ argument: String?) {
        let words = (argument ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first, let mechanism = SASLMechanism(name: first), words.count <= 2 else { return nil }
        self.mechanism = mechanism
        self.user = words.count > 1 ? words[1] : nil
    }
}
