/// The catalogue's entries as the build indexed them, written as text: catalog-embedder
/// encodes what ``CatalogParser`` reads in the files (`.keysAndMatches`), and smtpsh decodes
/// it at start-up instead of parsing the files. One string literal compiles in no time; an
/// array literal of 700 structures took the compiler gigabytes of memory.
///
/// One line per entry, fields separated by tabs:
///
/// ```
/// KEY  LINE  SOURCE  BODY-START  BODY-END  BODY-FIRST-LINE  [MATCH…]
/// appliance.queue-full  212  0  9100  10300  213  214:9108-9129
/// ```
///
/// A `match:` field is `LINE:START-END`, then `+START-END` for each continuation line (byte
/// offsets into the source's UTF-8 text).
package enum CatalogIndex {
    /// Why an index cannot be written.
    package struct Unencodable: Error, CustomStringConvertible {
        package var description: String
    }

    package static func encode(_ entries: [CatalogParser.ParsedEntry]) throws(Unencodable) -> String {
        var text = ""
        for entry in entries {
            guard !entry.keyText.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else {
                throw Unencodable(description: "\(entry.location): the key holds a tab or a line end")
            }
            let body = entry.body
            var fields = [
                entry.keyText, String(entry.location.line), String(body.source), String(body.range.lowerBound),
                String(body.range.upperBound), String(body.firstLine),
            ]
            for field in entry.fields {
                guard field.kind == .match, field.text.source == body.source else {
                    throw Unencodable(description: "\(field.location): only match: fields of the entry's own file are indexed")
                }
                var match = "\(field.location.line):\(field.text.range.lowerBound)-\(field.text.range.upperBound)"
                for line in field.text.continuations { match += "+\(line.lowerBound)-\(line.upperBound)" }
                fields.append(match)
            }
            text += fields.joined(separator: "\t") + "\n"
        }
        return text
    }

    /// The entries of an index written by ``encode(_:)`` for `sources`. A line that cannot be
    /// read (never, for an index the build wrote) is left out. One pass over the bytes: this
    /// runs at every start.
    package static func decode(_ text: String, sources: [CatalogSource]) -> [CatalogParser.ParsedEntry] {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            var entries: [CatalogParser.ParsedEntry] = []
            entries.reserveCapacity(bytes.count / 40)
            while !reader.atEnd {
                if let entry = reader.entry(sources: sources) { entries.append(entry) }
                reader.skipLine()
            }
            return entries
        }
    }

    /// Reads one line of the index at a time.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var atEnd: Bool { position >= bytes.count }

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
