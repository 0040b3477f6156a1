/// The catalogue's entries as the build indexed them, written as text: catalog-embedder
/// encodes what ``CatalogParser`` reads in the files (`.keysAndMatches`), and smtpsh looks
/// entries up in it (``Table``) instead of parsing the files. One string literal compiles in
/// no time; an array literal of 700 structures took the compiler gigabytes of memory.
///
/// The text has a first line, the length in bytes of the entries' section that follows it,
/// then that section, one line per entry, sorted by key (byte order), fields separated by tabs:
///
/// ```
/// KEY  LINE  SOURCE  BODY-START  BODY-END  BODY-FIRST-LINE  [MATCH…]
/// appliance.queue-full  212  0  9100  10300  213  214:9108-9129
/// ```
///
/// A `match:` field is `LINE:START-END`, then `+START-END` for each continuation line (byte
/// offsets into the source's UTF-8 text). Then the patterns' section: one line per `match:`
/// line that starts with a reply code, sorted by code, then by the line's place in the files
/// (its order):
///
/// ```
/// CODE  ORDER  ENTRY  MATCH
/// 452   17     4096   214:9108-9129
/// ```
///
/// `ENTRY` is where the entry's line starts in the entries' section. Both sections are
/// searched by halving (``Table``): smtpsh reads nothing at start-up, and a lookup reads a
/// dozen lines.
package enum CatalogIndex {
    /// Why an index cannot be written.
    package struct Unencodable: Error, CustomStringConvertible {
        package var description: String
    }

    /// The index of `entries`, parsed from `sources`. Two entries with the same key cannot be
    /// indexed (the checks of Docs/catalog.md report them too).
    package static func encode(
        _ entries: [CatalogParser.ParsedEntry], sources: [CatalogSource]
    ) throws(Unencodable) -> String {
        var order = 0
        var withOrders: [(entry: CatalogParser.ParsedEntry, orders: [Int?])] = []
        for entry in entries {
            guard !entry.keyText.isEmpty, !entry.keyText.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" })
            else {
                throw Unencodable(description: "\(entry.location): the key is empty or holds a tab or a line end")
            }
            var orders: [Int?] = []
            for field in entry.fields {
                guard field.kind == .match, field.text.source == entry.body.source else {
                    throw Unencodable(description: "\(field.location): only match: fields of the entry's own file are indexed")
                }
                // The order counts the lines with a code only, as the checked catalogue does.
                if replyCode(of: field.text, in: sources) != nil {
                    orders.append(order)
                    order += 1
                } else {
                    orders.append(nil)
                }
            }
            withOrders.append((entry, orders))
        }
        withOrders.sort { $0.entry.keyText.utf8.lexicographicallyPrecedes($1.entry.keyText.utf8) }

        var section = ""
        var patterns: [(code: Int, order: Int, line: String)] = []
        var previous: CatalogParser.ParsedEntry?
        for (entry, orders) in withOrders {
            if let previous, previous.keyText == entry.keyText {
                throw Unencodable(description: "\(entry.location): [\(entry.keyText)] is already defined at \(previous.location)")
            }
            previous = entry
            let offset = section.utf8.count
            let body = entry.body
            var fields = [
                entry.keyText, String(entry.location.line), String(body.source), String(body.range.lowerBound),
                String(body.range.upperBound), String(body.firstLine),
            ]
            for (field, order) in zip(entry.fields, orders) {
                var match = "\(field.location.line):\(field.text.range.lowerBound)-\(field.text.range.upperBound)"
                for line in field.text.continuations { match += "+\(line.lowerBound)-\(line.upperBound)" }
                fields.append(match)
                if let order, let code = replyCode(of: field.text, in: sources) {
                    patterns.append((code, order, "\(code)\t\(order)\t\(offset)\t\(match)"))
                }
            }
            section += fields.joined(separator: "\t") + "\n"
        }
        patterns.sort { ($0.code, $0.order) < ($1.code, $1.order) }
        return "\(section.utf8.count)\n" + section + patterns.map { $0.line + "\n" }.joined()
    }

    /// The reply code a `match:` line starts with: three digits, then a space or the end.
    package static func replyCode(of text: TextSlice, in sources: [CatalogSource]) -> Int? {
        guard sources.indices.contains(text.source) else { return nil }
        return sources[text.source].withUTF8 { bytes -> Int? in
            let range = text.range
            guard range.count >= 3, range.upperBound <= bytes.count,
                bytes[range.lowerBound..<range.lowerBound + 3].allSatisfy({ (48...57).contains($0) }),
                range.count == 3 || bytes[range.lowerBound + 3] == 32
            else { return nil }
            return bytes[range.lowerBound..<range.lowerBound + 3].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
    }

    /// Every entry of an index written by ``encode(_:sources:)``, in the order of the files and
    /// of the entries in them. A line that cannot be read (never, for an index the build wrote)
    /// is left out.
    package static func decode(_ text: String, sources: [CatalogSource]) -> [CatalogParser.ParsedEntry] {
        Table(text, sources: sources).all().map(\.entry)
    }

    /// An index, searched where it lies: nothing is read before an entry or a code is asked for.
    package struct Table: Sendable {
        /// An entry and where its line starts (a stable position, for caches).
        package typealias Located = (position: Int, entry: CatalogParser.ParsedEntry)

        /// A `match:` line with a code, and the entry it belongs to.
        package struct Pattern: Sendable {
            package var entry: Int
            package var keyText: String
            package var order: Int
            package var text: TextSlice
        }

        package let text: String
        package let sources: [CatalogSource]

        package init(_ text: String, sources: [CatalogSource]) {
            self.text = text
            self.sources = sources
        }

        /// The entry with this key.
        package func entry(forKey key: String) -> Located? {
            withReader { reader in
                let line = reader.firstEntry(notBelow: key)
                reader.position = line
                guard line < reader.entries.upperBound, reader.compare(reader.field(), with: key) == 0 else { return nil }
                reader.position = line
                return reader.entry(sources: sources).map { (line, $0) }
            }
        }

        /// The entries whose key starts with `prefix`, in the order of the files.
        package func entries(withPrefix prefix: String) -> [Located] {
            withReader { reader in
                var found: [Located] = []
                reader.eachLine(of: reader.entries, from: reader.firstEntry(notBelow: prefix)) { line, reader in
                    guard reader.compare(reader.field(), with: prefix, prefixOnly: true) == 0 else { return false }
                    reader.position = line
                    if let entry = reader.entry(sources: sources) { found.append((line, entry)) }
                    return true
                }
                return Self.inFileOrder(found)
            }
        }

        /// The entry whose line starts at `position` (from ``entry(forKey:)`` or ``all()``).
        package func entry(at position: Int) -> CatalogParser.ParsedEntry? {
            withReader { reader in
                guard reader.entries.contains(position) else { return nil }
                reader.position = position
                return reader.entry(sources: sources)
            }
        }

        /// Every entry, in the order of the files and of the entries in them.
        package func all() -> [Located] {
            withReader { reader in
                var found: [Located] = []
                reader.eachLine(of: reader.entries, from: reader.entries.lowerBound) { line, reader in
                    if let entry = reader.entry(sources: sources) { found.append((line, entry)) }
                    return true
                }
                return Self.inFileOrder(found)
            }
        }

        private static func inFileOrder(_ entries: [Located]) -> [Located] {
            entries.sorted {
                ($0.entry.body.source, $0.entry.location.line) < ($1.entry.body.source, $1.entry.location.line)
            }
        }

        /// The `match:` lines of this code, in the order of the files.
        package func patterns(code: Int) -> [Pattern] {
            withReader { reader in
                // From the first line whose code is not below `code`.
                let first = reader.firstLine(of: reader.patterns) { reader in (reader.number() ?? Int.max) < code }
                var found: [Pattern] = []
                reader.eachLine(of: reader.patterns, from: first) { line, reader in
                    guard reader.codeAt(line) == code else { return false }
                    if let pattern = reader.pattern(code: code, sources: sources) { found.append(pattern) }
                    return true
                }
                return found
            }
        }

        /// The codes the patterns' section has lines for.
        package func codes() -> [Int] {
            withReader { reader in
                var codes: [Int] = []
                reader.eachLine(of: reader.patterns, from: reader.patterns.lowerBound) { _, reader in
                    if let code = reader.number(), codes.last != code { codes.append(code) }
                    return true
                }
                return codes
            }
        }

        private func withReader<T>(_ body: (inout Reader) -> T) -> T {
            var text = text
            return text.withUTF8 { bytes in
                var reader = Reader(bytes: bytes)
                return body(&reader)
            }
        }
    }

    /// Reads the index's lines.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// Where each section lies in ``bytes`` (empty when the header cannot be read).
        let entries: Range<Int>
        let patterns: Range<Int>

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            var header = Reader(bytes: bytes, entries: 0..<0, patterns: 0..<0)
            let length = header.number(until: 10)
            header.skipLine()
            if let length, header.position <= bytes.count, length <= bytes.count - header.position {
                entries = header.position..<header.position + length
                patterns = entries.upperBound..<bytes.count
            } else {
                entries = 0..<0
                patterns = 0..<0
            }
        }

        private init(bytes: UnsafeBufferPointer<UInt8>, entries: Range<Int>, patterns: Range<Int>) {
            self.bytes = bytes
            self.entries = entries
            self.patterns = patterns
        }

        /// The start of the line that holds `offset`, not before `floor` (a line start).
        func lineStart(before offset: Int, from floor: Int) -> Int {
            var start = offset
            while start > floor && bytes[start - 1] != 10 { start -= 1 }
            return start
        }

        /// To the start of the next line.
        mutating func skipLine() {
            while position < bytes.count && bytes[position] != 10 { position += 1 }
            position += 1
        }

        /// The bytes up to the next tab or line end (not consumed: the separator stays).
        mutating func field() -> Range<Int> {
            let start = position
            while position < bytes.count && bytes[position] != 9 && bytes[position] != 10 { position += 1 }
            return start..<position
        }

        /// These bytes against `wanted`, in byte order: negative, zero or positive. With
        /// `prefixOnly`, bytes that start with `wanted` compare as equal.
        func compare(_ range: Range<Int>, with wanted: String, prefixOnly: Bool = false) -> Int {
            var offset = range.lowerBound
            for byte in wanted.utf8 {
                guard offset < range.upperBound else { return -1 }
                if bytes[offset] != byte { return bytes[offset] < byte ? -1 : 1 }
                offset += 1
            }
            return offset == range.upperBound || prefixOnly ? 0 : 1
        }

        /// The start of the first entry's line whose key is not below `key` (the end of the
        /// section if there is none), by halving.
        mutating func firstEntry(notBelow key: String) -> Int {
            firstLine(of: entries) { reader in reader.compare(reader.field(), with: key) < 0 }
        }

        /// The start of the first line of `section` that is not `below` (the end of the
        /// section if there is none), by halving: the section's lines are sorted, so those
        /// `below` holds for come first. `below` reads the line from its start.
        mutating func firstLine(of section: Range<Int>, where below: (inout Reader) -> Bool) -> Int {
            var lower = section.lowerBound
            var upper = section.upperBound
            while lower < upper {
                let line = lineStart(before: lower + (upper - lower) / 2, from: lower)
                position = line
                if below(&self) {
                    skipLine()
                    lower = position
                } else {
                    upper = line
                }
            }
            return lower
        }

        /// Each line of `section` from `start` (a line start), given to `body` with the reader
        /// at its start, until `body` returns false or the section ends.
        mutating func eachLine(of section: Range<Int>, from start: Int, _ body: (Int, inout Reader) -> Bool) {
            var line = start
            while line < section.upperBound {
                position = line
                guard body(line, &self) else { return }
                position = line
                skipLine()
                line = position
            }
        }

        /// A tab, consumed; false at a line end.
        mutating func tab() -> Bool {
            guard position < bytes.count, bytes[position] == 9 else { return false }
            position += 1
            return true
        }

        /// Digits up to `stop`, a tab or a line end (consumed, not what stops them).
        mutating func number(until stop: UInt8 = 9) -> Int? {
            let start = position
            var value = 0
            while position < bytes.count, bytes[position] != stop, bytes[position] != 9, bytes[position] != 10 {
                let digit = bytes[position]
                guard (48...57).contains(digit), position - start < 12 else { return nil }
                value = value * 10 + Int(digit - 48)
                position += 1
            }
            return position > start ? value : nil
        }

        /// The code of the patterns' line at `line`.
        func codeAt(_ line: Int) -> Int? {
            var reader = self
            reader.position = line
            return reader.number()
        }

        mutating func entry(sources: [CatalogSource]) -> CatalogParser.ParsedEntry? {
            let key = field()
            guard !key.isEmpty else { return nil }
            var numbers: [Int] = []
            for _ in 0..<5 {
                guard tab(), let value = number() else { return nil }
                numbers.append(value)
            }
            guard sources.indices.contains(numbers[1]), numbers[2] <= numbers[3] else { return nil }
            let file = sources[numbers[1]].name
            var matches: [CatalogParser.Field] = []
            while tab() {
                let start = position
                if let match = match(source: numbers[1], file: file) {
                    matches.append(match)
                } else {
                    position = start
                    _ = field()
                }
            }
            return CatalogParser.ParsedEntry(
                keyText: String(decoding: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self),
                location: CatalogLocation(file: file, line: numbers[0]),
                fields: matches,
                body: CatalogParser.Body(source: numbers[1], range: numbers[2]..<numbers[3], firstLine: numbers[4])
            )
        }

        /// `CODE ORDER ENTRY MATCH`, for this code; nil for another code or a line that
        /// cannot be read.
        mutating func pattern(code: Int, sources: [CatalogSource]) -> CatalogIndex.Table.Pattern? {
            // ENTRY counts from the start of the entries' section.
            guard number() == code, tab(), let order = number(), tab(), let offset = number(), tab(),
                offset < entries.count
            else { return nil }
            let entry = entries.lowerBound + offset
            let matchStart = position
            position = entry
            let key = field()
            guard !key.isEmpty, tab(), number() != nil, tab(), let source = number(), sources.indices.contains(source)
            else { return nil }
            position = matchStart
            guard let field = match(source: source, file: sources[source].name) else { return nil }
            return .init(
                entry: entry, keyText: String(decoding: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self),
                order: order, text: field.text)
        }

        /// `LINE:START-END[+START-END…]`, up to the next tab or line end.
        mutating func match(source: Int, file: String) -> CatalogParser.Field? {
            let colon = UInt8(ascii: ":")
            let dash = UInt8(ascii: "-")
            let plus = UInt8(ascii: "+")
            guard let line = number(until: colon), position < bytes.count, bytes[position] == colon else { return nil }
            position += 1
            var ranges: [Range<Int>] = []
            repeat {
                guard let lower = number(until: dash), position < bytes.count, bytes[position] == dash else { return nil }
                position += 1
                guard let upper = number(until: plus), lower <= upper else { return nil }
                ranges.append(lower..<upper)
                guard position < bytes.count, bytes[position] == plus else { break }
                position += 1
            } while true
            guard position >= bytes.count || bytes[position] == 9 || bytes[position] == 10 else { return nil }
            return CatalogParser.Field(
                kind: .match, text: TextSlice(source: source, range: ranges[0], continuations: Array(ranges.dropFirst())),
                location: CatalogLocation(file: file, line: line))
        }
    }
}
