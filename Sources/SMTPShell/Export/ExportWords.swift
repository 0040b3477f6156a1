import SMTPCatalog
import SMTPCore

/// The words every export shares (Markdown, HTML, the evidence file), in the document's
/// language: the first of `--lang`. Each is a `message.export-*` entry (export.catalog).
struct ExportWords {
    let language: Language
    /// Every language of `--lang`: the explanations are given in each.
    let languages: [Language]
    let catalog = Catalog.shared

    init(languages: [Language]) {
        self.languages = languages.isEmpty ? [.en] : languages
        language = self.languages[0]
    }

    subscript(_ name: String, _ values: [String: String] = [:]) -> String {
        catalog.message(name, in: language, values)
    }

    /// `5xx permanent failure`: the class in words, so that it never rests on colour alone.
    func classLabel(_ code: ReplyCode) -> String {
        self["export-class-\(code.rawValue / 100)"]
    }

    /// `0.6 ms`
    func latency(_ milliseconds: Double) -> String {
        ReadableDuration.milliseconds(milliseconds, in: language)
    }

    /// The title: the server, or the file's name when the file names no server.
    func title(_ timeline: SessionTimeline, file: String) -> String {
        self["export-title", ["server": timeline.facts.server ?? file]]
    }

    /// The summary's rows: a label and its value, in order.
    func summary(_ timeline: SessionTimeline) -> [(label: String, value: String)] {
        var rows: [(String, String)] = []
        if let server = timeline.facts.server { rows.append((self["export-server"], server)) }
        if let recognised = timeline.recognised {
            rows.append((self["export-software"], recognised.description(in: language, catalog: catalog)))
        }
        if let started = timeline.facts.started { rows.append((self["export-started"], started)) }
        rows.append((self["export-tls"], tlsSummary(timeline)))
        let replies = timeline.replies
        let positive = replies.count(where: { $0.code.replyClass.isPositive })
        let transient = replies.count(where: { $0.code.rawValue / 100 == 4 })
        let permanent = replies.count(where: { $0.code.rawValue / 100 == 5 })
        rows.append((
            self["export-replies"],
            self["export-replies-count", [
                "count": String(replies.count), "positive": String(positive), "transient": String(transient),
                "permanent": String(permanent),
            ]]
        ))
        if let refusal = timeline.firstRefusal {
            rows.append((
                self["export-stopped"],
                self["export-stopped-at", ["command": refusal.answered ?? self["export-greeting"], "reply": refusal.lines.first ?? ""]]
            ))
        } else {
            rows.append((self["export-stopped"], self["export-no-refusal"]))
        }
        if let last = replies.last { rows.append((self["export-last-reply"], last.lines.first ?? "")) }
        let status = timeline.scriptStatus
        rows.append((
            self["export-status"],
            self[status == .success ? "export-status-success" : "export-status-negative", ["status": String(status.rawValue)]]
        ))
        return rows
    }

    /// `none`, `STARTTLS, TLSv1.3, TLS_AES_256_GCM_SHA384`, `implicit TLS`.
    func tlsSummary(_ timeline: SessionTimeline) -> String {
        let started = timeline.entries.contains { if case .tlsStarted = $0 { true } else { false } }
        let facts = timeline.entries.lazy.compactMap { if case .tlsStarted(let facts) = $0 { facts } else { nil } }.first
        var parts: [String] = []
        if timeline.facts.tlsMode == "implicit" {
            parts.append(self["export-tls-implicit"])
        } else if started {
            parts.append(self["export-tls-starttls"])
        } else {
            return self["export-tls-none"]
        }
        if let facts {
            parts += [facts.version, facts.cipher].compactMap { $0 }
        }
        return parts.joined(separator: listSeparator)
    }

    /// What the TLS boundary says: `TLS starts here: TLSv1.3, …, certificate for CN=…`.
    func tlsBoundary(_ facts: SessionTimeline.TLSFacts?) -> String {
        guard let facts else { return self["export-tls-boundary"] }
        var details = [facts.version, facts.cipher].compactMap { $0 }
        if let subject = facts.subject { details.append(self["export-tls-subject", ["subject": subject]]) }
        if let issuer = facts.issuer { details.append(self["export-tls-issuer", ["issuer": issuer]]) }
        if let verification = facts.verification { details.append(self["export-tls-verification", ["verification": verification]]) }
        return self["export-tls-boundary-facts", ["facts": details.joined(separator: listSeparator)]]
    }

    /// Between the items of a list: `, ` in English and French, `、` in Japanese.
    var listSeparator: String {
        let separator = self["list-separator"]
        return separator + DisplayWidth.space(after: separator)
    }

    /// Each part of an explanation in `language`: its label, its meaning, the cause and the hint.
    func parts(of explanation: Explanation, in language: Language) -> [(label: String, meaning: String, cause: String?, hint: String?)] {
        explanation.parts.compactMap { part in
            guard let meaning = part.meaning[language] else { return nil }
            return (part.label, meaning, part.cause[language], part.hint[language])
        }
    }

    /// `hint:` in `language`.
    func hintPrefix(in language: Language) -> String { catalog.message("hint-prefix", in: language) }
}
