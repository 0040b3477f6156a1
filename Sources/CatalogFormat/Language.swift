import SMTPCore
/// A language the catalogue is written in. Each entry has its text in every language.
///
/// ```
/// smtpsh explain 550 --lang fr          # one language
/// smtpsh explain 550 --lang en,ja       # one block per language, for bilingual teaching
/// LANG=ja_JP.UTF-8 smtpsh explain 550   # from the environment
/// ```
///
/// To add a language: add a case here (its raw value is the field name in the data files),
/// then its text to every entry; the checks fail until every entry has it (Docs/catalog.md).
public enum Language: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case en
    case fr
    case ja

    /// The language's name in that language, for headings (`English`, `Français`, `日本語`).
    public var nativeName: String {
        switch self {
        case .en: "English"
        case .fr: "Français"
        case .ja: "日本語"
        }
    }

    public var description: String { rawValue }

    /// The language of a locale name or a language tag: `fr`, `FR`, `fr_FR.UTF-8`,
    /// `ja_JP.eucJP@modifier`, `fr-CA`. `nil` for `C`, `POSIX` and languages the catalogue
    /// does not have.
    public init?(locale: String) {
        // POSIX: language[_territory][.codeset][@modifier]; BCP 47: language[-region].
        let language = locale.prefix { $0 != "_" && $0 != "-" && $0 != "." && $0 != "@" }
        guard let found = Language(rawValue: language.lowercased()) else { return nil }
        self = found
    }

    /// The language messages are shown in, from the environment as POSIX and GNU gettext
    /// define it for `LC_MESSAGES`: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is
    /// set and not empty gives the locale; unless that locale is `C` or `POSIX`, `LANGUAGE`
    /// (a list such as `fr:en`) goes first, its first language the catalogue has winning.
    /// A locale in a language the catalogue lacks means English.
    ///
    /// ```
    /// LANG=fr_FR.UTF-8                      → fr
    /// LC_ALL=C LANG=ja_JP.UTF-8             → en (LC_ALL wins)
    /// LC_MESSAGES=ja_JP.UTF-8 LANG=fr_FR    → ja
    /// LANGUAGE=de:ja LANG=fr_FR.UTF-8       → ja (German is not in the catalogue)
    /// LANGUAGE=ja LC_ALL=C                  → en (gettext ignores LANGUAGE in the C locale)
    /// ```
    public static func preferred(environment: [String: String]) -> Language {
        var locale: String?
        for variable in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[variable], !value.isEmpty {
                locale = value
                break
            }
        }
        let isC = locale.map { $0 == "C" || $0 == "POSIX" || $0.hasPrefix("C.") } ?? false
        if !isC, let list = environment["LANGUAGE"], !list.isEmpty {
            for item in list.split(separator: ":") {
                if let language = Language(locale: String(item)) { return language }
            }
        }
        return locale.flatMap { Language(locale: $0) } ?? .en
    }

    /// Parses a `--lang` value: one language or several separated by commas (`en,ja`),
    /// in the order given, each once. Each item may be a code or a locale (`fr_FR.UTF-8`).
    public static func list(parsing text: String) throws(UnknownLanguage) -> [Language] {
        var languages: [Language] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingSpaces
            guard let language = Language(locale: trimmed) else { throw UnknownLanguage(input: trimmed) }
            if !languages.contains(language) { languages.append(language) }
        }
        return languages
    }
}

/// A `--lang` value names a language the catalogue does not have.
public struct UnknownLanguage: Error, Hashable, Sendable, CustomStringConvertible {
    /// The item that was not understood (empty for `--lang ''` or `--lang en,`).
    public var input: String

    public init(input: String) {
        self.input = input
    }

    public var description: String {
        "unknown language '\(input)' (the catalogue has \(Language.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}
