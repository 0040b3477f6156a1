import Testing

@testable import CatalogFormat

/// The build's index of the catalogue (catalog-embedder writes it, smtpsh reads it at start-up).
@Suite struct CatalogIndexTests {
    static let sources = [
        CatalogSource(
            name: "a.catalog",
            text: """
                # comment
                [appliance.queue-full]
                match: 452 #4.3.1
                  queue full
                en: The queue is full.

                [basic.250]
                en: Done.
                """),
        CatalogSource(name: "b.catalog", text: "[message.hello]\nen: Hello {name}.\n"),
    ]

    static func parsed() -> [CatalogParser.ParsedEntry] {
        Self.sources.enumerated().flatMap { position, source in
            CatalogParser.parse(source, sourceIndex: position, mode: .keysAndMatches).entries
        }
    }

    @Test func whatIsEncodedIsDecoded() throws {
        let entries = Self.parsed()
        #expect(entries.count == 3)
        #expect(entries[0].fields.first?.text.continuations.count == 1)
        let text = try CatalogIndex.encode(entries)
        #expect(text.split(separator: "\n").first == "appliance.queue-full\t2\t0\t33\t88\t3\t3:40-50+53-63")
        #expect(CatalogIndex.decode(text, sources: Self.sources) == entries)
        #expect(entries[0].fields[0].text.string(in: Self.sources) == "452 #4.3.1 queue full")
    }

    @Test func linesThatCannotBeReadAreLeftOut() throws {
        let good = try CatalogIndex.encode(Self.parsed())
        let bad = [
            "", "only-a-key", "key\t1\t0\t10", "key\tx\t0\t1\t2\t3", "key\t1\t9\t1\t2\t3", "key\t1\t0\t5\t2\t3",
            "key\t1\t0\t1\t2\t3\t7:9-1", "key\t1\t0\t1\t2\t3\t:1-2", "key\t1\t0\t1\t2\t99999999999999999999",
        ].joined(separator: "\n")
        let decoded = CatalogIndex.decode(bad + "\n" + good, sources: Self.sources)
        // The one line with a match that cannot be read keeps its entry, without the match.
        #expect(decoded.count == 3 + 2)
        #expect(Array(decoded.suffix(3)) == Self.parsed())
    }

    @Test func aKeyWithATabCannotBeIndexed() {
        var entries = Self.parsed()
        entries[1].keyText = "basic.\t250"
        #expect(throws: CatalogIndex.Unencodable.self) { try CatalogIndex.encode(entries) }
    }
}
