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
    /// `:export FILE`: the session so far as HTML, Markdown or an evidence file (by FILE's ending).
    case export(String?)
    /// `:raw TEXT`: TEXT's bytes exactly, `\r \n \t \0 \\ \xHH` escaped, no line end added.
    case raw(String?)
    /// `:xclient NAME=… ADDR=…` (Postfix's XCLIENT); alone, what the server offers.
    case xclient(String?)
    case clear
    case quit
    case unknown(String)

    static let names = [
        ":help", ":state", ":explain", ":lang", ":starttls", ":tls", ":auth", ":send", ":hello", ":envelope", ":data", ":set",
        ":macros", ":run", ":record", ":export", ":raw", ":xclient", ":clear", ":quit",
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
        (":export FILE", "local-export"),
        (":raw TEXT\\r\\n", "local-raw"),
        (":xclient NAME=… ADDR=…", "local-xclient"),
        (":clear", "local-clear"),
        (":quit", "local-quit"),
        ("::text", "local-escape"),
    ]
}
