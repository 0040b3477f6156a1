import Locking
import SMTPCore

/// The catalogue's entries decoded so far (an entry's texts are read from the files' bytes
/// the first time the entry is used).
final class DecodedEntries: Sendable {
    private let entries = Locked<[Int: CatalogEntry]>([:])

    func entry(at position: Int, decode: () -> CatalogEntry) -> CatalogEntry {
        if let known = entries.withLock({ $0[position] }) { return known }
        let entry = decode()
        entries.withLock { $0[position] = entry }
        return entry
    }
}

/// The parts an explanation takes from the codes alone (``Catalog/codeParts(code:enhanced:vendor:command:options:)``),
/// by what they depend on: a mail log of a million lines repeats the same few.
final class CodePartsCache: Sendable {
    struct Key: Hashable, Sendable {
        var code: ReplyCode?
        var enhanced: EnhancedStatusCode?
        var command: String?
        var vendor: Bool
        var detail: ExplainOptions.Detail
        var languages: [Language]
    }

    private let table = Locked<[Key: [Explanation.Part]]>([:])
    /// A vendor entry's fields read as a classification, by key and reply class.
    private let classifications = Locked<[String: ReplyClassification?]>([:])

    func classification(of entry: CatalogEntry, replyClass: Int) -> ReplyClassification? {
        let key = entry.key.rawValue + "/" + String(replyClass)
        if let known = classifications.withLock({ $0[key] }) { return known }
        let made = ReplyClassification(fields: entry, replyClass: replyClass)
        classifications.withLock { $0[key] = made }
        return made
    }

    func parts(for key: Key) -> [Explanation.Part]? {
        table.withLock { $0[key] }
    }

    func keep(_ parts: [Explanation.Part], for key: Key) {
        table.withLock { table in
            // Bounded: a text of random codes cannot grow it without end.
            if table.count >= 4096 { table.removeAll(keepingCapacity: true) }
            table[key] = parts
        }
    }
}
