import SMTPCore
import Testing
@testable import SMTPCatalog

/// Each check of Docs/catalog.md fails on the data it is meant to catch, with the line to fix.
@Suite struct CatalogValidatorTests {
    func problems(_ text: String) -> [String] {
        Catalog(sources: [CatalogSource(name: "t.catalog", text: text)]).diagnostics.map(\.description)
    }

    @Test func aDuplicateKey() {
        let text = "[basic.250]\nen: A.\nfr: A.\nja: A。\n\n[basic.250]\nen: B.\nfr: B.\nja: B。"
        #expect(problems(text) == ["t.catalog:6: basic.250 is already defined at t.catalog:1"])
    }

    @Test func aDuplicateKeyAcrossFiles() {
        let entry = "[basic.250]\nen: A.\nfr: A.\nja: A。"
        let catalog = Catalog(sources: [
            CatalogSource(name: "a.catalog", text: entry), CatalogSource(name: "b.catalog", text: entry),
        ])
        #expect(catalog.diagnostics.map(\.description) == ["b.catalog:1: basic.250 is already defined at a.catalog:1"])
    }

    @Test func aMissingLanguage() {
        #expect(problems("[basic.250]\nen: A.\nja: A。") == ["t.catalog:1: basic.250 has no 'fr' text"])
    }

