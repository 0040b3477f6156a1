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
    static func meaning(_ verb: String, in language: Language = Words.language) -> String {
        Words.text("verb-" + verb.lowercased(), in: language)
    }

    /// `:help` (everything) or `:help VERB`, laid out for `columns` (the `=== ` of a note
    /// included): each meaning wrapped beside its usage, the key line wrapped too. With
    /// several languages (`--lang en,ja`, `:lang en,fr`), each text is given in each of them,
    /// the first language's first, as the explanations are.
    static func text(for verb: String?, columns: Int = 80, languages: [Language] = [Words.language]) -> [String] {
        let width = max(columns - 4, 20)
        let languages = languages.isEmpty ? [Words.language] : languages
        func wrapped(_ texts: [String], width: Int, indent: String) -> [String] {
            texts.flatMap { TextWrapper.wrap($0, width: width).map { indent + $0 } }
        }
        if let verb {
            var upper = verb.uppercased()
            while upper.hasPrefix(":") { upper.removeFirst() }
            if let entry = entries.first(where: { $0.verb == upper }) {
                return [entry.usage] + wrapped(languages.map { meaning(entry.verb, in: $0) }, width: width - 2, indent: "  ")
            }
            if let local = LocalCommand.summaries.first(where: { $0.0.dropFirst().lowercased().hasPrefix(upper.lowercased() + " ") || $0.0.dropFirst().lowercased() == upper.lowercased() }) {
                return [local.0] + wrapped(languages.map { Words.text(local.1, in: $0) }, width: width - 2, indent: "  ")
            }
            return [Words["help-no-such-verb", ["verb": VisibleText.escape(verb)]]]
        }
        var lines = languages.map { Words.text("help-smtp-heading", in: $0) }
        for entry in entries {
            lines += row(entry.usage, languages.map { meaning(entry.verb, in: $0) }, width: width)
        }
        lines += languages.map { Words.text("help-local-heading", in: $0) }
        for (usage, meaning) in LocalCommand.summaries {
            lines += row(usage, languages.map { Words.text(meaning, in: $0) }, width: width)
        }
        lines += wrapped(languages.map { Words.text("help-keys", in: $0) }, width: width, indent: "")
        return lines
    }

    /// `  USAGE                         meaning…`, the meaning wrapped in its column (each
    /// language's under the previous one); on a narrow terminal, under the usage.
    private static func row(_ usage: String, _ meanings: [String], width: Int) -> [String] {
        let column = 32
        guard width - column >= 20 else {
            return ["  " + usage] + meanings.flatMap { TextWrapper.wrap($0, width: width - 4).map { "    " + $0 } }
        }
        let wrapped = meanings.flatMap { TextWrapper.wrap($0, width: width - column) }
        let indent = String(repeating: " ", count: column)
        return wrapped.enumerated().map { index, line in index == 0 ? "  " + DisplayWidth.padded(usage + " ", to: column - 2) + line : indent + line }
    }
}
