import SMTPCore

/// The checks of Docs/catalog.md, run over the parsed files: the test suite fails on any
/// diagnostic (Tests/SMTPCatalogTests/CatalogDataTests.swift).
///
/// - every key has a documented form, and appears once;
/// - every entry has its meaning in every language, and no field twice;
/// - every 4xx/5xx entry has a hint in every language; when one language has a hint, all do;
/// - every placeholder used in one language is used in the others, is one the entry can
///   fill, and (appliance entries) comes from every `match:` line;
/// - `match:` lines belong to appliance entries, which have at least one; no two are the same;
/// - `classes:` belongs to enhanced.S.D entries and lists 2, 4 or 5;
/// - French typography: a no-break space (U+00A0) before `:` `;` `?` `!` and inside « »,
///   the typographic apostrophe (’) in elisions, no other kind of no-break space;
/// - Japanese spacing: one half-width space between Japanese and an ASCII letter or digit,
///   none next to Japanese punctuation.
///
/// Entries with problems are still kept when they have a valid key, so the rest of the
/// catalogue stays usable.
enum CatalogValidator {
    /// An entry as kept by the catalogue: its key, and where its fields are written (read
    /// when the entry is shown).
    struct StoredEntry: Sendable {
        /// The key as written, known to be valid: checked by ``validate(_:sources:checks:)``,
        /// or by catalog-embedder when smtpsh was built. Read into a ``CatalogKey`` only when
        /// the entry is used (703 keys at every start-up cost more than the few looked up).
        var keyText: String
        var location: CatalogLocation
        var body: CatalogParser.Body

        var key: CatalogKey { CatalogKey(keyText)! }

        func entry(in sources: [CatalogSource]) -> CatalogEntry {
            var entry = CatalogEntry(key: key, meaning: [:], location: location)
            for field in CatalogParser.fields(of: body, in: sources) where !field.text.isEmpty {
                // The first of two fields of the same name counts, as for the checks.
                switch field.kind {
                case .meaning(let language) where entry.meaning[language] == nil:
                    entry.meaning[language] = field.text.string(in: sources)
                case .hint(let language) where entry.hint[language] == nil:
                    entry.hint[language] = field.text.string(in: sources)
                case .cause(let language) where entry.cause[language] == nil:
                    entry.cause[language] = field.text.string(in: sources)
                case .match:
                    entry.matches.append(field.text.string(in: sources))
                case .property(.classes):
                    if entry.classes.isEmpty { entry.classes = CatalogValidator.classes(field.text.string(in: sources)) ?? [] }
                case .property(let property):
                    entry.properties[property.rawValue, default: []].append(field.text.string(in: sources))
                default:
                    break
                }
            }
            return entry
        }
    }

    struct Result {
        var entries: [StoredEntry] = []
        var patterns: [ReplyPattern] = []
        /// `match:` lines to read when their code is first explained (``index(_:sources:)``).
        var pendingPatterns: [PatternTable.Pending] = []
        var diagnostics: [CatalogDiagnostic] = []
    }

    /// The entries and patterns of data already checked: the embedded catalogue, indexed at
    /// build time by catalog-embedder, which refuses a key that ``CatalogKey`` cannot read (so
    /// `StoredEntry.key` always can). Nothing but what start-up needs; the test suite runs the
    /// checks of Docs/catalog.md over the same data.
    static func index(_ parsed: [CatalogParser.ParsedEntry], sources: [CatalogSource]) -> Result {
        var result = Result()
        result.entries.reserveCapacity(parsed.count)
        for item in parsed {
            for field in item.fields where field.kind == .match {
                // The code is the line's first three bytes; the rest is read when it is needed.
                guard let code = CatalogIndex.replyCode(of: field.text, in: sources) else { continue }
                result.pendingPatterns.append(.init(code: code, text: field.text, keyText: item.keyText, order: result.pendingPatterns.count))
            }
            result.entries.append(StoredEntry(keyText: item.keyText, location: item.location, body: item.body))
        }
        return result
    }

