import SMTPCatalog
import SMTPClient
import SMTPCore

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
