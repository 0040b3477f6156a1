import SMTPCore
import Testing
@testable import SMTPCatalog

@Suite struct ExplanationRendererTests {
    let catalog = Catalog.shared

    static func reply(_ line: String) -> Reply { Reply(lines: [ReplyLine(bytes: Array(line.utf8))]) }

    @Test func englishUnderAReply() {
        let explanation = catalog.explain(Self.reply("550 5.1.1 <nobody@example.org>: Recipient address rejected"))
        let lines = ExplanationRenderer(columns: 80, languages: [.en]).render(explanation)
        #expect(lines[0].hasPrefix("      5.1.1  Bad destination mailbox:"))
        #expect(lines.contains { $0.hasPrefix("      550    Mailbox unavailable:") })
        #expect(lines.contains { $0.hasPrefix("      hint: Usually a typo") })
        // Continuation lines line up with the text.
        let continuation = lines[1]
        #expect(continuation.hasPrefix(String(repeating: " ", count: 13)) && continuation.dropFirst(13).first != " ")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 80 })
    }

    @Test func aVendorTextHasNoLabel() {
        let lines = ExplanationRenderer(columns: 80, languages: [.en]).render(
            catalog.explain(Self.reply("452 #4.3.1 queue full")))
        #expect(lines[0].hasPrefix("      The appliance's delivery queue is full"))
        #expect(lines.last?.hasPrefix("      ") == true)
    }

    /// The vendor's text above a labelled part (`221 my_esa.local` after the appliance was
    /// recognised): at the margin too, not under the label's text.
    @Test func aVendorTextBesideALabelStaysAtTheMargin() {
        let renderer = ExplanationRenderer(columns: 80, languages: [.en])
        let lines = renderer.render(catalog.explain(Self.reply("221 my_esa.local"), options: .concise, context: ExplainContext(server: "appliance")))
        #expect(lines.first?.hasPrefix("      The appliance my_esa.local acknowledges QUIT") == true, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("      221  Service closing transmission channel") }, "\(lines)")
    }

