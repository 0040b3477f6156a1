import Testing
@testable import SMTPCatalog

@Suite struct LanguageTests {
    @Test(arguments: [
        ("en", Language.en), ("fr", .fr), ("ja", .ja), ("FR", .fr), ("fr_FR.UTF-8", .fr), ("fr_CA", .fr),
        ("fr-BE", .fr), ("ja_JP.UTF-8", .ja), ("ja_JP.eucJP", .ja), ("en_GB.UTF-8@euro", .en), ("en_US", .en),
    ])
    func aLocaleGivesItsLanguage(locale: String, language: Language) {
        #expect(Language(locale: locale) == language)
    }

    @Test(arguments: ["C", "POSIX", "C.UTF-8", "de_DE.UTF-8", "", "english", "zz"])
    func otherLocalesHaveNone(locale: String) {
        #expect(Language(locale: locale) == nil)
    }

    @Test(
        arguments: [
            ([:], Language.en),
            (["LANG": "fr_FR.UTF-8"], .fr),
            (["LANG": "ja_JP.UTF-8"], .ja),
            (["LANG": "C"], .en),
            (["LANG": "POSIX"], .en),
            (["LANG": "de_DE.UTF-8"], .en),
            (["LC_MESSAGES": "ja_JP.UTF-8", "LANG": "fr_FR.UTF-8"], .ja),
            (["LC_ALL": "fr_FR.UTF-8", "LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"], .fr),
            // LC_ALL decides even when it names a language the catalogue lacks, or C.
            (["LC_ALL": "C", "LANG": "ja_JP.UTF-8"], .en),
            (["LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR.UTF-8"], .en),
            // Set but empty counts as unset.
            (["LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"], .ja),
        ] as [([String: String], Language)])
    func theEnvironmentChoosesTheLanguage(environment: [String: String], language: Language) {
        #expect(Language.preferred(environment: environment) == language)
    }

    @Test func aLangOptionIsAList() throws {
        #expect(try Language.list(parsing: "en") == [.en])
        #expect(try Language.list(parsing: "en,ja") == [.en, .ja])
        #expect(try Language.list(parsing: "ja, fr ,en") == [.ja, .fr, .en])
        #expect(try Language.list(parsing: "fr,fr_FR.UTF-8") == [.fr])
        #expect(try Language.list(parsing: "JA") == [.ja])
    }

    @Test func aBadLangOptionNamesTheCulprit() {
        #expect(throws: UnknownLanguage(input: "de")) { try Language.list(parsing: "en,de") }
        #expect(throws: UnknownLanguage(input: "")) { try Language.list(parsing: "en,") }
        #expect(throws: UnknownLanguage(input: "")) { try Language.list(parsing: "") }
    }

    @Test func namesAreNative() {
        #expect(Language.allCases.map(\.nativeName) == ["English", "Français", "日本語"])
    }
}
