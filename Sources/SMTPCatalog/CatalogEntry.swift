import SMTPCore

/// One entry of the catalogue: its key, a short meaning and an optional hint in every
/// language, and (appliance and vendor entries) the reply lines it matches, the likely
/// cause, and fields that are not text (`category:`, `retry:`, `acts:`, `source:`…).
///
/// ```
/// [vendor.postfix.relay-denied]
/// match: 554 5.7.1 <{addr}>: Relay access denied
/// category: relay
/// retry: fix-then-retry
/// acts: user sending-admin
/// source: postfix-3.7.11 src/smtpd/smtpd_check.c (reject_unauth_destination)
/// en: …    en.cause: …    en.hint: …    (and fr, ja)
/// ```
///
/// Texts are kept as written, placeholders (`{host}`, `{addr}`, `{size}`) included; an
/// ``Explanation`` holds them filled in.
public struct CatalogEntry: Hashable, Sendable {
    public var key: CatalogKey
    /// The short meaning, by language.
    public var meaning: [Language: String]
    /// The practical hint (what to do), by language (empty when the entry has none).
    public var hint: [Language: String]
    /// The likely cause, by language (vendor and command entries).
    public var cause: [Language: String]
    /// `match:` lines, as written (appliance and vendor entries only).
    public var matches: [String]
    /// `classes:` (enhanced codes only): the classes the IANA registry lists the code for
    /// (`[.permanentFailure]` for X.1.1); empty when it does not restrict them. smtpsh words
    /// the note on it by the class received (``Catalog/registryNote(_:received:)``).
    public var classes: [EnhancedStatusCode.Class]
    /// The other fields by name (`category`, `retry`, `acts`, `source`, `generic`, and for
    /// `server.*` entries `name`, `greeting`, `host`, `ehlo`), each value as written, in order.
    public var properties: [String: [String]]
    /// Where the key is written.
    public var location: CatalogLocation

    public init(
        key: CatalogKey,
        meaning: [Language: String],
        hint: [Language: String] = [:],
        cause: [Language: String] = [:],
        matches: [String] = [],
        classes: [EnhancedStatusCode.Class] = [],
        properties: [String: [String]] = [:],
        location: CatalogLocation
    ) {
        self.key = key
        self.meaning = meaning
        self.hint = hint
        self.cause = cause
        self.matches = matches
        self.classes = classes
        self.properties = properties
        self.location = location
    }

    /// The first value of a field that is not text (`category`, `source`…).
    public func property(_ name: String) -> String? { properties[name]?.first }

    /// `generic: yes`: the text is not this vendor's alone.
    public var isGeneric: Bool { property("generic") == "yes" }
}
