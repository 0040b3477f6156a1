#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPCore

#if canImport(Glibc)
    import Glibc
#endif

/// `smtpsh explain`: what a reply code, an enhanced status code or a whole reply line means,
/// from the reply catalogue (Docs/catalog.md), in English, French or Japanese.
struct ExplainCommand {
    static let spec = CommandSpec(
        name: "explain",
        usage: "smtpsh explain [options] [<code|line>…]",
        abstract: "help-explain-abstract",
        discussion: ["help-explain-discussion", "help-explain-status"],
        examples: [
            "smtpsh explain 550",
            "smtpsh explain 5.1.1 '#4.3.1' 5.7.708",
            "smtpsh explain '452 #4.3.1 queue full'",
            "smtpsh explain '550-5.7.1 [203.0.113.5] Our system has detected an unusual rate'",
            "smtpsh explain 'SIZE 35882577' '334 VXNlcm5hbWU6'",
            "smtpsh explain 550 --lang en,ja",
            "smtpsh explain --list --lang fr > antiseche.txt",
        ],
        arguments: [ArgumentSpec(name: "code|line", help: "argument-explain-input", repeatable: true)],
        options: [
            .value("lang", "languages", help: "option-lang"),
            .flag("list", help: "option-list"),
        ]
    )

    var inputs: [String]
    var languages: [Language]
    var list: Bool

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        inputs = parsed.positionals
        languages = try parsed.value("lang").map { lang throws(UsageError) in try LanguageOption.parse(lang, command: "explain") } ?? [Words.language]
        list = parsed.flag("list")
    }

    func run() throws(ShellError) -> ExitStatus {
        let catalog = Catalog.shared
        let messageLanguage = languages[0]
        let columns = Environment.columns

        if list {
            var lines: [String] = []
            for language in languages {
                if !lines.isEmpty { lines.append("") }
                lines += CatalogCheatSheet.render(catalog, language: language, columns: columns)
            }
            Console.out(lines.joined(separator: "\n"))
            return .success
        }

        var inputs = self.inputs
        if inputs.isEmpty, isatty(STDIN_FILENO) == 0 {
            inputs = [Self.readStandardInput()]
        }
        let items = Self.items(for: inputs, catalog: catalog)
        guard !items.isEmpty else {
            throw ShellError(text: catalog.message("explain-nothing", in: messageLanguage), status: .usage)
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
            let shown = VisibleTextShort.of(input, limit: 80)
            Console.err("smtpsh: " + catalog.message("explain-unknown-input", in: messageLanguage, ["input": shown]))
        }
        return unknown.isEmpty ? .success : .usage
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

    /// Standard input, up to 1 MiB (a pasted bounce message, not a mailbox).
    static func readStandardInput() -> String {
        String(decoding: BoundedRead.contents(of: "-", limit: 1_048_576) ?? Data(), as: UTF8.self)
    }
}
