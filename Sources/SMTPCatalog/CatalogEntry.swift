import SMTPCore

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
    /// `classes:` (enhanced codes only): the classes the IANA registry lists the code for
    /// (`[.permanentFailure]` for X.1.1); empty when it does not restrict them. smtpsh words
    /// the note on it by the class received (``Catalog/registryNote(_:received:)``).
    public var classes: [EnhancedStatusCode.Class]
    /// Where the key is written.
    public var location: CatalogLocation

    public init(
        key: CatalogKey,
        meaning: [Language: String],
        hint: [Language: String] = [:],
        matches: [String] = [],
        classes: [EnhancedStatusCode.Class] = [],
        location: CatalogLocation
    ) {
        self.key = key
        self.meaning = meaning
        self.hint = hint
        self.matches = matches
        self.classes = classes
        self.location = location
    }
}
