import Synchronization

/// The catalogue's entries decoded so far (an entry's texts are read from the files' bytes
/// the first time the entry is used).
final class DecodedEntries: Sendable {
    private let entries = Mutex<[Int: CatalogEntry]>([:])

    func entry(at position: Int, decode: () -> CatalogEntry) -> CatalogEntry {
        if let known = entries.withLock({ $0[position] }) { return known }
        let entry = decode()
        entries.withLock { $0[position] = entry }
        return entry
    }
}
