import SMTPCore

/// smtpsh's own commands inside a session. They start with `:`, which no SMTP verb does;
/// `::` sends a line starting with `:` to the server.
enum LocalCommand: Equatable {
    case help(String?)
    case state
    case clear
    case quit
    case unknown(String)

    static let names = [":help", ":state", ":clear", ":quit"]

    static let summaries: [(String, String)] = [
        (":help [VERB]", "smtpsh's commands, or what an SMTP verb does"),
        (":state", "where the session stands, what the server offers"),
        (":clear", "clear the screen"),
        (":quit", "send QUIT, wait for 221, and leave (also Ctrl-D)"),
        ("::text", "send a line that starts with ':'"),
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
        let argument = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : nil
        switch words.first?.lowercased() ?? "" {
        case "help", "h", "?": command = .help(argument)
        case "state", "status": command = .state
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

import Foundation

/// Short explanations of the SMTP verbs, for `:help VERB` and `:help`.
enum VerbHelp {
    static let entries: [(verb: String, usage: String, meaning: String)] = [
        ("EHLO", "EHLO your.name", "greet the server and ask what it offers (RFC 5321 extended hello)"),
        ("HELO", "HELO your.name", "greet without extensions (old servers)"),
        ("MAIL", "MAIL FROM:<you@example.org>", "start a message: the envelope sender (where bounces go)"),
        ("RCPT", "RCPT TO:<them@example.org>", "add a recipient to the envelope (repeat for several)"),
        ("DATA", "DATA", "send the message after 354: headers, an empty line, the body, then a line with a lone dot"),
        ("BDAT", "BDAT size [LAST]", "send the message in chunks of exact size (CHUNKING)"),
        ("RSET", "RSET", "abandon the current message and start again"),
        ("NOOP", "NOOP", "do nothing (check the server is still there)"),
        ("QUIT", "QUIT", "end the session politely (221)"),
        ("VRFY", "VRFY name", "ask whether a mailbox exists (most servers will not say)"),
        ("EXPN", "EXPN list", "ask for a mailing list's members (usually disabled)"),
        ("HELP", "HELP [verb]", "ask the server for help"),
        ("STARTTLS", "STARTTLS", "switch this connection to TLS (then EHLO again)"),
        ("AUTH", "AUTH mechanism [response]", "log in (PLAIN, LOGIN, CRAM-MD5…); use TLS first"),
    ]

    static func text(for verb: String?) -> [String] {
        if let verb {
            let upper = verb.uppercased().trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            if let entry = entries.first(where: { $0.verb == upper }) {
                return ["\(entry.usage)", "  \(entry.meaning)"]
            }
            return ["no SMTP verb or smtpsh command named '\(verb)'; :help lists them"]
        }
        var lines = ["SMTP (sent to the server as typed, CRLF added):"]
        for entry in entries {
            lines.append("  " + entry.usage.padding(toLength: 30, withPad: " ", startingAt: 0) + entry.meaning)
        }
        lines.append("smtpsh's own commands:")
        for (usage, meaning) in LocalCommand.summaries {
            lines.append("  " + usage.padding(toLength: 30, withPad: " ", startingAt: 0) + meaning)
        }
        lines.append("Tab completes verbs and what the server advertised; Up/Down recall history; Ctrl-C clears the line.")
        return lines
    }
}
