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
    /// read (never, for an index the build wrote) is left out.
    package static func decode(_ text: String, sources: [CatalogSource]) -> [CatalogParser.ParsedEntry] {
        var entries: [CatalogParser.ParsedEntry] = []
        for line in text.utf8.split(separator: 10) {
            let fields = line.split(separator: 9, omittingEmptySubsequences: false)
            guard fields.count >= 6, let numbers = Self.numbers(fields[1...5]), sources.indices.contains(numbers[1]),
                numbers[2] <= numbers[3]
            else { continue }
            let file = sources[numbers[1]].name
            var matches: [CatalogParser.Field] = []
            for field in fields.dropFirst(6) {
                guard let match = Self.match(field, source: numbers[1], file: file) else { continue }
                matches.append(match)
            }
            entries.append(
                CatalogParser.ParsedEntry(
                    keyText: String(decoding: fields[0], as: UTF8.self),
                    location: CatalogLocation(file: file, line: numbers[0]),
                    fields: matches,
                    body: CatalogParser.Body(source: numbers[1], range: numbers[2]..<numbers[3], firstLine: numbers[4])
                ))
        }
        return entries
    }

    /// `LINE:START-END[+START-END…]`.
    private static func match(_ field: Substring.UTF8View.SubSequence, source: Int, file: String) -> CatalogParser.Field? {
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")), let line = number(field[..<colon]) else { return nil }
        var ranges: [Range<Int>] = []
        for piece in field[field.index(after: colon)...].split(separator: UInt8(ascii: "+")) {
            let bounds = piece.split(separator: UInt8(ascii: "-"))
            guard bounds.count == 2, let lower = number(bounds[0]), let upper = number(bounds[1]), lower <= upper else {
                return nil
            }
            ranges.append(lower..<upper)
        }
        guard let first = ranges.first else { return nil }
        return CatalogParser.Field(
            kind: .match, text: TextSlice(source: source, range: first, continuations: Array(ranges.dropFirst())),
            location: CatalogLocation(file: file, line: line))
    }

    private static func numbers<Fields: Collection<Substring.UTF8View.SubSequence>>(_ fields: Fields) -> [Int]? {
        var values: [Int] = []
        for field in fields {
            guard let value = number(field) else { return nil }
            values.append(value)
        }
        return values
    }

    private static func number(_ digits: Substring.UTF8View.SubSequence) -> Int? {
        guard !digits.isEmpty, digits.count <= 12 else { return nil }
        var value = 0
        for digit in digits {
            guard (48...57).contains(digit) else { return nil }
            value = value * 10 + Int(digit - 48)
        }
        return value
    }
}
