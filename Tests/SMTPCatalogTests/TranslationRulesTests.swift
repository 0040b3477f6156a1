import Foundation
import Testing
@testable import SMTPCatalog

/// The translation rules hold in the catalogue and the tutorials: Japanese spacing, French
/// no-break spaces, the English placeholders in every translation (Docs/catalog.md, Writing the
/// text) and no term the glossary marks "not to use" (Docs/glossary.md). Each check is shown
/// catching a deliberately broken text, held here (``broken``, ``brokenTutorial``), never by
/// breaking the real data.
@Suite struct TranslationRulesTests {
    /// One entry per rule, each broken in one way (the comment above it says how).
    static let broken = """
        # Japanese with no space between kana and ASCII ("4.1.1は"), and one before "、".
        [enhanced.1.1]
        en: Bad destination mailbox. A 4.1.1 may be temporary.
        en.hint: Check the address.
        fr: Boîte de destination invalide. Un 4.1.1 peut être temporaire.
        fr.hint: Vérifiez l’adresse.
        ja: 宛先のメールボックスが存在しません。4.1.1は一時的な場合もあります。
        ja.hint: アドレス、綴り 、ドメインを確認してください。

        # French with plain spaces before ':' and inside « ».
        [basic.250]
        en: Requested action done: "OK".
        fr: Action effectuée : « OK ».
        ja: 要求した処理が完了しました。

        # A placeholder of the English missing in the French.
        [appliance.goodbye]
        match: 221 {host} goodbye
        en: Goodbye from {host}.
        fr: Au revoir.
        ja: {host} からの終了の応答です。

        # Terms the glossary marks "not to use", in French and Japanese.
        [basic.550]
        en: Mailbox unavailable.
        en.hint: Check the address; a bounce may follow.
        fr: Boîte aux lettres indisponible.
        fr.hint: Le statut concerne l’adresse\u{00A0}; un avis de non-distribution suivra.
        ja: メールボックスを利用できません。
        ja.hint: 永続的なエラーです。後でエラーメールが届きます。
        """

    static var brokenCatalogue: Catalog {
        Catalog(sources: [CatalogSource(name: "broken.catalog", text: broken)])
    }

    // MARK: - Japanese spacing

    @Test func japaneseSpacingIsCheckedInTheFixture() {
        let problems = Self.brokenCatalogue.diagnostics.map(\.description)
        #expect(problems.contains("broken.catalog:7: put a half-width space between Japanese and ASCII: '1は'"))
        #expect(problems.contains("broken.catalog:8: no space next to Japanese punctuation: ' 、'"))
    }

    @Test(
        arguments: [
            ("EHLO 応答の SIZE、ポート 25、「SIZE」、（RFC 5321）、{address} に接続、{seconds}以内", nil),
            ("EHLO応答", "'O応'"),
            ("ポート25", "'ト2'"),
            ("2番目", "'2番'"),
            ("SIZE 、AUTH", "' 、'"),
            ("「 SIZE」", "'「 '"),
            ("全角\u{3000}スペース", "U+3000"),
            // Code-like words: the junction is a symbol, left alone.
            ("MAIL FROM:<アドレス> の BY=秒数;R と user=アドレス^A", nil),
        ] as [(String, String?)])
    func japaneseSpacing(text: String, problem: String?) {
        let found = CatalogValidator.japaneseTypographyProblems(text)
        if let problem {
            #expect(found.contains { $0.contains(problem) }, "\(found)")
        } else {
            #expect(found.isEmpty, "\(found)")
        }
    }

    // MARK: - French no-break spaces

    @Test func frenchNoBreakSpacesAreCheckedInTheFixture() {
        let problems = Self.brokenCatalogue.diagnostics.map(\.description)
        #expect(problems.contains("broken.catalog:13: use a no-break space (U+00A0) before ':'"))
        #expect(problems.contains("broken.catalog:13: use a no-break space (U+00A0) after '«'"))
        #expect(problems.contains("broken.catalog:13: use a no-break space (U+00A0) before '»'"))
    }

    // MARK: - Placeholders

    @Test func theEnglishPlaceholdersAreCheckedInTheFixture() {
        let problems = Self.brokenCatalogue.diagnostics.map(\.description)
        #expect(problems.contains("broken.catalog:20: 'fr' lacks {host}, which 'en' uses"))
        #expect(!problems.contains { $0.hasPrefix("broken.catalog:21:") }, "the Japanese has {host}")
    }

    // MARK: - The glossary

    /// The glossary reads, and its terms to use are not among its terms not to use.
    @Test func theGlossaryReads() throws {
        let glossary = try Glossary.load()
        #expect(glossary.rows.count >= 40)
        for language in Language.allCases {
            let avoid = Set(glossary.rows.flatMap { $0.avoid[language] ?? [] })
            let use = Set(glossary.rows.flatMap { $0.use[language] ?? [] })
            #expect(avoid.intersection(use).isEmpty, "\(language): \(avoid.intersection(use))")
        }
        let bounce = try #require(glossary.rows.first { $0.use[.fr]?.contains("avis de non-remise") == true })
        #expect(bounce.use[.ja] == ["不達通知"])
        #expect(bounce.avoid[.ja]?.contains("エラーメール") == true)
    }

