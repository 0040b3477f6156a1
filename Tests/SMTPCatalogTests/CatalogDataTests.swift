import Foundation
import Testing
@testable import SMTPCatalog

/// The real data: the checks of Docs/catalog.md pass, and the binary holds the files as they are.
@Suite struct CatalogDataTests {
    @Test func theEmbeddedCatalogueHasNoProblem() {
        #expect(Catalog.shared.diagnostics.isEmpty)
        let problems = Catalog(sources: Catalog.embeddedSources).diagnostics
        for problem in problems { Issue.record("\(problem)") }
        #expect(problems.isEmpty)
    }

    /// `Catalog.shared` skips the checks: it must still read the same catalogue.
    @Test func theSharedCatalogueIsTheCheckedOne() {
        #expect(Catalog.shared.entries == Catalog(sources: Catalog.embeddedSources).entries)
    }

    /// The build indexed the files (catalog-embedder): the index is what the parser reads in
    /// them now, entry by entry, and its keys, patterns and words are the parsed catalogue's.
    @Test func theBuildTimeIndexIsWhatTheParserReads() {
        var parsed: [CatalogParser.ParsedEntry] = []
        for (position, source) in Catalog.embeddedSources.enumerated() {
            parsed += CatalogParser.parse(source, sourceIndex: position, mode: .keysAndMatches).entries
        }
        #expect(parsed.count == Catalog.embeddedEntries.count)
        for (fromParser, fromBuild) in zip(parsed, Catalog.embeddedEntries) {
            #expect(fromParser == fromBuild)
        }
        let checked = Catalog(sources: Catalog.embeddedSources)
        #expect(Catalog.shared.keys == checked.keys)
        // The patterns read when their code comes are the checked catalogue's, in the same order.
        let patterns = checked.patterns.all.mapValues { $0.map(\.text) }
        #expect(Catalog.shared.patterns.all.mapValues { $0.map(\.text) } == patterns)
        #expect(patterns.values.reduce(0) { $0 + $1.count } == Catalog.embeddedEntries.flatMap(\.fields).count)
        #expect(Catalog.words.keys == checked.keys.filter { Catalog.words[$0] != nil })
        #expect(Catalog.words.keys.count > 100 && Catalog.words.keys.allSatisfy { $0.rawValue.hasPrefix("message.") })
    }

    @Test func theFilesOnDiskHaveNoProblem() throws {
        let catalog = Catalog(sources: try Fixtures.dataFiles())
        #expect(catalog.diagnostics.map(\.description) == [])
    }

    /// The build plugin embeds every file, unchanged.
    @Test func theEmbeddedTextIsTheFilesOnDisk() throws {
        let files = try Fixtures.dataFiles()
        #expect(Catalog.embeddedSources.map(\.name) == files.map(\.name))
        for (embedded, file) in zip(Catalog.embeddedSources, files) {
            #expect(embedded.text == file.text, "\(file.name) differs from what was embedded")
        }
    }

