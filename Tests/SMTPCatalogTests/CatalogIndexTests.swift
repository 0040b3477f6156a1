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
        let text = try CatalogIndex.encode(entries, sources: Self.sources)
        let lines = text.split(separator: "\n")
        // The entries' section's length, the entries by key, then the match: lines by code.
        #expect(lines.count == 1 + 3 + 1)
        #expect(Int(lines[0]) == lines[1...3].reduce(0) { $0 + $1.utf8.count + 1 })
        #expect(lines[1] == "appliance.queue-full\t2\t0\t33\t88\t3\t3:40-50+53-63")
        #expect(lines[4] == "452\t0\t0\t3:40-50+53-63")
        #expect(CatalogIndex.decode(text, sources: Self.sources) == entries)
        #expect(entries[0].fields[0].text.string(in: Self.sources) == "452 #4.3.1 queue full")
    }

    /// Many entries in several files, looked up by halving: every key is found, with its own
    /// entry; keys between, before and after them are not; prefixes and codes find theirs.
    @Test func lookupsFindEveryEntryAndNothingElse() throws {
        var files: [CatalogSource] = []
        for file in 0..<3 {
            var text = ""
            for number in stride(from: file, to: 300, by: 3) {
                text += "[basic.\(100 + number)]\nmatch: \(100 + number) text \(number)\nen: Entry \(number).\n\n"
            }
            files.append(CatalogSource(name: "f\(file).catalog", text: text))
        }
        let entries = files.enumerated().flatMap { CatalogParser.parse($1, sourceIndex: $0, mode: .keysAndMatches).entries }
        let table = CatalogIndex.Table(try CatalogIndex.encode(entries, sources: files), sources: files)
        for entry in entries {
            #expect(table.entry(forKey: entry.keyText)?.entry == entry)
        }
        for missing in ["basic.0", "basic.1000", "basic.1500", "a", "z", "basic.", "basic.10", "basic.4000"] {
            #expect(table.entry(forKey: missing) == nil, "\(missing)")
        }
        #expect(table.entries(withPrefix: "basic.2").map(\.entry.keyText).sorted() == (200...299).map { "basic.\($0)" })
        // In the files' order, not the keys'.
        let fifties = table.entries(withPrefix: "basic.15").map(\.entry.keyText)
        #expect(fifties == entries.map(\.keyText).filter { $0.hasPrefix("basic.15") } && fifties.count == 10)
        #expect(fifties != fifties.sorted())
        #expect(table.entries(withPrefix: "nothing.").isEmpty)
        for code in [100, 250, 399] {
            let patterns = table.patterns(code: code)
            #expect(patterns.count == 1 && patterns[0].keyText == "basic.\(code)")
            #expect(patterns.first.map { $0.text.string(in: files) } == "\(code) text \(code - 100)")
        }
        #expect(table.patterns(code: 99).isEmpty && table.patterns(code: 400).isEmpty)
        #expect(table.codes() == Array(100...399))
        #expect(table.all().map(\.entry) == entries)
    }

    @Test func linesThatCannotBeReadAreLeftOut() throws {
        let good = try CatalogIndex.encode(Self.parsed(), sources: Self.sources)
        let header = good.prefix { $0 != "\n" }
        let section = good.dropFirst(header.count + 1).prefix(Int(header)!)
        let bad = [
            "", "only-a-key", "key\t1\t0\t10", "key\tx\t0\t1\t2\t3", "key\t1\t9\t1\t2\t3", "key\t1\t0\t5\t2\t3",
            "key\t1\t0\t1\t2\t3\t7:9-1", "key\t1\t0\t1\t2\t3\t:1-2", "key\t1\t0\t1\t2\t99999999999999999999",
        ].joined(separator: "\n") + "\n"
        let text = "\(bad.utf8.count + section.utf8.count)\n" + bad + section
        let decoded = CatalogIndex.decode(text, sources: Self.sources)
        // The one line with a match that cannot be read keeps its entry, without the match.
        #expect(decoded.count == 3 + 2)
        #expect(Set(decoded).isSuperset(of: Self.parsed()))
        // No header, or one longer than the text: nothing is read, and nothing crashes.
        for broken in ["", "x\n" + section, "99999\n" + section, "\(Int.max)\n"] {
            let table = CatalogIndex.Table(String(broken), sources: Self.sources)
            #expect(table.all().isEmpty && table.entry(forKey: "basic.250") == nil && table.patterns(code: 452).isEmpty)
        }
    }

    @Test func aKeyWithATabOrTwiceTheSameKeyCannotBeIndexed() {
        var entries = Self.parsed()
        entries[1].keyText = "basic.\t250"
        #expect(throws: CatalogIndex.Unencodable.self) { try CatalogIndex.encode(entries, sources: Self.sources) }
        entries[1].keyText = "message.hello"
        #expect(throws: CatalogIndex.Unencodable.self) { try CatalogIndex.encode(entries, sources: Self.sources) }
    }
}
