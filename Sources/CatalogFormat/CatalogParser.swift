/// Reads the catalogue's data files (the syntax of Docs/catalog.md) into entries and
/// diagnostics. Never fails: a line it cannot read is reported and skipped, so a mistake in
/// one entry leaves the rest of the catalogue usable. ``CatalogValidator`` then checks the
/// entries.
///
/// ```
/// # comment
/// [basic.550]
/// en: Mailbox unavailable: ...
/// en.hint: Check the address ...
///   a continuation line (two spaces or more) joined to the field above with one space
/// ```
package enum CatalogParser {
    /// A field as written: its name (`en`, `fr.hint`, `match`), its text and where.
    package struct Field: Hashable, Sendable {
        package enum Kind: Hashable, Sendable {
            case meaning(Language)
            case hint(Language)
            /// `en.cause:`: the likely cause (vendor and command entries).
            case cause(Language)
            case match
            /// A field with one value for every language (`category:`, `source:`…).
            case property(Property)

            /// 0 for `match`, then the properties, then each language's meaning, hint and cause.
            package var ordinal: Int {
                let languages = 1 + Property.allCases.count
                switch self {
                case .match: return 0
                case .property(let property): return 1 + Property.allCases.firstIndex(of: property)!
                case .meaning(let language): return languages + 3 * Language.allCases.firstIndex(of: language)!
                case .hint(let language): return languages + 1 + 3 * Language.allCases.firstIndex(of: language)!
                case .cause(let language): return languages + 2 + 3 * Language.allCases.firstIndex(of: language)!
                }
            }

            /// How many ordinals there are.
            package static var count: Int { 1 + Property.allCases.count + 3 * Language.allCases.count }
        }

        /// The fields that are not text in a language (Docs/catalog.md).
        package enum Property: String, Hashable, Sendable, CaseIterable {
            /// `category: relay`: one of ``ExplanationCategory``'s ids.
            case category
            /// `retry: fix-then-retry`.
            case retry
            /// `acts: sending-admin user`: who must act.
            case acts
            /// `source: URL` or `postfix-3.7.11 src/smtpd/smtpd.c`: where the facts come from.
            case source
            /// `generic: yes`: the text is not the vendor's alone; used once the server is recognised.
            case generic
            /// `name: Postfix` (`server.*`): the name shown when the server is recognised.
            case name
            /// `greeting: ESMTP Postfix` (`server.*`): words in the greeting that tell the server.
            case greeting
            /// `host: .protection.outlook.com` (`server.*`): the end of a host name in the greeting or EHLO reply.
            case host
            /// `ehlo: X-EXPS` (`server.*`): an EHLO keyword, or words of the EHLO reply's first line.
            case ehlo
            /// `classes: 5` (enhanced codes): the classes the IANA registry lists the code for.
            case classes
        }

        package var kind: Kind
        package var text: TextSlice
        package var location: CatalogLocation

        package init(kind: Kind, text: TextSlice, location: CatalogLocation) {
            self.kind = kind
            self.text = text
            self.location = location
        }

        /// As written: `en`, `fr.hint`, `match`.
        package var name: String {
            switch kind {
            case .meaning(let language): language.rawValue
            case .hint(let language): language.rawValue + ".hint"
            case .cause(let language): language.rawValue + ".cause"
            case .match: "match"
            case .property(let property): property.rawValue
            }
        }
    }

    /// An entry as written, before any check.
    package struct ParsedEntry: Hashable, Sendable {
        package var keyText: String
        package var location: CatalogLocation
        package var fields: [Field]
        /// Its lines after the key line, up to the next key, in source `body.source`.
        package var body: Body

        package init(keyText: String, location: CatalogLocation, fields: [Field], body: Body) {
            self.keyText = keyText
            self.location = location
            self.fields = fields
            self.body = body
        }
    }

    /// Where an entry's fields are written: read again by ``fields(of:in:)`` when it is used.
    package struct Body: Hashable, Sendable {
        package var source: Int
        package var range: Range<Int>
        /// The number of the line the range starts with.
        package var firstLine: Int

        package init(source: Int, range: Range<Int>, firstLine: Int) {
            self.source = source
            self.range = range
            self.firstLine = firstLine
        }
    }

    package enum Mode: Sendable {
        /// Every field, with a diagnostic for every line that cannot be read.
        case full
        /// Keys and `match:` fields only, no diagnostics: what start-up needs (the rest of
        /// an entry is read when it is shown).
        case keysAndMatches
    }

    /// The field names a line may start with, as bytes.
    package static let fieldKinds: [(name: [UInt8], kind: Field.Kind)] = {
        var kinds: [(name: [UInt8], kind: Field.Kind)] = [
            (Array("match".utf8), .match),
        ]
        for language in Language.allCases {
            kinds.append((Array(language.rawValue.utf8), .meaning(language)))
            kinds.append((Array((language.rawValue + ".hint").utf8), .hint(language)))
            kinds.append((Array((language.rawValue + ".cause").utf8), .cause(language)))
        }
        for property in Field.Property.allCases {
            kinds.append((Array(property.rawValue.utf8), .property(property)))
        }
        return kinds
    }()

    /// Parses `source`, the `sourceIndex`th of the catalogue. Texts are not decoded here,
    /// only located (``TextSlice``): start-up reads the whole catalogue, but shows a few entries.
    package static func parse(
        _ source: CatalogSource,
        sourceIndex: Int,
        mode: Mode = .full
    ) -> (entries: [ParsedEntry], diagnostics: [CatalogDiagnostic]) {
        // Bytes, not Characters: the whole catalogue is read at start-up (Docs/benchmarks.md).
        source.withUTF8 { bytes in
            let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // a byte order mark
            return parse(
                bytes: bytes, range: start..<bytes.count, firstLine: 1, name: source.name, sourceIndex: sourceIndex,
                mode: mode, entry: nil)
        }
    }

    /// The fields of an entry, read again from its body (as `.full` reads them; the first of
    /// two fields of the same name is the one kept, as the checks keep it).
    package static func fields(of body: Body, in sources: [CatalogSource]) -> [Field] {
        let source = sources[body.source]
        return source.withUTF8 { bytes in
            let entry = ParsedEntry(
                keyText: "", location: CatalogLocation(file: source.name, line: body.firstLine - 1), fields: [],
                body: body)
            return parse(
                bytes: bytes, range: body.range, firstLine: body.firstLine, name: source.name, sourceIndex: body.source,
                mode: .full, entry: entry
            ).entries.first?.fields ?? []
        }
    }

    private static func parse(
        bytes: UnsafeBufferPointer<UInt8>,
        range: Range<Int>,
        firstLine: Int,
        name: String,
        sourceIndex: Int,
        mode: Mode,
        entry: ParsedEntry?
    ) -> (entries: [ParsedEntry], diagnostics: [CatalogDiagnostic]) {
        let space = UInt8(ascii: " ")
        let tab = UInt8(ascii: "\t")
        let colon = UInt8(ascii: ":")
        var entries: [ParsedEntry] = entry.map { [$0] } ?? []
        var diagnostics: [CatalogDiagnostic] = []
        let full = mode == .full
        // `true` while the previous line was a field (kept) or a continuation of one.
        var continuable = false
        var lineNumber = firstLine - 1
        var index = range.lowerBound

        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        while index < range.upperBound {
            lineNumber += 1
            let location = CatalogLocation(file: name, line: lineNumber)
            let lineStart = index
            var lineEnd = lineStart
            while lineEnd < range.upperBound && bytes[lineEnd] != 10 { lineEnd += 1 }
            index = lineEnd + 1
            if lineEnd > lineStart && bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
            // The line without the spaces and tabs around it.
            var first = lineStart
            while first < lineEnd && (bytes[first] == space || bytes[first] == tab) { first += 1 }
            var last = lineEnd
            while last > first && (bytes[last - 1] == space || bytes[last - 1] == tab) { last -= 1 }

            if first == last || bytes[first] == UInt8(ascii: "#") {
                continuable = false
                continue
            }
            let indented =
                bytes[lineStart] == tab
                || (lineEnd - lineStart >= 2 && bytes[lineStart + 1] == space && bytes[lineStart] == space)
            if indented {
                if continuable, !entries.isEmpty, !entries[entries.count - 1].fields.isEmpty {
                    let fieldIndex = entries[entries.count - 1].fields.count - 1
                    entries[entries.count - 1].fields[fieldIndex].text.append(first..<last)
                } else if full {
                    diagnostics.append(
                        CatalogDiagnostic(
                            location, "an indented line continues a field, but no field comes just before it")
                    )
                }
                continue
            }
            continuable = false
            if bytes[lineStart] == UInt8(ascii: "[") {
                guard bytes[last - 1] == UInt8(ascii: "]"), last - lineStart > 2 else {
                    if full {
                        diagnostics.append(CatalogDiagnostic(location, "a key line is '[key]' alone on its line"))
                    }
                    continue
                }
                if !entries.isEmpty {
                    entries[entries.count - 1].body.range = entries[entries.count - 1].body.range.lowerBound..<lineStart
                }
                let body = Body(source: sourceIndex, range: index..<range.upperBound, firstLine: lineNumber + 1)
                entries.append(
                    ParsedEntry(keyText: string(lineStart + 1..<last - 1), location: location, fields: [], body: body))
                continue
            }
            // `name:` then a space or the end, the name in a-z and dots.
            var nameEnd = lineStart
            while nameEnd < lineEnd,
                (bytes[nameEnd] >= 97 && bytes[nameEnd] <= 122) || bytes[nameEnd] == UInt8(ascii: ".")
            {
                nameEnd += 1
            }
            if nameEnd > lineStart, nameEnd < lineEnd, bytes[nameEnd] == colon,
                nameEnd + 1 == lineEnd || bytes[nameEnd + 1] == space
            {
                let nameBytes = UnsafeBufferPointer(rebasing: bytes[lineStart..<nameEnd])
                guard let kind = fieldKinds.first(where: { $0.name.elementsEqual(nameBytes) })?.kind else {
                    guard full else { continue }
                    let known = fieldKinds.map { String(decoding: $0.name, as: UTF8.self) }.sorted().joined(
                        separator: ", ")
                    diagnostics.append(
                        CatalogDiagnostic(location, "unknown field '\(string(lineStart..<nameEnd))' (known: \(known))"))
                    continue
                }
                guard !entries.isEmpty else {
                    if full {
                        diagnostics.append(
                            CatalogDiagnostic(location, "'\(string(lineStart..<nameEnd)):' comes before any [key]"))
                    }
                    continue
                }
                guard full || kind == .match else { continue }
                var valueStart = nameEnd + 1
                while valueStart < last && (bytes[valueStart] == space || bytes[valueStart] == tab) { valueStart += 1 }
                let value = TextSlice(source: sourceIndex, range: valueStart..<max(valueStart, last))
                entries[entries.count - 1].fields.append(Field(kind: kind, text: value, location: location))
                continuable = true
                continue
            }
            if full {
                diagnostics.append(
                    CatalogDiagnostic(
                        location,
                        "this line is neither a [key], a 'field: text' line nor a continuation (indent by two spaces to continue a field)"
                    )
                )
            }
        }
        return (entries, diagnostics)
    }
}

/// A field's text, located in the catalogue's sources and decoded only when asked: at
/// start-up the catalogue is read whole, but only the entries shown are decoded.
package struct TextSlice: Hashable, Sendable {
    package var source: Int
    package var range: Range<Int>
    /// Continuation lines, joined to the first with one space.
    package var continuations: [Range<Int>] = []

    package init(source: Int, range: Range<Int>, continuations: [Range<Int>] = []) {
        self.source = source
        self.range = range
        self.continuations = continuations
    }

    package var isEmpty: Bool { range.isEmpty && continuations.allSatisfy(\.isEmpty) }

    package mutating func append(_ line: Range<Int>) {
        if range.isEmpty && continuations.isEmpty {
            range = line
        } else {
            continuations.append(line)
        }
    }

    package func string(in sources: [CatalogSource]) -> String {
        sources[source].withUTF8 { bytes in
            var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            for line in continuations {
                text += " " + String(decoding: UnsafeBufferPointer(rebasing: bytes[line]), as: UTF8.self)
            }
            return text
        }
    }
}

extension CatalogSource {
    /// The text's UTF-8 bytes, without a copy when the string is native (the embedded ones are).
    package func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }
}
