/// The scenarios `smtpsh serve --list-scenarios` lists: a mail-security gateway (an
/// "appliance" that filters mail in front of an organisation's mail servers, `my_esa.local`),
/// with each 4xx/5xx reply its documentation lists, at the command where it occurs.
///
/// Replies the appliance gives to a learner's mistakes (`503 #5.5.1 MAIL first`) need no
/// rule: the `appliance` style sends them when the mistake is made; those scenarios only
/// carry a hint saying what to type.
public enum BuiltInScenarios {
    static let host = "my_esa.local"

    private static func appliance(
        _ name: String,
        _ description: String,
        rules: [String] = [],
        settings: [String: String] = [:],
        hint: String? = nil
    ) -> Scenario {
        Scenario(
            name: name,
            description: description,
            style: .appliance,
            hostname: host,
            settings: settings,
            rules: rules.map { try! ScenarioRule(parsing: $0) },
            hint: hint
        )
    }

    public static let all: [Scenario] = [
        appliance("appliance", "The appliance's banner and session style, with no forced failure."),
        // 4xx
        appliance("tls-sessions", "STARTTLS refused: too many TLS sessions at once.",
                  rules: ["STARTTLS close: 421 #4.4.5 Too many TLS sessions at this time"]),
        appliance("connections-from-host", "Connection refused at the greeting: too many from this client.",
                  rules: ["GREETING close: 421 #4.4.5 Too many connections from your host"]),
        appliance("connections-to-host", "Connection refused at the greeting: the appliance is at its limit.",
                  rules: ["GREETING close: 421 #4.4.5 Too many connections to this host"]),
        appliance("connections-to-listener", "Connection refused at the greeting: this listener is at its limit.",
                  rules: ["GREETING close: 421 #4.4.5 Too many connections to this listener"]),
        appliance("too-many-messages", "The third message of a session is refused and the connection closed.",
                  rules: ["MAIL 3 close: 421 #4.x.2 Too many messages to this session"]),
        appliance("service-not-available", "The greeting says the service is unavailable, then hangs up.",
                  rules: ["GREETING close: 421 {host} Service not available, closing transaction channel"]),
        appliance("connection-time", "The session is cut after 20 seconds, whatever is happening.",
                  rules: ["TIME 20 close: 421 Exceeded allowable connection time"]),
        appliance("bad-commands", "The third unrecognised command ends the session.",
                  rules: ["BAD 3 close: 421 Exceeded bad SMTP command limit, disconnecting"]),
        appliance("license-expired", "The appliance's evaluation licence has run out: no mail at all.",
                  rules: ["GREETING close: 421 The evaluation license has expired"]),
        appliance("server-error", "The message is refused at the final dot with a temporary server error.",
                  rules: ["DOT: 451 #4.3.0 Server Error"]),
        appliance("queue-full", "Every recipient is refused: the delivery queue is full.",
                  rules: ["RCPT: 452 #4.3.1 queue full"]),
        appliance("resources-low", "Every sender is refused: the appliance is short of resources.",
                  rules: ["MAIL: 452 #4.3.1 server resources low - try again later"]),
        appliance("temporary-system-error", "The message is refused at the final dot with a temporary system error.",
                  rules: ["DOT: 452 #4.3.1 temporary system error (12)"]),
        appliance("too-many-recipients", "Only two recipients per message; the third and later ones are refused (a new message may have two more).",
                  rules: ["RCPT 3+ per message: 452 #4.5.3 Too many recipients"]),
        appliance("tls-unavailable", "STARTTLS is advertised but refused for a temporary reason.",
                  rules: ["STARTTLS: 454 TLS not available due to a temporary reason"]),
        // 5xx a learner provokes
        appliance("command-not-recognized", "500 #5.5.1 command not recognized", hint: "type a command that does not exist, e.g. HELLO"),
        appliance("line-too-long", "500 Line too long", hint: "send a command line longer than 4096 octets"),
        appliance("ehlo-requires-domain", "501 #5.0.0 EHLO requires domain address", hint: "type EHLO alone"),
        appliance("syntax-error", "501 #5.5.2 syntax error", hint: "type MAIL FROM:alice@example.org (no angle brackets)"),
        appliance("auth-arguments", "501 #5.5.4 Invalid arguments to AUTH command", hint: "type AUTH alone after EHLO"),
        appliance("unknown-command", "The appliance names the command it does not know.",
                  rules: ["BAD: 501 Unknown command {arg}"], hint: "type a command that does not exist"),
        appliance("unknown-option", "An unknown option on MAIL FROM is refused.",
                  rules: ["MAIL: 501 Unknown option {arg}"]),
        appliance("unknown-value", "An unknown value on RCPT TO is refused.",
                  rules: ["RCPT: 501 Unknown value {arg}"]),
        appliance("auth-not-available", "AUTH is not offered on this listener: EHLO lists no AUTH, and AUTH gets 503 #5.3.3 AUTH not available.",
                  settings: ["auth": "no"], hint: "type AUTH PLAIN after EHLO"),
        appliance("auth-during-transaction", "503 #5.5.0 AUTH not permitted during a mail transaction",
                  hint: "type MAIL FROM:<a@example.org>, then AUTH PLAIN"),
        appliance("already-authenticated", "503 #5.5.0 Already authenticated",
                  hint: "authenticate (user student, password practice), then AUTH again"),
        appliance("mail-first", "503 #5.5.1 MAIL first", hint: "type RCPT TO:<b@example.org> before MAIL FROM"),
        appliance("rcpt-first", "503 #5.5.1 RCPT first", hint: "type MAIL FROM:<a@example.org>, then DATA"),
        appliance("mailmerge-data", "DATA refused inside the appliance's mail-merge transaction.",
                  rules: ["DATA: 503 Bad sequence of commandsDATA within mailmerge transaction"]),
        appliance("mailmerge-xprt", "XPRT (mail-merge part) refused in an ordinary transaction.",
                  rules: ["XPRT: 503 Bad sequence of commandsXPRT within plain transaction"]),
        appliance("mailmerge-receiving-parts", "A command refused while mail-merge parts are being received.",
                  rules: ["RCPT 2+: 503 Bad sequence of commandsnow receiving parts"]),
        appliance("mailmerge-none", "A mail-merge command outside a mail-merge transaction.",
                  rules: ["XDFN: 503 Not in a mailmerge transaction"]),
        appliance("mechanism-not-available", "504 #5.5.1 AUTH mechanism XXX is not available", hint: "type AUTH GSSAPI"),
        appliance("parameter-unrecognized", "504 Command parameter XXX unrecognized",
                  hint: "type MAIL FROM:<a@example.org> FOO=BAR"),
        appliance("xdfn-syntax", "Mail-merge variable definition refused.", rules: ["XDFN: 504 Invalid XDFN syntax"]),
        appliance("part-number", "Mail-merge part refused.", rules: ["XPRT: 504 Invalid part number"]),
        appliance("part-number-arg", "Mail-merge part refused, naming it.", rules: ["XPRT: 504 Invalid part number {arg}"]),
        appliance("variable-value", "Mail-merge variable without a value.", rules: ["XDFN: 504 No variable value specified"]),
        appliance("parts-missing", "Mail-merge message incomplete.", rules: ["XPRT: 504 Other parts still missing"]),
        appliance("reserved-variable", "Mail-merge variable name reserved.", rules: ["XDFN: 504 Reserved variable name"]),
        appliance("parts-syntax", "Mail-merge *parts list refused on RCPT.", rules: ["RCPT: 504 Syntax error in *parts syntax"]),
        appliance("xdfn-null", "Mail-merge definition with a NUL character.",
                  rules: ["XDFN: 504 XDFN command must not contain NULL characters"]),
        appliance("starttls-required", "530 #5.7.0 Must issue a STARTTLS command first",
                  settings: ["require-tls": "yes"], hint: "type MAIL FROM:<a@example.org> before STARTTLS"),
        appliance("sender-starttls-required", "This sender must use TLS.",
                  rules: ["MAIL: 530 #5.7.0 This sender must issue a STARTTLS command first"]),
        appliance("authentication-required", "530 Authentication required",
                  settings: ["require-auth": "yes"], hint: "type MAIL FROM:<a@example.org> without AUTH"),
        appliance("encryption-required", "538 #5.7.11 Encryption required",
                  settings: ["auth-requires-tls": "yes"], hint: "type AUTH PLAIN before STARTTLS"),
        appliance("header-too-big", "The message's header is too large.",
                  rules: ["DOT: 552 #5.3.4 message header size exceeds limit"]),
        appliance("message-too-big", "552 #5.3.4 message size exceeds limit",
                  settings: ["max-size": "1000"], hint: "send a message over 1000 octets"),
        appliance("size-limit", "552 size limit exceeded",
                  settings: ["max-size": "1000"], hint: "type MAIL FROM:<a@example.org> SIZE=5000"),
        appliance("server-error-permanent", "The message is refused at the final dot with a permanent server error.",
                  rules: ["DOT: 554 #5.3.0 Server Error"]),
        appliance("too-many-hops", "The message has looped through too many servers.", rules: ["DOT: 554 Too Many Hops"]),
        appliance("bare-lf", "554 message body contains illegal bare CR/LF characters.",
                  settings: ["reject-bare-lf": "yes"],
                  hint: "send a message with a line ending in LF alone; smtpsh always sends CRLF, so use printf and nc as Docs/practice-server.md shows"),
    ]

    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name.lowercased() }
    }
}
