#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SMTPCatalog
import SMTPCore

/// `smtpsh export FILE --evidence OUT`: one plain-text file to attach to a support ticket.
/// What it is and when it was made (UTC), smtpsh's version and the options of the export, the
/// server and the software recognised, TLS, the summary, what was redacted; then the
/// transcript in smtpsh's markers (` -> `, `<-  `, `=== `) with each reply's latency and its
/// explanation indented under it, as a session shows them. Secrets are `********` in every
/// case; `--pseudonymise` also replaces the mail addresses, host names and IP addresses, each
/// by the same stand-in every time (``Pseudonymiser``).
struct EvidenceExport {
    let words: ExportWords
    let pseudonymise: Bool
    /// The export's command line, said in the file (`smtpsh export …`, or `:export FILE` at the prompt).
    let command: [String]
    var columns = 100
    /// The time of the export (seconds since 1970); now by default.
    var now: Int64 = Int64(Date().timeIntervalSince1970)

    func render(_ timeline: SessionTimeline, file: String) -> String {
        var transcript: [String] = []
        var lines: [String] = []
        for entry in timeline.entries {
            switch entry {
            case .note(let text, let warning):
                transcript.append((warning ? "*** " : "=== ") + text)
            case .tlsStarted(let facts):
                transcript.append("=== " + words.tlsBoundary(facts))
            case .sent(let sent):
                let marker = sent.tls ? " ~> " : " -> "
                // The first lines and the last (the lone dot); the others are counted.
                let hidden = sent.lineCount - SessionTimeline.shownMessageLines - 1
                if sent.kind == .message && hidden > 0 {
                    transcript += sent.lines.prefix(SessionTimeline.shownMessageLines).map { marker + $0 }
                    transcript.append("=== " + words["export-message-folded", ["count": String(hidden)]])
                    if let last = sent.lines.last { transcript.append(marker + last) }
                } else {
                    transcript += sent.lines.map { marker + $0 }
                }
            case .reply(let reply):
                let marker = reply.tls ? "<~  " : "<-  "
                for (index, line) in reply.lines.enumerated() {
                    var text = marker + line
                    if index == 0, let latency = reply.latency { text += "  (" + words.latency(latency) + ")" }
                    transcript.append(text)
                }
                if let recognised = reply.recognised {
                    transcript.append("=== " + recognised.description(in: words.language, catalog: words.catalog))
                }
                if let explanation = reply.explanation {
                    transcript += ExplanationRenderer(columns: columns, indent: 6, languages: words.languages, catalog: words.catalog)
                        .render(explanation)
                }
            }
        }
        var pseudonyms = Pseudonymiser()
        if pseudonymise {
            // Names are learnt from what the session said, not from smtpsh's explanations.
            for entry in timeline.entries {
                switch entry {
                case .note(let text, _): pseudonyms.learn(text)
                case .sent(let sent): sent.lines.forEach { pseudonyms.learn($0) }
                case .reply(let reply): reply.lines.forEach { pseudonyms.learn($0) }
                case .tlsStarted(let facts):
                    [facts?.subject, facts?.issuer].compactMap { $0 }.forEach { pseudonyms.learn($0) }
                }
            }
            if let server = timeline.facts.server { pseudonyms.learn(server) }
        }
        let hide: (String) -> String = { pseudonymise ? pseudonyms.apply($0) : $0 }

        lines.append(words["export-evidence-title"])
        lines.append(String(repeating: "=", count: 60))
        lines.append(words["export-evidence-made", ["time": UTCTime(secondsSince1970: now).isoTime]])
        lines.append(words["export-evidence-version", ["version": SMTPShellVersion.current]])
        if let version = timeline.facts.version { lines.append(words["export-evidence-recorded-by", ["version": version]]) }
        lines.append(words["export-evidence-command", ["command": hide(command.joined(separator: " "))]])
        lines.append(words["export-evidence-file", ["file": hide(file), "source": timeline.facts.source]])
        lines.append("")
        for row in words.summary(timeline) {
            lines.append(row.label + ": " + hide(row.value))
        }
        lines.append("")
        lines.append(words["export-evidence-secrets"])
        if pseudonymise {
            let counts = pseudonyms.counts
            lines.append(
                words["export-evidence-pseudonymised", [
                    "addresses": String(counts.addresses), "hosts": String(counts.hosts), "ips": String(counts.ips),
                ]])
        } else {
            lines.append(words["export-evidence-not-pseudonymised"])
        }
        if timeline.replies.allSatisfy({ $0.latency == nil }) { lines.append(words["export-evidence-no-latency"]) }
        lines.append("")
        lines.append(words["export-timeline"])
        lines.append(String(repeating: "-", count: 60))
        lines += transcript.map(hide)
        return lines.joined(separator: "\n") + "\n"
    }
}
