import SMTPCatalog
import SMTPCore

/// `smtpsh export FILE --markdown OUT`: the session as GitHub-flavoured Markdown, for a ticket,
/// a wiki or a pull request. A summary table, then the timeline as a list: each client line
/// (`C`) and each reply (`S`) with its class in words, its latency and its explanation under it.
/// What the server sent is in code spans or fenced blocks, so nothing it sent is read as
/// Markdown or HTML; smtpsh's own words are escaped.
struct MarkdownExport {
    let words: ExportWords

    func render(_ timeline: SessionTimeline, file: String) -> String {
        var out: [String] = []
        out.append("# " + Self.escape(words.title(timeline, file: file)))
        out.append("")
        out.append("## " + Self.escape(words["export-summary"]))
        out.append("")
        out.append("| " + Self.cell(words["export-field"]) + " | " + Self.cell(words["export-value"]) + " |")
        out.append("| --- | --- |")
        for row in words.summary(timeline) {
            out.append("| " + Self.cell(row.label) + " | " + Self.cell(row.value) + " |")
        }
        out.append("")
        out.append("## " + Self.escape(words["export-timeline"]))
        out.append("")
        for entry in timeline.entries {
            switch entry {
            case .note(let text, let warning):
                out.append("- " + (warning ? "⚠ " : "") + "_" + Self.escape(text) + "_")
            case .tlsStarted(let facts):
                out.append("- 🔒 **" + Self.escape(words.tlsBoundary(facts)) + "**")
            case .sent(let sent):
                out += self.sent(sent)
            case .reply(let reply):
                out += self.reply(reply)
            }
        }
        out.append("")
        return out.joined(separator: "\n")
    }

    private func sent(_ sent: SessionTimeline.Sent) -> [String] {
        let who = "**C** " + Self.escape(words[sent.tls ? "export-client-tls" : "export-client"])
        let pipelined = sent.pipelined ? " _(" + Self.escape(words["export-pipelined"]) + ")_" : ""
        guard sent.kind == .message else {
            return ["- " + who + ": " + Self.code(sent.lines.first ?? "") + pipelined]
        }
        let shown = sent.lines.prefix(SessionTimeline.shownMessageLines)
        var out = ["- " + who + ": " + Self.escape(words["export-message", ["count": String(sent.lineCount)]])]
        out += Self.fenced(Array(shown), indent: "  ")
        if sent.lineCount > shown.count {
            out.append("  _" + Self.escape(words["export-message-folded", ["count": String(sent.lineCount - shown.count)]]) + "_")
        }
        return out
    }

    private func reply(_ reply: SessionTimeline.ReplyEntry) -> [String] {
        var head = "- **S** " + Self.escape(words[reply.tls ? "export-server-tls" : "export-server-side"]) + ": **"
            + Self.escape(words.classLabel(reply.code)) + "**"
        if let latency = reply.latency { head += " · " + Self.escape(words.latency(latency)) }
        var out: [String] = []
        if reply.lines.count == 1 {
            out.append(head + " " + Self.code(reply.lines[0]))
        } else {
            out.append(head)
            out += Self.fenced(reply.lines, indent: "  ")
        }
        if let recognised = reply.recognised {
            out.append("  - _" + Self.escape(recognised.description(in: words.language, catalog: words.catalog)) + "_")
        }
        guard let explanation = reply.explanation else { return out }
        for language in words.languages {
            let prefix = words.languages.count > 1 ? "[" + language.rawValue + "] " : ""
            for part in words.parts(of: explanation, in: language) {
                let label = part.label.isEmpty ? "" : "**" + Self.escape(part.label) + "** "
                out.append("  - " + prefix + label + Self.escape(part.meaning))
                if let cause = part.cause { out.append("    " + Self.escape(cause)) }
                if let hint = part.hint { out.append("    _" + Self.escape(words.hintPrefix(in: language)) + "_ " + Self.escape(hint)) }
            }
        }
        return out
    }

    // MARK: - Markdown's escaping

    /// smtpsh's own words in Markdown text: the ASCII punctuation that Markdown or GFM gives a
    /// meaning to anywhere in a line gets a backslash (CommonMark allows one before any of
    /// them). The text never starts a line (a list marker or `| ` comes first), so `-`, `+`,
    /// `#` and `1.` need none; `(` and `!` mean something only next to a `[`, escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&":
                out.append("\\")
                out.append(character)
            case "\n", "\r":
                out.append(" ")
            default:
                out.append(character)
            }
        }
        return out
    }

    /// A table cell: escaped, and a pipe never ends the cell.
    static func cell(_ text: String) -> String { escape(text) }

    /// A code span holding `text` as it is: delimited by more backticks than any run inside it.
    static func code(_ text: String) -> String {
        let text = text.replacing("\n", with: " ").replacing("\r", with: " ")
        var longest = 0
        var run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        // A space on each side when the text starts or ends with a backtick (or a space).
        let padded = text.hasPrefix("`") || text.hasSuffix("`") || text.hasPrefix(" ") || text.isEmpty ? " " + text + " " : text
        return fence + padded + fence
    }

    /// A fenced block: its fence longer than any run of backticks or tildes in the lines.
    static func fenced(_ lines: [String], indent: String) -> [String] {
        var longest = 2
        for line in lines {
            var run = 0
            for character in line {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        let fence = String(repeating: "`", count: longest + 1)
        return [indent + fence + "text"] + lines.map { indent + $0 } + [indent + fence]
    }
}