    @Test func glossaryTermsAreCheckedInTheFixture() throws {
        let glossary = try Glossary.load()
        var found: [String: [String]] = [:]
        for entry in Self.brokenCatalogue.entries {
            for language in Language.allCases {
                for text in [entry.meaning[language], entry.hint[language]].compactMap({ $0 }) {
                    found[entry.key.rawValue, default: []] += glossary.problems(in: text, language: language).map(\.term)
                }
            }
        }
        #expect(found["basic.550"]?.sorted() == ["avis de non-distribution", "statut", "エラーメール", "永続的"])
        #expect(found["enhanced.1.1", default: []].isEmpty)
    }

    @Test(
        arguments: [
            // Whole words, in any case when the term is in lower case.
            ("Le statut concerne…", Language.fr, ["statut"]),
            ("Statut : inconnu", .fr, ["statut"]),
            ("un avis statutaire", .fr, []),
            // A final * takes any word that starts so.
            ("le serveur livre le courrier", .fr, ["livr*"]),
            ("il l’a délivré", .fr, []),
            // Japanese matches anywhere, but not inside a term to use.
            ("グレーリストのため", .ja, ["グレーリスト"]),
            ("グレーリスティングのため", .ja, []),
            // A gloss, in parentheses right after the term to use.
            ("「不達通知」（いわゆるエラーメール）を読む", .ja, []),
            ("エラーメール（不達通知）を読む", .ja, ["エラーメール"]),
            // A capital letter matches exactly.
            ("base64 でデコード", .ja, []),
            ("Base64 でデコード", .ja, ["Base64"]),
        ] as [(String, Language, [String])])
    func glossaryMatching(text: String, language: Language, terms: [String]) throws {
        #expect(try Glossary.load().problems(in: text, language: language).map(\.term) == terms)
    }

    @Test func theCatalogueUsesNoTermNotToUse() throws {
        let glossary = try Glossary.load()
        for entry in Catalog(sources: Catalog.embeddedSources).entries {
            for language in Language.allCases {
                for text in [entry.meaning[language], entry.hint[language]].compactMap({ $0 }) {
                    for problem in glossary.problems(in: text, language: language) {
                        Issue.record("\(entry.location) \(entry.key) \(language): \(problem)")
                    }
                }
            }
        }
    }

    // MARK: - The tutorials

    /// A tutorial broken as the catalogue fixture is: Japanese spacing, then French spacing,
    /// then a term not to use.
    static let brokenTutorial = """
        # Titre

        Le serveur répond `250`, puis EHLO応答を読みます。
        Vous avez vu : « 250 ».

        ```console
        $ smtpsh explain 250
        250  Réponse : « ignorée dans un bloc de code »
        ```

        Un avis de non-distribution arrive.
        """

    /// The prose of a Markdown file, line by line (a table's cells one by one): not the fenced
    /// blocks (commands and their output, checked by the catalogue they come from); inline
    /// code stands as one ASCII word.
    static func prose(_ markdown: String) -> [(line: Int, text: String)] {
        var lines: [(Int, String)] = []
        var fenced = false
        for (number, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                fenced.toggle()
                continue
            }
            guard !fenced else { continue }
            let text = line.replacingOccurrences(of: "`[^`]*`", with: "code", options: .regularExpression)
            // A table row: each cell is a text of its own (the spaces around `|` are Markdown's).
            let cells = text.hasPrefix("|") ? text.split(separator: "|").map(String.init) : [text]
            for cell in cells { lines.append((number + 1, cell.trimmingCharacters(in: .whitespaces))) }
        }
        return lines
    }

    static func tutorialProblems(_ markdown: String, language: Language, glossary: Glossary) -> [String] {
        var problems: [String] = []
        for (line, text) in prose(markdown) {
            switch language {
            case .fr: problems += CatalogValidator.frenchTypographyProblems(text).map { "\(line): \($0)" }
            case .ja: problems += CatalogValidator.japaneseTypographyProblems(text).map { "\(line): \($0)" }
            case .en: break
            }
        }
        // Terms: the whole text, transcripts included (they show the catalogue's words).
        for (number, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            problems += glossary.problems(in: String(line), language: language).map { "\(number + 1): \($0)" }
        }
        return problems
    }

    @Test func tutorialChecksCatchTheBrokenFixture() throws {
        let glossary = try Glossary.load()
        let french = Self.tutorialProblems(Self.brokenTutorial, language: .fr, glossary: glossary)
        #expect(french.contains("4: use a no-break space (U+00A0) before ':'"))
        #expect(french.contains("4: use a no-break space (U+00A0) after '«'"))
        #expect(french.contains { $0.hasPrefix("11: `avis de non-distribution` is not to use") })
        #expect(!french.contains { $0.hasPrefix("8:") }, "a code block is not prose")
        let japanese = Self.tutorialProblems(Self.brokenTutorial, language: .ja, glossary: glossary)
        #expect(japanese.contains("3: put a half-width space between Japanese and ASCII: 'O応'"))
    }

    @Test(arguments: Language.allCases)
    func theTutorialFollowsTheRules(language: Language) throws {
        let url = Fixtures.packageDirectory.appendingPathComponent("Docs/tutorial.\(language).md")
        let problems = Self.tutorialProblems(
            try String(contentsOf: url, encoding: .utf8), language: language, glossary: try Glossary.load())
        for problem in problems { Issue.record("Docs/tutorial.\(language).md:\(problem)") }
    }
}
