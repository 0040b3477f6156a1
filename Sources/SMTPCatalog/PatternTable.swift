import CatalogFormat
import Synchronization

/// The appliance entries' `match:` lines by reply code, most specific first. Lines the
/// catalogue was built with are read into ``AppliancePattern``s the first time a reply with
/// their code is explained: a session sees a handful of codes, and parsing the 60 patterns
/// at every start cost more than the rest of the catalogue's loading.
final class PatternTable: Sendable {
    /// A `match:` line not read yet.
    struct Pending: Sendable {
        var code: Int
        var text: TextSlice
        var keyText: String
        var order: Int
    }

    private let pending: [Int: [Pending]]
    private let sources: [CatalogSource]
    private let parsed: Mutex<[Int: [AppliancePattern]]>

    /// From patterns read already (the checked catalogue) and lines to read when needed.
    init(patterns: [AppliancePattern], pending: [Pending], sources: [CatalogSource]) {
        self.pending = Dictionary(grouping: pending, by: \.code)
        self.sources = sources
        self.parsed = Mutex(Dictionary(grouping: patterns, by: \.code).mapValues(Self.mostSpecificFirst))
    }

    /// The patterns for replies with this code, most specific first.
    func patterns(for code: Int) -> [AppliancePattern] {
        parsed.withLock { cache in
            if let known = cache[code] { return known }
            let made = (pending[code] ?? []).compactMap { line -> AppliancePattern? in
                guard let key = CatalogKey(line.keyText) else { return nil }
                return try? AppliancePattern(parsing: line.text.string(in: sources), key: key, order: line.order)
            }
            let ordered = Self.mostSpecificFirst(made)
            cache[code] = ordered
            return ordered
        }
    }

    /// Every code's patterns (for listings and tests: reads every line).
    var all: [Int: [AppliancePattern]] {
        let codes = Set(pending.keys).union(parsed.withLock { Set($0.keys) })
        return Dictionary(uniqueKeysWithValues: codes.map { ($0, patterns(for: $0)) }).filter { !$0.value.isEmpty }
    }

    /// More literal text first, then fewer placeholders, then the order in the data.
    private static func mostSpecificFirst(_ patterns: [AppliancePattern]) -> [AppliancePattern] {
        patterns.map { ($0, $0.literalLength, $0.placeholderCount) }
            .sorted { a, b in
                if a.1 != b.1 { return a.1 > b.1 }
                if a.2 != b.2 { return a.2 < b.2 }
                return a.0.order < b.0.order
            }
            .map(\.0)
    }
}
