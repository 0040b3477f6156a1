import ArgumentParser
import Foundation
import SMTPCatalog
import SMTPCore

#if canImport(Glibc)
    import Glibc
#endif

/// `smtpsh explain`: what a reply code, an enhanced status code or a whole reply line means,
/// from the reply catalogue (Docs/catalog.md), in English, French or Japanese.
public struct ExplainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a reply code, an enhanced status code or a whole reply line.",
        discussion: """
            Give codes, reply lines (quoted), EHLO keywords, or lines pasted from a session or \
            a bounce message; with no argument and a pipe on standard input, the lines read \
            there. The language comes from --lang, else from LC_ALL, LC_MESSAGES or LANG.

            Examples:
              smtpsh explain 550
              smtpsh explain 5.1.1 '#4.3.1' 5.7.708
              smtpsh explain '452 #4.3.1 queue full'
              smtpsh explain '550-5.7.1 [203.0.113.5] Our system has detected an unusual rate'
              smtpsh explain 'SIZE 35882577' '334 VXNlcm5hbWU6'
              smtpsh explain 550 --lang en,ja
              smtpsh explain --list --lang fr > antiseche.txt

            Exit status: 0 when everything was explained, 64 when an input is neither a code, \
            a reply line nor an EHLO keyword (the others are still explained).
            """
    )

    @Argument(
        help: ArgumentHelp("Reply codes, enhanced status codes, reply lines or EHLO keywords.", valueName: "code|line"))
    var inputs: [String] = []

    @Option(
        help: ArgumentHelp(
            "The language: en, fr or ja, or several (en,ja). Default: from the environment.", valueName: "languages"))
    var lang: String?

    @Flag(help: "Print the whole catalogue as tables, one per language: a cheat sheet.")
    var list = false

    public init() {}

    public func run() throws {
        let environment = Self.environment()
        let catalog = Catalog.shared
        let languages = try Self.languages(lang, environment: environment, catalog: catalog)
        let messageLanguage = languages[0]
        let columns = Self.terminalColumns(environment: environment)

        if list {
            var lines: [String] = []
            for language in languages {
                if !lines.isEmpty { lines.append("") }
                lines += CatalogCheatSheet.render(catalog, language: language, columns: columns)
            }
            Console.out(lines.joined(separator: "\n"))
            return
        }

        var inputs = self.inputs
        if inputs.isEmpty, isatty(STDIN_FILENO) == 0 {
            inputs = [Self.readStandardInput()]
        }
        let items = Self.items(for: inputs, catalog: catalog)
        guard !items.isEmpty else {
            throw ShellError(catalog.message("explain-nothing", in: messageLanguage), status: .usage)
        }

        var output: [String] = []
        var unknown: [String] = []
        for item in items {
            switch item {
            case .explained(let input, let explanation):
                if !output.isEmpty { output.append("") }
                output += Self.render(
                    input: input, explanation, languages: languages, columns: columns, catalog: catalog)
            case .notUnderstood(let input):
                unknown.append(input)
            }
        }
        if !output.isEmpty { Console.out(output.joined(separator: "\n")) }
        for input in unknown {
            let shown = VisibleText.escape(input.count > 80 ? String(input.prefix(79)) + "…" : input)
            Console.err("smtpsh: " + catalog.message("explain-unknown-input", in: messageLanguage, ["input": shown]))
        }
        if !unknown.isEmpty { throw ExitCode(ExitStatus.usage.rawValue) }
    }

    /// The inputs, each explained on its own; when one is not understood and they read as
    /// one line once joined (`smtpsh explain 452 '#4.3.1' queue full`), as that line.
    static func items(for inputs: [String], catalog: Catalog) -> [ExplainItem] {
        let separate = inputs.flatMap { catalog.explain(input: $0, options: .full) }
        guard inputs.count > 1, separate.contains(where: { if case .notUnderstood = $0 { true } else { false } }) else {
            return separate
        }
        let joined = catalog.explain(input: inputs.joined(separator: " "), options: .full)
        if !joined.isEmpty, !joined.contains(where: { if case .notUnderstood = $0 { true } else { false } }) {
            return joined
        }
        return separate
    }

    /// A bare code or keyword: its explanation alone. A reply line: the line, then the
    /// explanation indented under it, as in a session.
    static func render(
        input: String,
        _ explanation: Explanation,
        languages: [Language],
        columns: Int,
        catalog: Catalog
    ) -> [String] {
        switch explanation.subject {
        case .code, .enhancedCode, .ehloKeyword:
            return ExplanationRenderer(columns: columns, indent: 0, languages: languages, catalog: catalog).render(
                explanation)
        case .reply, .ehloReply, .authChallenge:
            let lines = input.split(separator: "\n").map { VisibleText.escape(String($0)) }
            return lines
                + ExplanationRenderer(columns: columns, indent: 4, languages: languages, catalog: catalog).render(
                    explanation)
        }
    }

    /// `--lang`, else the environment's language.
    static func languages(_ option: String?, environment: [String: String], catalog: Catalog) throws -> [Language] {
        let preferred = Language.preferred(environment: environment)
        guard let option else { return [preferred] }
        do throws(UnknownLanguage) {
            return try Language.list(parsing: option)
        } catch {
            let message = catalog.message(
                "unknown-language",
                in: preferred,
                [
                    "input": VisibleText.escape(error.input),
                    "languages": Language.allCases.map(\.rawValue).joined(separator: ", "),
                ]
            )
            throw ShellError(message, status: .usage)
        }
    }

    /// The variables `explain` reads (`getenv`, cheaper at start-up than the whole environment).
    static func environment() -> [String: String] {
        var values: [String: String] = [:]
        for name in ["LC_ALL", "LC_MESSAGES", "LANG", "COLUMNS"] {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }

    /// The terminal's width; else `COLUMNS`; else 80.
    static func terminalColumns(environment: [String: String]) -> Int {
        if isatty(STDOUT_FILENO) == 1 {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        }
        if let value = environment["COLUMNS"], let columns = Int(value), columns > 0 { return columns }
        return 80
    }

    /// Standard input, up to 1 MiB (a pasted bounce message, not a mailbox).
    static func readStandardInput() -> String {
        var data = Data()
        while data.count < 1_048_576 {
            let chunk = FileHandle.standardInput.readData(ofLength: 65_536)
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        return String(decoding: data.prefix(1_048_576), as: UTF8.self)
    }
}
