import Testing
@testable import SMTPCatalog

/// The syntax of Docs/catalog.md, and its errors with file and line.
@Suite struct CatalogParserTests {
    static let complete = """
        # A comment.
          # An indented comment.

        [basic.250]
        en: Done.
        fr: Fait.
        ja: 完了しました。
        """

    func parse(_ text: String, name: String = "test.catalog") -> Catalog {
        Catalog(sources: [CatalogSource(name: name, text: text)])
    }

    @Test func aCompleteEntry() throws {
        let catalog = parse(Self.complete)
        #expect(catalog.diagnostics.isEmpty)
        let entry = try #require(catalog["basic.250"])
        #expect(entry.meaning == [.en: "Done.", .fr: "Fait.", .ja: "完了しました。"])
        #expect(entry.hint.isEmpty)
        #expect(entry.location == CatalogLocation(file: "test.catalog", line: 4))
    }

    @Test func continuationLinesAreJoinedWithOneSpace() throws {
        let catalog = parse(
            """
            [basic.250]
            en: Done,
              and more,
                and even more.
            fr: Fait.
            ja: 完了
              しました。
            """)
        #expect(catalog.diagnostics.isEmpty)
        #expect(catalog["basic.250"]?.meaning[.en] == "Done, and more, and even more.")
        #expect(catalog["basic.250"]?.meaning[.ja] == "完了 しました。")
    }

    @Test func crlfLineEndsAndAByteOrderMarkAreRead() {
        let text =
            "\u{FEFF}"
            + Self.complete.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        let catalog = parse(text)
        #expect(catalog.diagnostics.isEmpty)
        #expect(catalog["basic.250"]?.meaning[.fr] == "Fait.")
    }

    @Test func trailingSpacesAreDropped() {
        let catalog = parse("[basic.250]  \nen: Done.   \nfr: Fait.\t\nja: 完了。")
        #expect(catalog.diagnostics.isEmpty)
        #expect(catalog["basic.250"]?.meaning[.en] == "Done.")
    }

    @Test(arguments: [
        ("[basic.250]\nen: Done.\nfr: Fait.\nja: 完了。\nthis is loose text", 5, "neither a [key]"),
        ("[basic.250]\nen: Done.\nfr: Fait.\nja: 完了。\nde: Fertig.", 5, "unknown field 'de'"),
        ("en: Done.\n[basic.250]\nen: Done.\nfr: Fait.\nja: 完了。", 1, "before any [key]"),
        ("[basic.250]\n  floating\nen: Done.\nfr: Fait.\nja: 完了。", 2, "no field comes just before it"),
        ("[basic.250]\nen: Done.\n\n  after a blank line\nfr: Fait.\nja: 完了。", 4, "no field comes just before it"),
        ("[basic.250\nen: Done.", 1, "'[key]' alone"),
        ("[basic.250]\n en: Done.\nfr: Fait.\nja: 完了。", 2, "neither a [key]"),
    ])
    func aBadLineIsReportedWithItsLine(text: String, line: Int, message: String) throws {
        let catalog = parse(text, name: "bad.catalog")
        let diagnostic = try #require(
            catalog.diagnostics.first { $0.message.contains(message) }, "\(catalog.diagnostics)")
        #expect(diagnostic.location == CatalogLocation(file: "bad.catalog", line: line))
        #expect(diagnostic.message.contains(message), "\(diagnostic)")
        #expect(diagnostic.description.hasPrefix("bad.catalog:\(line): "))
    }

    @Test func theRestOfTheCatalogueStaysUsable() {
        let catalog = parse(
            "[basic.250]\nen: Done.\nnonsense\nfr: Fait.\nja: 完了。\n\n[basic.221]\nen: Bye.\nfr: Au revoir.\nja: さようなら。")
        #expect(catalog.diagnostics.count == 1)
        #expect(catalog["basic.250"]?.meaning[.fr] == "Fait.")
        #expect(catalog["basic.221"] != nil)
    }

    @Test func severalFilesMakeOneCatalogue() {
        let catalog = Catalog(sources: [
            CatalogSource(name: "a.catalog", text: Self.complete),
            CatalogSource(name: "b.catalog", text: "[basic.221]\nen: Bye.\nfr: Au revoir.\nja: さようなら。"),
        ])
        #expect(catalog.entries.map(\.key.rawValue) == ["basic.250", "basic.221"])
        #expect(catalog["basic.221"]?.location.file == "b.catalog")
    }

    /// Start-up reads only keys and `match:` lines, and an entry's fields when it is used:
    /// it must find what the full reading finds.
    @Test func theQuickReadingFindsTheSameEntries() {
        let text = """
            \u{FEFF}# comment
            [appliance.x]
            match: 452 full
              up
            en: One,\r
              two.
            en.hint: H.
            en: ignored (second en)
            fr: Un.
            fr.hint: H.
            ja: 一。
            ja.hint: H。

            [basic.250]
            # a comment between fields
            en: Done.
            fr: Fait.
            ja: 完了。
            [basic.221]
            en: Bye.
            fr: Au revoir.
            ja: さようなら。
            """
        let sources = [CatalogSource(name: "t.catalog", text: text)]
        let checked = Catalog(sources: sources)
        let quick = Catalog(sources: sources, checks: false)
        #expect(quick.entries == checked.entries)
        #expect(quick.entries.count == 3)
        #expect(quick["appliance.x"]?.meaning[.en] == "One, two.")
        #expect(quick["appliance.x"]?.matches == ["452 full up"])
        #expect(quick.textMatch("452 full up")?.entry.key.rawValue == "appliance.x")
        #expect(quick["basic.221"]?.meaning[.ja] == "さようなら。")
        #expect(quick.diagnostics.isEmpty)
        #expect(checked.diagnostics.count == 1)  // en twice
    }
}
