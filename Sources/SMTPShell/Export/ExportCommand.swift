#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPCore

/// `smtpsh export FILE --markdown OUT | --html OUT | --evidence OUT`: a recorded session (a
/// recording, a swaks transcript, a telnet paste, or `--json` events) as something to show or
/// send: an annotated timeline in Markdown or in one self-contained HTML page, or a plain-text
/// evidence file for a support ticket, `--pseudonymise`d if asked. `-` is standard input (for
/// FILE) or standard output (for OUT). See Docs/guide.md, "Showing and sharing a session".
struct ExportCommand {
    static let spec = CommandSpec(
        name: "export",
        usage: "smtpsh export [options] <file> (--markdown|--html|--evidence) <out>",
        abstract: "help-export-abstract",
        discussion: ["help-export-discussion", "help-export-status"],
        examples: [
            "smtpsh export session.smtp --html session.html",
            "smtpsh export session.smtp --markdown - --lang en,fr",
            "smtpsh export events.jsonl --evidence ticket.txt --pseudonymise",
        ],
        arguments: [ArgumentSpec(name: "file", help: "argument-export-file")],
        options: [
            .value("markdown", "file", help: "option-export-markdown"),
            .value("html", "file", help: "option-export-html"),
            .value("evidence", "file", help: "option-export-evidence"),
            .flag("pseudonymise", help: "option-export-pseudonymise"),
            .value("lang", "languages", help: "option-lang"),
        ]
    )

    var file: String
    var markdown: String?
    var html: String?
    var evidence: String?
    var pseudonymise: Bool
    var languages: [Language]
    /// The command line as given, for the evidence file.
    var arguments: [String]

    init(_ parsed: ParsedCommandLine, arguments: [String] = []) throws(UsageError) {
        guard let file = parsed.positional(0) else { throw UsageError(Words["usage-export-no-file"], command: "export") }
        self.file = file
        markdown = parsed.value("markdown")
        html = parsed.value("html")
        evidence = parsed.value("evidence")
        pseudonymise = parsed.flag("pseudonymise")
        guard markdown != nil || html != nil || evidence != nil else {
            throw UsageError(Words["usage-export-no-output"], command: "export")
        }
        if pseudonymise && evidence == nil {
            throw UsageError(Words["usage-export-pseudonymise"], command: "export")
        }
        let outputs = [markdown, html, evidence].compactMap { $0 }
        if outputs.filter({ $0 == "-" }).count > 1 { throw UsageError(Words["usage-export-one-stdout"], command: "export") }
        languages = try parsed.value("lang").map { lang throws(UsageError) in try LanguageOption.parse(lang, command: "export") } ?? [Words.language]
        self.arguments = arguments
    }

    /// The most a file may hold (as `smtpsh replay`).
    static let limit = 64 << 20

    func run() throws(ShellError) -> ExitStatus {
        let timeline = try Self.load(file, languages: languages)
        let name = file == "-" ? "-" : FilePath.lastComponent(of: file)
        let words = ExportWords(languages: languages)
        if let markdown { try Self.write(MarkdownExport(words: words).render(timeline, file: name), to: markdown) }
        if let html { try Self.write(HTMLExport(words: words).render(timeline, file: name), to: html) }
        if let evidence {
            let export = EvidenceExport(words: words, pseudonymise: pseudonymise, command: ["smtpsh", "export"] + arguments)
            try Self.write(export.render(timeline, file: name), to: evidence)
        }
        return .success
    }

    static func load(_ file: String, languages: [Language]) throws(ShellError) -> SessionTimeline {
        guard let data = BoundedRead.contents(of: file, limit: limit + 1) else {
            throw ShellError("usage-cannot-read", ["file": VisibleTextShort.of(file)], status: .usage)
        }
        guard data.count <= limit else {
            throw ShellError("script-too-big", ["file": VisibleTextShort.of(file)], status: .dataError)
        }
        do throws(ExportReadError) {
            return try SessionTimeline.read(Array(data), languages: languages)
        } catch {
            switch error {
            case .script(let error):
                throw ShellError(ScriptErrorText.describe(error, file: VisibleTextShort.of(file)), status: .dataError)
            case .json(let line):
                throw ShellError("export-bad-json", ["file": VisibleTextShort.of(file), "line": String(line)], status: .dataError)
            }
        }
    }

    /// Writes a whole export: to standard output for `-`, else to a file created 0600 (it
    /// holds what a server said about its users), replacing it. A file that cannot be
    /// written is said as `--record` says it (status 64).
    static func write(_ text: String, to path: String) throws(ShellError) {
        if path == "-" {
            Console.write(text, to: STDOUT_FILENO)
            return
        }
        let file = try TranscriptFile(path: path, replace: true)
        defer { file.close() }
        // TranscriptFile writes a line at a time; the export is one block without its last line end.
        file.write(text.hasSuffix("\n") ? String(text.dropLast()) : text)
    }
}
