import SMTPCatalog
import SMTPCore

/// `:export FILE` at the prompt: the session so far, exported as `smtpsh export` does, in the
/// format FILE's ending names (`.html`, `.md`; anything else is the evidence file). The session
/// so far is the `--json` events when they go to a file (every line of every message), else the
/// recording (`--record`, `:record`), else what smtpsh kept of it in memory (``SessionMemory``:
/// the first lines of each message, secrets redacted).
extension MacroCommands {
    func export(_ argument: String?) -> Bool {
        guard let argument else {
            session.warn("export-local-usage")
            return false
        }
        let json = sinks.jsonPath.flatMap { $0 == "-" ? nil : $0 }
        let source = json ?? sinks.recordingPath
        let path = MacroDefaults.expandHome(argument)
        let lower = path.lowercased()
        let words = ExportWords(languages: [Words.language])
        do throws(ShellError) {
            let timeline: SessionTimeline
            let name: String
            if let source {
                timeline = try ExportCommand.load(source, languages: words.languages)
                name = FilePath.lastComponent(of: source)
            } else {
                timeline = sinks.sessionSoFar.timeline(languages: words.languages)
                name = words["export-memory-name"]
            }
            let text: String
            if lower.hasSuffix(".html") || lower.hasSuffix(".htm") {
                text = HTMLExport(words: words).render(timeline, file: name)
            } else if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") {
                text = MarkdownExport(words: words).render(timeline, file: name)
            } else {
                text = EvidenceExport(words: words, pseudonymise: false, command: [":export", argument]).render(timeline, file: name)
            }
            try ExportCommand.write(text, to: path)
        } catch {
            session.warn(error.message)
            return false
        }
        if let source {
            session.note("export-local-written", ["file": VisibleText.escape(argument), "source": VisibleText.escape(source)])
        } else {
            session.note("export-local-written-memory", ["file": VisibleText.escape(argument)])
        }
        return true
    }
}
