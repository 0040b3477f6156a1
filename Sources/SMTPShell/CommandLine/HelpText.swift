import SMTPCatalog

/// `smtpsh --help` and `smtpsh COMMAND --help`, in the user's language, wrapped to the
/// terminal (a kanji counts two columns).
///
/// ```
/// smtpsh connect: talk SMTP to a server (the default command).
///
/// Usage: smtpsh [connect] [options] <host> [<port>]
///
/// At a terminal: a prompt with line editing and history; …
///
/// Arguments:
///   <host>                  The server: a name or address, HOST:PORT, or [IPv6]:PORT.
/// Options:
///   -4                      Use IPv4 addresses only.
///   --timeout <seconds>     Seconds to wait for the connection and for each reply.
/// ```
enum HelpText {
    static func render(_ spec: CommandSpec, columns: Int, subcommands: [CommandSpec] = []) -> String {
        let columns = max(columns, 40)
        var lines: [String] = []
        let title = spec.name == "smtpsh" ? "smtpsh" : "smtpsh \(spec.name)"
        lines += TextWrapper.wrap(Words["help-title", ["command": title, "abstract": Words[spec.abstract]]], width: columns)
        lines.append("")
        lines += TextWrapper.wrap(usageLine(spec), width: columns)
        for paragraph in spec.discussion {
            lines.append("")
            lines += TextWrapper.wrap(Words[paragraph], width: columns)
        }
        var rows: [(String, String)] = []
        if !subcommands.isEmpty {
            lines.append("")
            lines.append(Words["help-commands"])
            rows = subcommands.map { ($0.name, Words[$0.abstract]) }
            // Not commands with options of their own, but there to be found.
            rows += [("manual", Words["help-manual-abstract"]), ("completions", Words["help-completions-abstract"])]
            lines += table(rows, columns: columns)
        }
        if !spec.arguments.isEmpty {
            lines.append("")
            lines.append(Words["help-arguments"])
            lines += table(spec.arguments.map { ("<\($0.name)>" + ($0.repeatable ? "…" : ""), Words[$0.help]) }, columns: columns)
        }
        lines.append("")
        lines.append(Words["help-options"])
        var options = spec.options.map { option -> (String, String) in
            var names = option.short.map { "-\($0)" } ?? ""
            if !option.isShortOnly { names += (names.isEmpty ? "" : ", ") + "--" + option.long }
            if let value = option.value { names += " <\(value)>" }
            return (names, Words[option.help])
        }
        options.append(("-h, --help", Words["option-help"]))
        if spec.name == "smtpsh" { options.append(("--version", Words["option-version"])) }
        lines += table(options, columns: columns)
        if !spec.examples.isEmpty {
            lines.append("")
            lines.append(Words["help-examples"])
            lines += spec.examples.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// Two columns: names, then text wrapped beside them (under them when a name is wide).
    static func table(_ rows: [(String, String)], columns: Int) -> [String] {
        let nameWidth = min(rows.map { DisplayWidth.of($0.0) }.max() ?? 0, 28)
        let textColumn = 2 + nameWidth + 2
        let textWidth = max(columns - textColumn, 20)
        var lines: [String] = []
        for (name, text) in rows {
            let wrapped = TextWrapper.wrap(text, width: textWidth)
            let width = DisplayWidth.of(name)
            var first = "  " + name
            if width <= nameWidth {
                first += String(repeating: " ", count: nameWidth - width + 2) + (wrapped.first ?? "")
                lines.append(first)
                lines += wrapped.dropFirst().map { String(repeating: " ", count: textColumn) + $0 }
            } else {
                lines.append(first)
                lines += wrapped.map { String(repeating: " ", count: textColumn) + $0 }
            }
        }
        return lines
    }

    /// Under a usage error: the command's usage line and where to read more.
    static func usageReminder(_ spec: CommandSpec) -> [String] {
        let helpCommand = spec.name == "smtpsh" ? "smtpsh --help" : "smtpsh \(spec.name) --help"
        return [usageLine(spec), Words["help-see", ["command": helpCommand]]]
    }

    /// `Usage: smtpsh …`, `使い方：smtpsh …` (a fullwidth colon brings its own space).
    static func usageLine(_ spec: CommandSpec) -> String {
        let heading = Words["help-usage"]
        return heading + DisplayWidth.space(after: heading) + spec.usage
    }
}