    @Test func aFieldTwice() {
        #expect(
            problems("[basic.250]\nen: A.\nen: B.\nfr: A.\nja: A。") == [
                "t.catalog:3: basic.250 has 'en' twice (first at line 2)"
            ])
    }

    @Test func anEmptyField() {
        #expect(problems("[basic.250]\nen:\nfr: A.\nja: A。").contains("t.catalog:2: 'en:' has no text"))
    }

    @Test(arguments: [
        "basic.650", "basic.55", "class.7", "category.6", "enhanced.1", "enhanced.1.1.1", "enhanced-class.3",
        "enhanced-subject.8", "appliance.Queue_Full", "ehlo.pipelining", "ehlo.AUTH.PLAIN.X", "nonsense", "basic.",
    ])
    func aKeyOfNoKnownForm(key: String) {
        #expect(problems("[\(key)]\nen: A.\nfr: A.\nja: A。").first?.contains("is not a known form of key") == true)
    }

    @Test func aFailureEntryNeedsHints() {
        #expect(
            problems("[basic.550]\nen: A.\nfr: A.\nja: A。") == [
                "t.catalog:1: basic.550 needs a hint in every language (4xx/5xx entry): no 'en.hint'"
            ])
        #expect(problems("[basic.250]\nen: A.\nfr: A.\nja: A。").isEmpty)
        #expect(!problems("[enhanced.9.9]\nen: A.\nfr: A.\nja: A。").isEmpty)
        #expect(!problems("[class.4]\nen: A.\nfr: A.\nja: A。").isEmpty)
        #expect(problems("[category.5]\nen: A.\nfr: A.\nja: A。").isEmpty)
        #expect(!problems("[appliance.x]\nmatch: 452 full\nen: A.\nfr: A.\nja: A。").isEmpty)
        #expect(problems("[appliance.x]\nmatch: 250 fine\nen: A.\nfr: A.\nja: A。").isEmpty)
    }

    @Test func oneHintMeansAllHints() {
        #expect(
            problems("[basic.250]\nen: A.\nen.hint: H.\nfr: A.\nja: A。\nja.hint: H。") == [
                "t.catalog:1: basic.250 has a hint, but no 'fr.hint' (when one language has a hint, all must)"
            ])
    }

    @Test func aPlaceholderMissingInOneLanguage() {
        let text = "[appliance.x]\nmatch: 221 {host}\nen: Bye from {host}.\nfr: Au revoir.\nja: {host} からさようなら。"
        #expect(problems(text) == ["t.catalog:4: 'fr' lacks {host}, which 'en' uses"])
        let hint = "[basic.250]\nen: A.\nen.hint: {size}\nfr: A.\nfr.hint: B\nja: A。\nja.hint: C"
        #expect(problems(hint).contains("t.catalog:5: 'fr.hint' lacks {size}, which 'en.hint' uses"))
    }

    @Test func aPlaceholderTheEntryCannotFill() {
        #expect(problems("[basic.250]\nen: {host}\nfr: {host}\nja: {host}").count == 3)
        #expect(problems("[ehlo.SIZE]\nen: {size}\nfr: {size}\nja: {size}").isEmpty)
        #expect(problems("[ehlo.DSN]\nen: {size}\nfr: {size}\nja: {size}").count == 3)
        #expect(problems("[message.x]\nen: {anything}\nfr: {anything}\nja: {anything}").isEmpty)
        // Braces that are not a placeholder are text.
        #expect(problems("[basic.250]\nen: {\"json\": 1} {A}\nfr: {}\nja: {}").isEmpty)
    }

    @Test func aPlaceholderNotInEveryMatchLine() {
        let text =
            "[appliance.x]\nmatch: 501 error\nmatch: 501 error {arg}\nen: Bad {arg}.\nen.hint: H.\nfr: Mauvais {arg}.\nfr.hint: H.\nja: {arg}\nja.hint: H。"
        #expect(problems(text).count == 3)
        #expect(problems(text).allSatisfy { $0.contains("not every match: line of appliance.x has it") })
    }

    @Test func matchLines() {
        #expect(problems("[appliance.x]\nen: A.\nfr: A.\nja: A。") == ["t.catalog:1: appliance.x has no 'match:' line"])
        #expect(
            problems("[basic.250]\nmatch: 250 ok\nen: A.\nfr: A.\nja: A。") == [
                "t.catalog:2: only appliance and vendor entries have 'match:' lines"
            ])
        #expect(
            problems("[appliance.x]\nmatch: ok then\nen: A.\nfr: A.\nja: A。").first?.contains(
                "starts with the reply code") == true)
        #expect(
            problems("[appliance.x]\nmatch: 250 {host}{arg}\nen: A.\nfr: A.\nja: A。").first?.contains(
                "two placeholders") == true)
        #expect(
            problems("[appliance.x]\nmatch: 250 {size}\nen: A.\nfr: A.\nja: A。").first?.contains(
                "{size} cannot be matched") == true)
        let twice =
            "[appliance.x]\nmatch: 250  ok\nen: A.\nfr: A.\nja: A。\n[appliance.y]\nmatch: 250 ok\nen: A.\nfr: A.\nja: A。"
        #expect(problems(twice) == ["t.catalog:7: the same match: line is already at t.catalog:2 (two vendors may share a line when both entries are 'generic: yes')"])
    }

    @Test(
        arguments: [
            ("Réponse : oui", nil),
            ("Réponse\u{00A0}: oui ; non ? oui ! « guillemets » l’apostrophe", "no-break space (U+00A0) before ';'"),
            ("Réponse\u{00A0}: oui\u{00A0}; non\u{00A0}? oui\u{00A0}! «\u{00A0}guillemets\u{00A0}» l’apostrophe", ""),
            ("Réponse\u{202F}: oui", "no-break space (U+00A0) before ':'"),
            ("l'apostrophe", "typographic apostrophe"),
            ("«\u{00A0}texte »", "before '»'"),
            ("« texte\u{00A0}»", "after '«'"),
            ("1\u{202F}000 lignes", "not U+202F"),
            // Code, not punctuation: left alone.
            ("MAIL FROM:<a@example.org>, BY=120;R ou ;N, printf '%s' 'x', Subject: test, ip4:, include:", ""),
        ] as [(String, String?)])
    func frenchTypography(text: String, problem: String?) {
        let found = CatalogValidator.frenchTypographyProblems(text)
        switch problem {
        case nil: #expect(!found.isEmpty)
        case "": #expect(found.isEmpty, "\(found)")
        case let problem?: #expect(found.contains { $0.contains(problem) }, "\(found)")
        }
    }

    @Test func frenchTypographyIsCheckedInFrenchFieldsOnly() {
        #expect(problems("[basic.250]\nen: Note : l'anglais.\nfr: Note\u{00A0}: oui.\nja: ja : l'x") == [])
        #expect(
            problems("[basic.250]\nen: A.\nfr: Note : non.\nja: A。") == [
                "t.catalog:3: use a no-break space (U+00A0) before ':'"
            ])
    }

    @Test func aClassesLine() {
        let fields = "en: A.\nen.hint: H.\nfr: A.\nfr.hint: H.\nja: A。\nja.hint: H。"
        #expect(problems("[enhanced.1.1]\nclasses: 5\n" + fields).isEmpty)
        #expect(problems("[enhanced.2.4]\nclasses: 4 5\n" + fields).isEmpty)
        #expect(
            problems("[enhanced.1.1]\nclasses: 3\n" + fields) == [
                "t.catalog:2: 'classes:' lists the classes the registry allows, among 2, 4 and 5 (e.g. 'classes: 5'), not '3'"
            ])
        #expect(problems("[enhanced.1.1]\nclasses: 5 5\n" + fields).count == 1)
        #expect(problems("[enhanced.1.1]\nclasses: permanent\n" + fields).count == 1)
        #expect(
            problems("[basic.550]\nclasses: 5\n" + fields) == [
                "t.catalog:2: only enhanced.S.D entries have a 'classes:' line"
            ])
        #expect(problems("[enhanced.1.1]\nclasses: 5\nclasses: 4\n" + fields).count == 1)
        let catalog = Catalog(sources: [CatalogSource(name: "t.catalog", text: "[enhanced.2.4]\nclasses: 4 5\n" + fields)])
        #expect(catalog["enhanced.2.4"]?.classes == [.persistentTransientFailure, .permanentFailure])
    }

    @Test func japaneseSpacingIsCheckedInJapaneseFieldsOnly() {
        #expect(problems("[basic.250]\nen: EHLO応答\nfr: EHLO応答\nja: EHLO 応答") == [])
        #expect(
            problems("[basic.250]\nen: A.\nfr: A.\nja: EHLO応答") == [
                "t.catalog:4: put a half-width space between Japanese and ASCII: 'O応'"
            ])
    }
}