    /// Japanese under a reply in a 40-column terminal: a kanji takes two columns.
    @Test(arguments: [20, 40, 41, 57])
    func japaneseInANarrowTerminal(columns: Int) {
        let inputs =
            CatalogExplainTests.seedLines.map(\.line) + [
                "550 5.1.1 <nobody@example.org>: Recipient address rejected", "421 4.7.0 Try again later",
                "550-5.7.708 Access denied", "599 odd", "334 VXNlcm5hbWU6",
            ]
        let renderer = ExplanationRenderer(columns: columns, indent: 6, languages: [.ja])
        for input in inputs {
            for options in [ExplainOptions.concise, .full] {
                let lines = renderer.render(catalog.explain(Self.reply(input), options: options))
                #expect(!lines.isEmpty)
                for line in lines { #expect(DisplayWidth.of(line) <= columns, "\(input): \(line)") }
            }
        }
        let ehlo = Reply(
            code: .ok,
            lines: [
                "mx.example", "PIPELINING", "SIZE 35882577", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2",
            ])
        for line in renderer.render(catalog.explainEHLO(ehlo, options: .full)) {
            #expect(DisplayWidth.of(line) <= columns, "\(line)")
        }
    }

    @Test func everyEntryFitsEveryWidthInEveryLanguage() {
        for columns in [20, 40, 80] {
            for language in Language.allCases {
                let renderer = ExplanationRenderer(columns: columns, languages: [language])
                for entry in catalog.entries {
                    let explanation = Explanation(
                        subject: .ehloReply,
                        parts: [catalog.part(entry, role: .basicCode, label: String(entry.key.rawValue.prefix(12)))]
                    )
                    for line in renderer.render(explanation) { #expect(DisplayWidth.of(line) <= columns, "\(line)") }
                }
            }
        }
    }

    @Test func oneBlockPerLanguageWithItsTag() {
        let explanation = catalog.explain(code: ReplyCode(rawValue: 550)!)
        let lines = ExplanationRenderer(columns: 80, indent: 2, languages: [.en, .ja]).render(explanation)
        #expect(lines[0].hasPrefix("  en 550  Mailbox unavailable"))
        let japanese = lines.firstIndex { $0.hasPrefix("  ja ") }
        #expect(japanese != nil)
        #expect(lines[japanese!].hasPrefix("  ja 550  メールボックスを利用できません。"))
        #expect(lines.filter { $0.hasPrefix("  en ") || $0.hasPrefix("  ja ") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("     ヒント：メールボックス") || $0.hasPrefix("     ヒント：RCPT") })
    }

    @Test func frenchHintPrefix() {
        let lines = ExplanationRenderer(columns: 80, indent: 0, languages: [.fr]).render(
            catalog.explain(code: ReplyCode(rawValue: 421)!))
        #expect(lines.contains { $0.hasPrefix("conseil\u{00A0}: Erreur temporaire") })
    }

    @Test func ehloHintsFollowTheirKeyword() {
        let reply = Reply(code: .ok, lines: ["mx.example", "PIPELINING", "STARTTLS"])
        let lines = ExplanationRenderer(columns: 200, indent: 0, languages: [.en]).render(
            catalog.explainEHLO(reply, options: .full))
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("PIPELINING  Command pipelining"))
        #expect(lines[1].hasPrefix("            hint: Replies still come back in order"))
        #expect(lines[2].hasPrefix("STARTTLS    STARTTLS (RFC 3207)"))
    }

    @Test func aLongLabelGoesOnItsOwnLine() {
        let explanation = catalog.explain(Self.reply("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"))
        let lines = ExplanationRenderer(columns: 60, indent: 0, languages: [.en]).render(explanation)
        #expect(lines[0] == "“<1896.697170952@postoffice.reston.mci.net>”")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 60 })
    }

    @Test func nothingToShowIsNoLine() {
        #expect(ExplanationRenderer(languages: [.en]).render(Explanation(subject: .ehloReply, parts: [])).isEmpty)
    }
}

@Suite struct CatalogCheatSheetTests {
    @Test(arguments: Language.allCases)
    func everyEntryIsListed(language: Language) {
        let lines = CatalogCheatSheet.render(language: language, columns: 100)
        let text = lines.joined(separator: "\n")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 100 })
        #expect(lines[0].contains(language.nativeName))
        for entry in Catalog.shared.entries {
            if case .message = entry.key.kind { continue }
            // The appliance's lines have their own section, under their own heading.
            if entry.key.rawValue == "server.appliance" { continue }
            let start = String(entry.meaning[language]!.prefix(12))
            #expect(text.replacingSpaces.contains(start.replacingSpaces), "\(entry.key)")
        }
        #expect(text.contains("  550  "))
        #expect(text.contains("  X.7.30  "))
        #expect(text.contains("  452 #4.3.1 queue full"))
        #expect(text.contains("  AUTH CRAM-MD5  "))
    }

    @Test func theOrderIsNumeric() {
        let lines = CatalogCheatSheet.render(language: .en, columns: 100)
        let enhanced = lines.compactMap { line -> String? in
            let word = line.dropFirst(2).prefix { $0 != " " }
            return line.hasPrefix("  X.") && !word.hasSuffix(".X") ? String(word) : nil
        }
        #expect(enhanced.first == "X.0.0")
        #expect(enhanced.firstIndex(of: "X.1.2")! < enhanced.firstIndex(of: "X.1.10")!)
        #expect(enhanced.last == "X.7.30")
    }

    @Test func aNarrowSheetStillFits() {
        for language in Language.allCases {
            #expect(CatalogCheatSheet.render(language: language, columns: 40).allSatisfy { DisplayWidth.of($0) <= 40 })
        }
    }
}
