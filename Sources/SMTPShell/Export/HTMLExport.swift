import SMTPCatalog
import SMTPCore

/// `smtpsh export FILE --html OUT`: the session as one self-contained HTML page: no script,
/// no network, no file beside it (the style is in the page). The client's lines on the left,
/// the server's replies on the right, each reply marked with its class in words and by its
/// border's pattern (so it reads printed in black and white), its explanation under it (two
/// languages side by side with `--lang en,fr`), the TLS boundary, the server recognised, the
/// latencies, long messages folded. The exchanges are grouped (the opening, each message from
/// MAIL FROM to its final reply, the end), each group a `<details>` that a long session shows
/// closed unless something in it was refused. Every byte from the server or the file is
/// escaped for HTML.
struct HTMLExport {
    let words: ExportWords

    /// Above this many groups, only the groups with a refusal start open.
    static let openGroupLimit = 12

    func render(_ timeline: SessionTimeline, file: String) -> String {
        let title = words.title(timeline, file: file)
        var out = ""
        out += "<!DOCTYPE html>\n<html lang=\"\(words.language.rawValue)\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta name=\"generator\" content=\"smtpsh \(Self.escape(SMTPShellVersion.current))\">\n"
        out += "<title>" + Self.escape(title) + "</title>\n<style>\n" + Self.style + "</style>\n</head>\n<body>\n"
        out += "<header><h1>" + Self.escape(title) + "</h1></header>\n<main>\n"
        out += "<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">" + Self.escape(words["export-summary"]) + "</h2>\n<dl class=\"summary\">\n"
        for row in words.summary(timeline) {
            out += "<dt>" + Self.escape(row.label) + "</dt><dd>" + Self.escape(row.value) + "</dd>\n"
        }
        out += "</dl>\n</section>\n"
        out += "<section aria-labelledby=\"timeline\">\n<h2 id=\"timeline\">" + Self.escape(words["export-timeline"]) + "</h2>\n"
        out += legend()
        let groups = Self.groups(timeline.entries)
        for (index, group) in groups.enumerated() {
            let refused = group.contains { if case .reply(let reply) = $0 { !reply.code.replyClass.isPositive } else { false } }
            let open = groups.count <= Self.openGroupLimit || refused
            out += "<details class=\"group\"" + (open ? " open" : "") + ">\n<summary>" + Self.escape(groupTitle(group, number: index + 1))
            if refused { out += " <strong class=\"refused\">" + Self.escape(words["export-group-refused"]) + "</strong>" }
            out += "</summary>\n<ol class=\"timeline\">\n"
            for entry in group { out += item(entry) }
            out += "</ol>\n</details>\n"
        }
        out += "</section>\n</main>\n<footer><p>" + Self.escape(words["export-footer", ["version": SMTPShellVersion.current]]) + "</p></footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    /// The key to the classes: what each border means, in words.
    private func legend() -> String {
        var out = "<ul class=\"legend\" aria-label=\"" + Self.escape(words["export-legend"]) + "\">"
        for digit in 2...5 {
            out += "<li class=\"reply c\(digit)\">" + Self.escape(words["export-class-\(digit)"]) + "</li>"
        }
        return out + "</ul>\n"
    }

    /// The session cut where a new part starts: a MAIL FROM (with anything pipelined behind
    /// it), and QUIT.
    static func groups(_ entries: [SessionTimeline.Entry]) -> [[SessionTimeline.Entry]] {
        var groups: [[SessionTimeline.Entry]] = [[]]
        for entry in entries {
            if case .sent(let sent) = entry, sent.kind == .command, let verb = sent.lines.first?.split(separator: " ").first?.uppercased(),
                verb.hasPrefix("MAIL") || verb == "QUIT", !(groups.last ?? []).isEmpty
            {
                groups.append([])
            }
            groups[groups.count - 1].append(entry)
        }
        return groups.filter { !$0.isEmpty }
    }

    /// `3. MAIL FROM:<alice@example.org> (7 replies)`
    private func groupTitle(_ group: [SessionTimeline.Entry], number: Int) -> String {
        let first = group.lazy.compactMap { entry -> String? in
            if case .sent(let sent) = entry, sent.kind == .command { return sent.lines.first }
            return nil
        }.first
        let replies = group.count(where: { if case .reply = $0 { true } else { false } })
        return words["export-group", ["number": String(number), "first": first ?? words["export-greeting"], "replies": String(replies)]]
    }

    private func item(_ entry: SessionTimeline.Entry) -> String {
        switch entry {
        case .note(let text, let warning):
            return "<li class=\"note" + (warning ? " warning" : "") + "\"><span class=\"who\">" + Self.escape(words[warning ? "export-warning" : "export-note"])
                + "</span> " + Self.escape(text) + "</li>\n"
        case .tlsStarted(let facts):
            return "<li class=\"tls-boundary\" role=\"separator\">" + Self.escape(words.tlsBoundary(facts)) + "</li>\n"
        case .sent(let sent):
            var out = "<li class=\"sent" + (sent.tls ? " tls" : "") + "\"><span class=\"who\">" + Self.escape(words[sent.tls ? "export-client-tls" : "export-client"])
            if sent.pipelined { out += " · " + Self.escape(words["export-pipelined"]) }
            out += "</span>"
            if sent.kind == .message {
                let shown = sent.lines.prefix(SessionTimeline.shownMessageLines)
                out += "<span class=\"label\">" + Self.escape(words["export-message", ["count": String(sent.lineCount)]]) + "</span>"
                out += "<pre>" + shown.map(Self.escape).joined(separator: "\n") + "</pre>"
                if sent.lineCount > shown.count {
                    out += "<details class=\"more\"><summary>" + Self.escape(words["export-message-folded", ["count": String(sent.lineCount - shown.count)]])
                    out += "</summary><pre>" + sent.lines.dropFirst(shown.count).map(Self.escape).joined(separator: "\n") + "</pre></details>"
                }
            } else {
                out += "<pre>" + Self.escape(sent.lines.first ?? "") + "</pre>"
            }
            return out + "</li>\n"
        case .reply(let reply):
            let digit = reply.code.rawValue / 100
            var out = "<li class=\"reply c\(digit)" + (reply.tls ? " tls" : "") + "\"><span class=\"who\">"
                + Self.escape(words[reply.tls ? "export-server-tls" : "export-server-side"]) + "</span>"
            out += "<span class=\"class\">" + Self.escape(words.classLabel(reply.code)) + "</span>"
            if let latency = reply.latency { out += "<span class=\"latency\">" + Self.escape(words.latency(latency)) + "</span>" }
            if let answered = reply.answered {
                out += "<span class=\"answers\">" + Self.escape(words["export-answers", ["command": answered]]) + "</span>"
            } else if reply.isGreeting {
                out += "<span class=\"answers\">" + Self.escape(words["export-greeting"]) + "</span>"
            }
            out += "<pre>" + reply.lines.map(Self.escape).joined(separator: "\n") + "</pre>"
            if let recognised = reply.recognised {
                out += "<p class=\"recognised\">" + Self.escape(recognised.description(in: words.language, catalog: words.catalog)) + "</p>"
            }
            if let explanation = reply.explanation {
                out += "<div class=\"explanation langs-\(words.languages.count)\">"
                for language in words.languages {
                    out += "<div lang=\"\(language.rawValue)\"><dl>"
                    for part in words.parts(of: explanation, in: language) {
                        out += "<dt>" + Self.escape(part.label) + "</dt><dd>" + Self.escape(part.meaning)
                        if let cause = part.cause { out += "<br>" + Self.escape(cause) }
                        if let hint = part.hint { out += "<br><strong>" + Self.escape(words.hintPrefix(in: language)) + "</strong> " + Self.escape(hint) }
                        out += "</dd>"
                    }
                    out += "</dl></div>"
                }
                out += "</div>"
            }
            return out + "</li>\n"
        }
    }

    /// Text for HTML: `&`, `<`, `>`, `"`, `'` as references; controls (already shown as
    /// `\x1B` by smtpsh) never reach the page as they are.
    static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += VisibleText.escape(String(scalar))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Large type for a projector, dark on light (contrast above 7:1), and each class told by
    /// a word and a border pattern as well as by colour; printed, everything is open and black.
    static let style = """
        :root { --c2: #1a6b2f; --c3: #1f4f99; --c4: #8a5a00; --c5: #a3161a; --ink: #111; --muted: #444; --paper: #fff; }
        * { box-sizing: border-box; }
        body { font: 18px/1.45 system-ui, "Noto Sans", "Noto Sans CJK JP", sans-serif; color: var(--ink); background: var(--paper);
          margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem; }
        h1 { font-size: 1.6rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
        h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); }
        pre { font: 0.95rem/1.35 ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK JP", monospace; margin: 0.2rem 0;
          white-space: pre-wrap; overflow-wrap: anywhere; }
        dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
        dl.summary dt { font-weight: bold; }
        dl.summary dd { margin: 0; overflow-wrap: anywhere; }
        ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 0.5rem; padding: 0; }
        ul.legend li, ul.legend li.reply { padding: 0.1rem 0.6rem; margin: 0 !important; }
        ol.timeline { list-style: none; padding: 0; margin: 0; }
        ol.timeline > li { margin: 0.4rem 0; padding: 0.3rem 0.7rem; border-radius: 4px; }
        .who { display: block; font-size: 0.8rem; font-weight: bold; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
        li.sent { margin-right: 35% !important; background: #eef1f5; border-left: 4px solid #555; }
        li.reply { margin-left: 20% !important; background: #fafafa; }
        li.note { color: var(--muted); font-style: italic; margin-left: 10% !important; margin-right: 10% !important; }
        li.note.warning { color: #6b3d00; }
        li.tls-boundary { text-align: center; font-weight: bold; border-top: 3px double var(--ink); border-bottom: 3px double var(--ink); }
        .reply.c2 { border: 2px solid var(--c2); border-left-width: 8px; }
        .reply.c3 { border: 2px dotted var(--c3); border-left: 8px solid var(--c3); }
        .reply.c4 { border: 2px dashed var(--c4); border-left: 8px double var(--c4); }
        .reply.c5 { border: 3px double var(--c5); border-left: 10px solid var(--c5); }
        .c2 .class, ul.legend .c2 { color: var(--c2); }
        .c3 .class, ul.legend .c3 { color: var(--c3); }
        .c4 .class, ul.legend .c4 { color: var(--c4); }
        .c5 .class, ul.legend .c5 { color: var(--c5); }
        .class { font-weight: bold; margin-right: 0.8rem; }
        .latency, .answers, .label { color: var(--muted); margin-right: 0.8rem; font-size: 0.9rem; }
        .recognised { font-weight: bold; margin: 0.2rem 0; }
        .explanation { font-size: 0.95rem; border-top: 1px solid #ccc; margin-top: 0.3rem; }
        .explanation.langs-2, .explanation.langs-3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
        .explanation dl { margin: 0.2rem 0; display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.7rem; }
        .explanation dt { font-weight: bold; }
        .explanation dd { margin: 0; }
        details.group { border-top: 1px solid #bbb; padding: 0.3rem 0; }
        details.group > summary { font-weight: bold; cursor: pointer; font-size: 1.05rem; }
        strong.refused { color: var(--c5); }
        details.more summary { color: var(--muted); cursor: pointer; }
        footer { color: var(--muted); font-size: 0.85rem; margin-top: 2rem; }
        @media print {
          body { font-size: 11pt; max-width: none; color: #000; }
          :root { --c2: #000; --c3: #000; --c4: #000; --c5: #000; --muted: #333; }
          li.sent, li.reply { background: none; break-inside: avoid; }
          details > summary { list-style: none; }
          details::details-content { content-visibility: visible; display: block; }
        }

        """
}