    /// `checks: false` keeps the entries and builds the patterns only, skipping what can only
    /// find a problem in the data (languages, hints, placeholders, typography): that is how
    /// `Catalog.shared` loads the embedded data, which the test suite has checked.
    static func validate(
        _ parsed: [CatalogParser.ParsedEntry],
        sources: [CatalogSource],
        checks: Bool = true
    ) -> Result {
        var result = Result()
        var seenKeys: [String: CatalogLocation] = [:]
        var seenMatches: [String: (location: CatalogLocation, entry: StoredEntry, generic: Bool)] = [:]

        for item in parsed {
            func report(_ location: CatalogLocation, _ message: String) {
                result.diagnostics.append(CatalogDiagnostic(location, message))
            }
            guard let key = CatalogKey(item.keyText) else {
                report(item.location, "'[\(item.keyText)]' is not a known form of key (see Docs/catalog.md, Keys)")
                continue
            }
            if let first = seenKeys[key.rawValue] {
                report(item.location, "\(key) is already defined at \(first)")
                continue
            }
            seenKeys[key.rawValue] = item.location

            // Where each field is, by `Field.Kind.ordinal` (no hashing: this runs at start-up).
            var fieldLines = FieldLines()
            var matchFields: [CatalogParser.Field] = []
            for field in item.fields {
                if !Self.repeatable(field.kind), let first = fieldLines[field.kind] {
                    report(field.location, "\(key) has '\(field.name)' twice (first at line \(first.line))")
                    continue
                }
                fieldLines[field.kind] = field.location
                if field.text.isEmpty {
                    report(field.location, "'\(field.name):' has no text")
                    continue
                }
                if field.kind == .match { matchFields.append(field) }
            }
            let stored = StoredEntry(keyText: key.rawValue, location: item.location, body: item.body)

            var failure = key.failureClass
            var patterns: [ReplyPattern] = []
            if key.isReplyText {
                if matchFields.isEmpty { report(item.location, "\(key) has no 'match:' line") }
                for field in matchFields {
                    do throws(ReplyPattern.Invalid) {
                        let pattern = try ReplyPattern(
                            parsing: field.text.string(in: sources),
                            key: key,
                            order: result.patterns.count + patterns.count
                        )
                        // Generic: `generic: yes`, or a line any server could send (`250 {host}`).
                        let generic = pattern.literalWordCount <= 1 || stored.entry(in: sources).isGeneric
                        if let first = seenMatches[pattern.text] {
                            // Two vendors may send the same line; then it is generic in both,
                            // used only once the server is recognised.
                            let shared = first.entry.key.vendor != key.vendor && first.generic && generic
                            if !shared {
                                report(field.location, "the same match: line is already at \(first.location) (two vendors may share a line when both entries are 'generic: yes')")
                            } else {
                                patterns.append(pattern)
                            }
                        } else {
                            seenMatches[pattern.text] = (field.location, stored, generic)
                            patterns.append(pattern)
                        }
                        failure = (failure ?? false) || pattern.code >= 400
                    } catch {
                        report(field.location, error.description)
                    }
                }
            } else if let first = matchFields.first {
                report(first.location, "only appliance and vendor entries have 'match:' lines")
            }
            if let location = fieldLines[.property(.classes)] {
                if case .enhanced = key.kind {
                    let text = item.fields.first { $0.kind == .property(.classes) }!.text.string(in: sources)
                    if Self.classes(text) == nil {
                        report(location, "'classes:' lists the classes the registry allows, among 2, 4 and 5 (e.g. 'classes: 5'), not '\(text)'")
                    }
                } else {
                    report(location, "only enhanced.S.D entries have a 'classes:' line")
                }
            }
            result.entries.append(stored)
            result.patterns += patterns
            guard checks else { continue }

            // Every language, and hints where they are needed.
            for language in Language.allCases where fieldLines[.meaning(language)] == nil {
                report(item.location, "\(key) has no '\(language)' text")
            }
            let hinted = Language.allCases.filter { fieldLines[.hint($0)] != nil }
            if !hinted.isEmpty {
                for language in Language.allCases where !hinted.contains(language) {
                    report(
                        item.location,
                        "\(key) has a hint, but no '\(language).hint' (when one language has a hint, all must)")
                }
            } else if failure == true {
                report(item.location, "\(key) needs a hint in every language (4xx/5xx entry): no '\(Language.en).hint'")
            }

            let entry = stored.entry(in: sources)
            checkFields(of: entry, key: key, lines: fieldLines, failure: failure == true, report: report)
            for field in item.fields where field.kind == .meaning(.fr) || field.kind == .hint(.fr) || field.kind == .cause(.fr) {
                for problem in frenchTypographyProblems(field.text.string(in: sources)) {
                    report(field.location, problem)
                }
            }
            for field in item.fields where field.kind == .meaning(.ja) || field.kind == .hint(.ja) {
                for problem in japaneseTypographyProblems(field.text.string(in: sources)) {
                    report(field.location, problem)
                }
            }

            // Placeholders: known, filled, the same in every language.
            let allowed = key.allowedPlaceholders
            let fromMatches = patterns.map(\.placeholders)
            for (fieldName, texts) in [("", entry.meaning), (".hint", entry.hint), (".cause", entry.cause)] where !texts.isEmpty {
                var reference: (Language, Set<String>)?
                for language in Language.allCases {
                    guard let text = texts[language] else { continue }
                    let kind: CatalogParser.Field.Kind =
                        fieldName.isEmpty ? .meaning(language) : fieldName == ".hint" ? .hint(language) : .cause(language)
                    let location = fieldLines[kind] ?? item.location
                    let names = Set(Placeholders.names(in: text))
                    if let allowed {
                        for name in names.sorted() where !allowed.contains(name) {
                            let usable =
                                allowed.isEmpty
                                ? "this entry has none"
                                : "this entry may use " + allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
                            report(location, "{\(name)} cannot be filled here (\(usable))")
                        }
                    }
                    for name in names.sorted() where Self.filledByMatch(name, key: key) {
                        if fromMatches.contains(where: { !$0.contains(name) }) {
                            report(location, "{\(name)} is used, but not every match: line of \(key) has it")
                        }
                    }
                    if let (first, firstNames) = reference {
                        for name in firstNames.subtracting(names).sorted() {
                            report(
                                location, "'\(language)\(fieldName)' lacks {\(name)}, which '\(first)\(fieldName)' uses"
                            )
                        }
                        for name in names.subtracting(firstNames).sorted() {
                            report(
                                location,
                                "'\(language)\(fieldName)' uses {\(name)}, which '\(first)\(fieldName)' does not")
                        }
                    } else {
                        reference = (language, names)
                    }
                }
            }
        }
        return result
    }