    @Test func theFilesAreTheDocumentedOnes() {
        #expect(
            Catalog.embeddedSources.map(\.name).filter { !$0.hasPrefix("vendor-") }
                == [
                    "appliance.catalog", "basic.catalog", "commands.catalog", "ehlo.catalog", "enhanced.catalog",
                    "explain.catalog", "help.catalog", "lessons.catalog", "messages.catalog", "session.catalog",
                ]
        )
        // One file per vendor (Docs/catalog.md, How to add a vendor entry).
        for name in Catalog.embeddedSources.map(\.name) where name.hasPrefix("vendor-") {
            let vendor = String(name.dropFirst("vendor-".count).dropLast(".catalog".count))
            let keys = Catalog.shared.keys.filter { $0.vendor == vendor }
            #expect(!keys.isEmpty, "\(name) holds no entry of the vendor \(vendor)")
        }
    }

    @Test func everyEntryHasEveryLanguage() {
        for entry in Catalog.shared.entries {
            for language in Language.allCases {
                #expect(entry.meaning[language]?.isEmpty == false, "\(entry.key) has no \(language)")
            }
        }
    }

    @Test func theCatalogueHasAllItsEntries() {
        var kinds: [String: Int] = [:]
        for entry in Catalog.shared.entries {
            kinds[String(entry.key.rawValue.prefix { $0 != "." }), default: 0] += 1
        }
        #expect(kinds["basic"] == 34)
        #expect(kinds["class"] == 4)
        #expect(kinds["category"] == 6)
        #expect(kinds["enhanced"] == 81)
        #expect(kinds["enhanced-class"] == 3)
        #expect(kinds["enhanced-subject"] == 8)
        #expect(kinds["appliance"] == 59)
        #expect(kinds["auth-challenge"] == 4)
    }

    /// French typography is one style in every file (the validator checks it; this shows the style).
    @Test func frenchUsesOneTypographicStyle() {
        for entry in Catalog.shared.entries {
            for text in [entry.meaning[.fr], entry.hint[.fr]].compactMap({ $0 }) {
                #expect(!text.unicodeScalars.contains("\u{202F}"), "\(entry.key): narrow no-break space")
                #expect(!text.contains(" : ") && !text.hasSuffix(" :"), "\(entry.key): plain space before ':'")
                #expect(!text.contains(" ; "), "\(entry.key): plain space before ';'")
                #expect(!text.contains("« ") && !text.contains(" »"), "\(entry.key): plain space inside « »")
            }
        }
    }

    /// The causes (vendor, command and appliance entries) follow the same rules as the meanings
    /// and hints: the glossary's terms not to use, and the Japanese spacing the validator checks
    /// in `ja:` and `ja.hint:` (it reads `ja.cause:` for placeholders only).
    @Test func theCausesFollowTheGlossaryAndTheTypography() throws {
        let glossary = try Glossary.load()
        var checked = 0
        for entry in Catalog.shared.entries {
            for (language, text) in entry.cause {
                checked += 1
                for problem in glossary.problems(in: text, language: language) {
                    Issue.record("\(entry.key) \(language).cause: \(problem)")
                }
                if language == .ja {
                    for problem in CatalogValidator.japaneseTypographyProblems(text) {
                        Issue.record("\(entry.key) ja.cause: \(problem)")
                    }
                }
            }
        }
        #expect(checked > 600)
        // The check can fail: a term not to use and a missing space are found in a cause-like text.
        #expect(glossary.problems(in: "配信サービスの詐称です", language: .ja).map(\.term) == ["詐称"])
        #expect(!CatalogValidator.japaneseTypographyProblems("SPFレコードです").isEmpty)
    }

    /// French numbers: a no-break space between a number and its unit and as the thousands
    /// separator (`5 minutes`, `1 000 octets`), as Docs/catalog.md asks, in every French field.
    @Test func frenchNumbersKeepTheirUnitAndThousands() throws {
        let unit = try NSRegularExpression(
            pattern: "[0-9] (octets|minutes|heures|secondes|jours|Mo|Mio|Ko|Go|caractères)\\b|[0-9] [0-9]{3}(?![0-9])")
        func problems(_ text: String) -> [String] {
            unit.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
        }
        for entry in Catalog.shared.entries {
            for text in [entry.meaning[.fr], entry.hint[.fr], entry.cause[.fr]].compactMap({ $0 }) {
                #expect(problems(text).isEmpty, "\(entry.key): plain space in \(problems(text))")
            }
        }
        #expect(problems("attendez 5 minutes, 1 000 octets") == ["5 minutes", "1 000"])
        #expect(problems("attendez 5\u{00A0}minutes, 1\u{00A0}000\u{00A0}octets, RFC 5321").isEmpty)
    }

    /// Every message the code asks for exists.
    @Test(arguments: [
        "hint-prefix", "not-in-catalogue", "challenge-decoded", "explain-unknown-input", "explain-nothing",
        "unknown-language", "list-title", "list-basic", "list-classes", "list-enhanced", "list-enhanced-classes",
        "list-appliance", "list-ehlo", "list-auth-challenges",
    ])
    func everyMessageExists(name: String) {
        #expect(Catalog.shared["message." + name] != nil)
        for language in Language.allCases {
            #expect(Catalog.shared.message(name, in: language) != name)
        }
    }

    @Test func aMissingMessageFallsBackToItsName() {
        #expect(Catalog.shared.message("no-such-message", in: .ja) == "no-such-message")
    }
}
