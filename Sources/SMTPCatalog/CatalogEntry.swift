/// One entry of the catalogue: its key, a short meaning and an optional hint in every
/// language, and (appliance entries) the reply lines it matches.
///
/// ```
/// [appliance.queue-full]
/// match: 452 #4.3.1 queue full
/// en: The appliance's delivery queue is full; ...
/// en.hint: Sending servers should retry later. ...
/// fr: …    fr.hint: …    ja: …    ja.hint: …
/// ```
///
/// Texts are kept as written, placeholders (`{host}`, `{arg}`, `{size}`) included; an
/// ``Explanation`` holds them filled in.
public struct CatalogEntry: Hashable, Sendable {
    public var key: CatalogKey
    /// The short meaning, by language.
    public var meaning: [Language: String]
    /// The practical hint, by language (empty when the entry has none).
    public var hint: [Language: String]
    /// `match:` lines, as written (appliance entries only).
    public var matches: [String]
    /// Where the key is written.
    public var location: CatalogLocation

    public init(
        key: CatalogKey,
        meaning: [Language: String],
        hint: [Language: String] = [:],
        matches: [String] = [],
        location: CatalogLocation
    ) {
        self.key = key
        self.meaning = meaning
        self.hint = hint
        self.matches = matches
        self.location = location
    }
}

/// A line of a catalogue file.
public struct CatalogLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// The text of one catalogue file and its name (`basic.catalog`), as the build embedded it
/// (``Catalog/embeddedSources``) or as a test reads it.
public struct CatalogSource: Hashable, Sendable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A problem in the catalogue data, with the file and line to fix.
///
/// ```
/// enhanced.catalog:212: enhanced.3.4 has no 'ja.hint' (every 4xx/5xx entry needs a hint in every language)
/// ```
public struct CatalogDiagnostic: Hashable, Sendable, CustomStringConvertible {
    public var location: CatalogLocation
    public var message: String

    public init(_ location: CatalogLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