    /// Fields an entry may have several of.
    static func repeatable(_ kind: CatalogParser.Field.Kind) -> Bool {
        switch kind {
        case .match, .property(.greeting), .property(.host), .property(.ehlo): true
        default: false
        }
    }

    /// The fields that are not text, and the causes: which entries have them, which they need,
    /// and that their values are known ids.
    private static func checkFields(
        of entry: CatalogEntry, key: CatalogKey, lines: FieldLines, failure: Bool,
        report: (CatalogLocation, String) -> Void
    ) {
        typealias Property = CatalogParser.Field.Property
        let allowed: Set<Property>
        let required: Set<Property>
        switch key.kind {
        case .vendor:
            allowed = [.category, .retry, .acts, .source, .generic]
            required = [.category, .retry, .acts, .source]
        case .appliance:
            allowed = [.category, .retry, .acts, .source, .generic]
            required = []
        case .command:
            allowed = [.category, .retry, .acts]
            required = [.category]
        case .server:
            allowed = [.name, .greeting, .host, .ehlo, .source]
            required = [.name]
        default:
            allowed = []
            required = []
        }
        // `classes:` is checked with the enhanced codes' other fields.
        for property in Property.allCases where property != .classes {
            let location = lines[.property(property)]
            if let location, !allowed.contains(property) {
                report(location, "\(key) cannot have '\(property.rawValue):' (see Docs/catalog.md, Fields)")
            } else if location == nil, required.contains(property) {
                report(entry.location, "\(key) needs a '\(property.rawValue):' line")
            }
        }
        func check(_ property: Property, _ valid: (String) -> Bool, _ expected: String) {
            guard let value = entry.property(property.rawValue), let location = lines[.property(property)], !valid(value)
            else { return }
            report(location, "'\(value)' is not a known \(property.rawValue) (\(expected))")
        }
        check(.category, { ExplanationCategory(rawValue: $0) != nil }, ExplanationCategory.allCases.map(\.rawValue).joined(separator: ", "))
        check(.retry, { RetryAdvice(rawValue: $0) != nil }, RetryAdvice.allCases.map(\.rawValue).joined(separator: ", "))
        check(.acts, { value in
            let words = value.split(separator: " ")
            return !words.isEmpty && words.allSatisfy { Actor(rawValue: String($0)) != nil }
        }, "one or more of " + Actor.allCases.map(\.rawValue).joined(separator: ", "))
        check(.generic, { $0 == "yes" }, "yes")
        // Causes: vendor and command entries (and the appliance's) only; all languages or none;
        // every vendor entry for a 4xx/5xx reply has one.
        let caused = Language.allCases.filter { lines[.cause($0)] != nil }
        switch key.kind {
        case .vendor, .command, .appliance:
            if !caused.isEmpty {
                for language in Language.allCases where !caused.contains(language) {
                    report(entry.location, "\(key) has a cause, but no '\(language).cause' (when one language has a cause, all must)")
                }
            } else if failure, case .vendor = key.kind {
                report(entry.location, "\(key) needs a cause in every language (4xx/5xx vendor entry): no 'en.cause'")
            }
        default:
            if let language = caused.first, let location = lines[.cause(language)] {
                report(location, "only vendor, command and appliance entries have a cause")
            }
        }
    }

    /// A location per field kind, in a fixed array.
    struct FieldLines {
        private var locations = [CatalogLocation?](repeating: nil, count: CatalogParser.Field.Kind.count)

        subscript(kind: CatalogParser.Field.Kind) -> CatalogLocation? {
            get { locations[kind.ordinal] }
            set { locations[kind.ordinal] = newValue }
        }
    }

