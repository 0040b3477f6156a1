/// The catalogue's files as text: where a line is, what is wrong with one, and a file's
/// contents. Shared by the catalogue (SMTPCatalog) and the build tool that indexes the files
/// (catalog-embedder).

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
