import SMTPCatalog
import SMTPCore

/// `:export FILE` at the prompt: the session so far, exported as `smtpsh export` does, in the
/// format FILE's ending names (`.html`, `.md`; anything else is the evidence file). The session
/// so far is what the session writes down as it goes: the `--json` events when they go to a
/// file (they have the latencies), else the recording (`--record`, `:record`). A session that
/// writes nothing down has nothing to export: smtpsh says how to start.
extension MacroCommands {
    func export(_ argument: String?) -> Bool {
        guard let argument else {
            session.warn("export-local-usage")
            return false
        }
        let json = sinks.jsonPath.flatMap { $0 == "-" ? nil : $0 }
        guard let source = json ?? sinks.recordingPath else {
            session.warn("export-local-nothing")
            return false
        }
        let path = MacroDefaults.expandHome(argument)
        let lower = path.lowercased()
        let words = ExportWords(languages: [Words.language])
        do throws(ShellError) {
            let timeline = try ExportCommand.load(source, languages: words.languages)
            let name = FilePath.lastComponent(of: source)
            let text: String
            if lower.hasSuffix(".html") || lower.hasSuffix(".htm") {
                text = HTMLExport(words: words).render(timeline, file: name)
            } else if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") {
                text = MarkdownExport(words: words).render(timeline, file: name)
            } else {
                text = EvidenceExport(words: words, pseudonymise: false, arguments: [source, "--evidence", path]).render(timeline, file: name)
            }
            try ExportCommand.write(text, to: path)
        } catch {
            session.warn(error.message)
            return false
        }
        session.note("export-local-written", ["file": VisibleText.escape(argument), "source": VisibleText.escape(source)])
        return true
    }
}