    /// The classes of a `classes:` field (`5`, `4 5`); `nil` unless each is 2, 4 or 5, once.
    static func classes(_ text: String) -> [EnhancedStatusCode.Class]? {
        var classes: [EnhancedStatusCode.Class] = []
        for word in text.split(separator: " ") {
            guard let digit = Int(word), let found = EnhancedStatusCode.Class(rawValue: digit), !classes.contains(found)
            else { return nil }
            classes.append(found)
        }
        return classes.isEmpty ? nil : classes
    }

    private static func filledByMatch(_ name: String, key: CatalogKey) -> Bool {
        guard key.isReplyText else { return false }
        return ReplyPattern.allowedPlaceholders(for: key).contains(name)
    }

    // MARK: French typography

    static let noBreakSpace: Unicode.Scalar = "\u{00A0}"

    /// What is wrong with the typography of a French text, in the one style the catalogue uses.
    static func frenchTypographyProblems(_ text: String) -> [String] {
        var problems: [String] = []
        let scalars = Array(text.unicodeScalars)
        func isLetter(_ index: Int) -> Bool {
            guard scalars.indices.contains(index) else { return false }
            return scalars[index].properties.isAlphabetic
        }
        for (index, scalar) in scalars.enumerated() {
            let previous: Unicode.Scalar? = index > 0 ? scalars[index - 1] : nil
            let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch scalar {
            case ":", ";", "?", "!":
                // Punctuation (followed by a space, the end or »), not `FROM:<` or `;R`.
                let isPunctuation = next == nil || next == " " || next == noBreakSpace || next == "»"
                if isPunctuation, let previous, previous == " " || previous == "\u{202F}" {
                    problems.append("use a no-break space (U+00A0) before '\(scalar)'")
                }
            case "«":
                if next != noBreakSpace { problems.append("use a no-break space (U+00A0) after '«'") }
            case "»":
                if previous != noBreakSpace { problems.append("use a no-break space (U+00A0) before '»'") }
            case "'":
                if isLetter(index - 1) && isLetter(index + 1) {
                    problems.append("use the typographic apostrophe ’ (U+2019), not '")
                }
            case "\u{202F}", "\u{2007}", "\u{2009}":
                problems.append(
                    "use the no-break space U+00A0, not U+\(String(scalar.value, radix: 16, uppercase: true))")
            default:
                break
            }
        }
        // One report of each kind per field is enough.
        var seen: Set<String> = []
        return problems.filter { seen.insert($0).inserted }
    }

    // MARK: Japanese spacing

    /// What is wrong with the spacing of a Japanese text, in the one style the catalogue uses
    /// (Docs/catalog.md, Writing the text): `EHLO 応答の SIZE`, `ポート 25`, `「SIZE」`.
    ///
    /// - a kana or kanji right next to an ASCII letter or digit: a half-width space between them;
    /// - a space next to Japanese punctuation (、。「」（）： …): none;
    /// - the ideographic space U+3000: a half-width space, or none.
    ///
    /// Code-like words are left alone where the junction is a symbol (`<アドレス>`,
    /// `BY=秒数;R`, `{seconds}以内`): only letters and digits need the space.
    static func japaneseTypographyProblems(_ text: String) -> [String] {
        var problems: [String] = []
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices {
            let scalar = scalars[index]
            let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
            if scalar == "\u{3000}" {
                problems.append("use a half-width space, or none, not the ideographic space U+3000")
            }
            guard let next else { continue }
            if (isJapaneseLetter(scalar) && isASCIIAlphanumeric(next))
                || (isASCIIAlphanumeric(scalar) && isJapaneseLetter(next))
            {
                problems.append(
                    "put a half-width space between Japanese and ASCII: '\(Character(scalar))\(Character(next))'")
            }
            if (scalar == " " && isJapanesePunctuation(next)) || (isJapanesePunctuation(scalar) && next == " ") {
                problems.append("no space next to Japanese punctuation: '\(Character(scalar))\(Character(next))'")
            }
        }
        var seen: Set<String> = []
        return problems.filter { seen.insert($0).inserted }
    }

    /// Kana and kanji, the long-vowel mark ー and 々: not the punctuation among them (・).
    static func isJapaneseLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3041...0x309F, 0x30A1...0x30FA, 0x30FC...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0x3005: true
        default: false
        }
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        (48...57).contains(scalar.value) || (65...90).contains(scalar.value) || (97...122).contains(scalar.value)
    }

    /// 、。「」『』（）：；！？・ and their kin; not … (it stands for an argument: `--to … で`).
    private static func isJapanesePunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3001, 0x3002, 0x300C...0x300F, 0x30FB, 0xFF08, 0xFF09, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F: true
        default: false
        }
    }
}
