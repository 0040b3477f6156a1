import Synchronization

/// smtpsh's own words (its messages, labels and help) in the language the user chose:
/// `--lang`, `:lang` in a session, else the environment (``Language/preferred(environment:)``).
///
/// ```swift
/// Words.language = .fr
/// Words["connected", ["address": "127.0.0.1:25", "time": "0.4 ms"]]   // « Connecté à … »
/// ```
///
/// The texts are the `message.*` entries of the catalogue (`messages.catalog`,
/// `session.catalog`, `help.catalog`, `export.catalog`); a name the catalogue lacks is shown as it is, so a
/// missing message never stops smtpsh. Safe from any thread.
public enum Words {
    private static let current = Atomic<UInt8>(0)

    /// The language messages are shown in (the first of `--lang`).
    public static var language: Language {
        get { Language.allCases[Int(current.load(ordering: .relaxed))] }
        set { current.store(UInt8(Language.allCases.firstIndex(of: newValue)!), ordering: .relaxed) }
    }

    /// The message `name` in the current language, its `{placeholders}` filled from `values`.
    public static subscript(_ name: String, _ values: [String: String] = [:]) -> String {
        Catalog.words.message(name, in: language, values)
    }

    /// The message in a given language.
    public static func text(_ name: String, in language: Language, _ values: [String: String] = [:]) -> String {
        Catalog.words.message(name, in: language, values)
    }
}

/// One of smtpsh's messages, by name, with its parameters: said in the user's language
/// (``text``), and kept as it is where a program reads it (`--json` writes the name as the
/// event's stable `id`, with the parameters, whatever the language).
public struct CatalogMessage: Hashable, Sendable, CustomStringConvertible {
    /// The `message.NAME` entry's name: the stable id.
    public var name: String
    public var parameters: [String: String]

    public init(_ name: String, _ parameters: [String: String] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// The message in the current language.
    public var text: String { Words[name, parameters] }

    public var description: String { text }
}
