import Locking
import CatalogFormat

/// The `match:` lines of the appliance's and vendors' entries, by reply code, most specific
/// first, and filed by their first literal word and its place (``ReplyPattern/indexWord``),
/// so that a reply is compared with the few patterns that can fit it, not with the hundred a
/// code may have.
///
/// The build indexed where each line is, by code (`CatalogIndex`); a code's lines are read
/// into ``ReplyPattern``s the first time a reply with that code is explained: a session sees
/// a handful of codes, and nothing is read or compiled at start-up.
final class PatternTable: Sendable {
    /// A `match:` line not read yet.
    struct Pending: Sendable {
        var code: Int
        var text: TextSlice
        var keyText: String
        var order: Int
    }

    /// One code's patterns: all of them, most specific first, and their positions by word.
    struct Code: Sendable {
        var patterns: [ReplyPattern] = []
        /// Positions in ``patterns`` by the place of their index word among a reply's words,
        /// then by that word; ascending.
        var byWord: [Int: [Substring: [Int]]] = [:]
        /// The places ``byWord`` uses, in order.
        var places: [Int] = []
        /// Positions of the patterns with no index word (`{text}` first).
        var anyWord: [Int] = []

        init(_ patterns: [ReplyPattern]) {
            self.patterns = patterns
            for (position, pattern) in patterns.enumerated() {
                if let (place, word) = pattern.indexWord {
                    byWord[place, default: [:]][Substring(word), default: []].append(position)
                } else {
                    anyWord.append(position)
                }
            }
            places = byWord.keys.sorted()
        }

        /// The patterns that may fit `words` (a reply's words), most specific first.
        func candidates(for words: [Substring]) -> [ReplyPattern] {
            positions(for: words).map { patterns[$0] }
        }

        /// Their positions in ``patterns`` (the patterns are not copied).
        func positions(for words: [Substring]) -> [Int] {
            var found: [Int] = anyWord
            var lists = anyWord.isEmpty ? 0 : 1
            for place in places where place < words.count {
                guard let positions = byWord[place]?[words[place]] else { continue }
                found += positions
                lists += 1
            }
            if lists > 1 { found.sort() }
            return found
        }
    }

    /// Where the lines not read yet are.
    private enum Lines: Sendable {
        case grouped([Int: [Pending]])
        /// In the build's index; with a set, only the lines of those files.
        case index(CatalogIndex.Table, only: Set<Int>?)

        func lines(code: Int) -> [Pending] {
            switch self {
            case .grouped(let pending):
                return pending[code] ?? []
            case .index(let table, let only):
                return table.patterns(code: code).filter { only?.contains($0.text.source) ?? true }.map {
                    Pending(code: code, text: $0.text, keyText: $0.keyText, order: $0.order)
                }
            }
        }

        var codes: Set<Int> {
            switch self {
            case .grouped(let pending): return Set(pending.keys)
            case .index(let table, _): return Set(table.codes())
            }
        }
    }

    private let pending: Lines
    private let sources: [CatalogSource]
    private let parsed: Locked<[Int: Code]>

    /// From patterns read already (the checked catalogue) and lines to read when needed.
    init(patterns: [ReplyPattern], pending: [Pending], sources: [CatalogSource]) {
        self.pending = .grouped(Dictionary(grouping: pending, by: \.code))
        self.sources = sources
        self.parsed = Locked(Dictionary(grouping: patterns, by: \.code).mapValues { Code(Self.mostSpecificFirst($0)) })
    }

    /// The lines of the build's index (with `only`, those of these files), read by code when needed.
    init(index: CatalogIndex.Table, only: Set<Int>?) {
        self.pending = .index(index, only: only)
        self.sources = index.sources
        self.parsed = Locked([:])
    }

    /// A code's patterns, read when first asked for.
    func code(_ code: Int) -> Code {
        parsed.withLock { cache in
            if let known = cache[code] { return known }
            let made = pending.lines(code: code).compactMap { line -> ReplyPattern? in
                guard let key = CatalogKey(line.keyText) else { return nil }
                return try? ReplyPattern(parsing: line.text.string(in: sources), key: key, order: line.order)
            }
            let table = Code(Self.mostSpecificFirst(made))
            cache[code] = table
            return table
        }
    }

    /// The patterns for replies with this code, most specific first.
    func patterns(for code: Int) -> [ReplyPattern] { self.code(code).patterns }

    /// Every code's patterns (for listings and tests: reads every line).
    var all: [Int: [ReplyPattern]] {
        let codes = pending.codes.union(parsed.withLock { Set($0.keys) })
        return Dictionary(uniqueKeysWithValues: codes.map { ($0, patterns(for: $0)) }).filter { !$0.value.isEmpty }
    }

    /// More literal text first, then without `{text}`, then fewer placeholders, then the order
    /// in the data.
    private static func mostSpecificFirst(_ patterns: [ReplyPattern]) -> [ReplyPattern] {
        patterns.map { ($0, $0.literalLength, $0.hasRest, $0.placeholderCount) }
            .sorted { a, b in
                if a.1 != b.1 { return a.1 > b.1 }
                if a.2 != b.2 { return !a.2 }
                if a.3 != b.3 { return a.3 < b.3 }
                return a.0.order < b.0.order
            }
            .map(\.0)
    }
}
