import CatalogFormat

/// Where a catalogue finds its entries: in a table built from parsed files (files checked at
/// run time: the test suite, the catalogue's own tools), or in the build's index, searched
/// where it lies (``Catalog/shared``: nothing is read at start-up, a lookup reads a dozen
/// lines of the index).
///
/// An entry's position is stable for the catalogue's life: ``DecodedEntries`` keeps decoded
/// entries by it.
enum EntryStore: Sendable {
    /// Entries in the files' order, and their positions by key (the first of a key counts).
    case table([CatalogValidator.StoredEntry], positions: [String: Int])
    /// The build's index; with `sources`, only the entries of those files are seen.
    case index(CatalogIndex.Table, sources: Set<Int>?)

    typealias Found = (position: Int, stored: CatalogValidator.StoredEntry)

    init(_ entries: [CatalogValidator.StoredEntry]) {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() where positions[entry.keyText] == nil {
            positions[entry.keyText] = position
        }
        self = .table(entries, positions: positions)
    }

    /// The entry with this key.
    func find(_ key: String) -> Found? {
        switch self {
        case .table(let entries, let positions):
            return positions[key].map { ($0, entries[$0]) }
        case .index(let table, let sources):
            guard let found = table.entry(forKey: key), sources?.contains(found.entry.body.source) ?? true else { return nil }
            return (found.position, Self.stored(found.entry))
        }
    }

    /// Every entry, in the order of the files and of the entries in them.
    var all: [Found] {
        switch self {
        case .table(let entries, _):
            return entries.enumerated().map { ($0.offset, $0.element) }
        case .index(let table, let sources):
            return Self.seen(table.all(), sources: sources)
        }
    }

    /// The entries whose key starts with `prefix` (`server.`), in the order of the files.
    func entries(withPrefix prefix: String) -> [Found] {
        switch self {
        case .table(let entries, _):
            return entries.enumerated().filter { $0.element.keyText.hasPrefix(prefix) }.map { ($0.offset, $0.element) }
        case .index(let table, let sources):
            return Self.seen(table.entries(withPrefix: prefix), sources: sources)
        }
    }

    private static func seen(_ located: [CatalogIndex.Table.Located], sources: Set<Int>?) -> [Found] {
        located.filter { sources?.contains($0.entry.body.source) ?? true }.map { ($0.position, stored($0.entry)) }
    }

    private static func stored(_ entry: CatalogParser.ParsedEntry) -> CatalogValidator.StoredEntry {
        CatalogValidator.StoredEntry(keyText: entry.keyText, location: entry.location, body: entry.body)
    }
}
