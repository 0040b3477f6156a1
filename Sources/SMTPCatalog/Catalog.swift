@_exported import CatalogFormat
import SMTPCore

/// The reply catalogue: what every SMTP reply means, in English, French and Japanese.
///
/// ```swift
/// let explanation = Catalog.shared.explain(reply)            // a reply received in a session
/// let renderer = ExplanationRenderer(columns: 80, languages: [.en, .ja])
/// for line in renderer.render(explanation) { print(line) }   // indented under the reply
/// ```
///
/// The data is the `.catalog` files of `Sources/SMTPCatalog/Data`, compiled into the binary
/// by the CatalogEmbedder build plugin (Docs/catalog.md), with an index of their keys and
/// `match:` lines that the build wrote. ``shared`` reads nothing when it is made: a lookup
/// searches the index by halving, and an entry's texts are read when it is looked up.
public struct Catalog: Sendable {
    /// Problems found in the data. Empty for the embedded catalogue: a test makes sure.
    public let diagnostics: [CatalogDiagnostic]

    /// The files, and where the entries' texts are in them (decoded when used).
    let sources: [CatalogSource]
    let store: EntryStore
    /// Appliance patterns by reply code, most specific first.
    let patterns: PatternTable
    /// Entries decoded so far, by their position in ``store``.
    let decoded = DecodedEntries()
    /// The codes' parts of explanations made so far.
    let codePartsCache = CodePartsCache()
    /// The `server.*` entries, read when a server is first to be recognised.
    let servers = ServerTable()

    /// The catalogue built into smtpsh. Nothing is parsed at start-up: the build indexed the
    /// files (``embeddedIndex``, written by catalog-embedder), and the checks are not run
    /// again here: the test suite runs them over the same data (`Catalog(sources: embeddedSources)`)
    /// and makes sure the index is what the parser reads.
    public static let shared = Catalog(index: embeddedTable, only: nil)

    /// The build's index over the embedded files.
    package static let embeddedTable = CatalogIndex.Table(embeddedIndex, sources: embeddedSources)

    /// Every entry of the embedded files as the index has it, in the files' order (for tests
    /// and the benchmark: this reads the whole index).
    package static var embeddedEntries: [CatalogParser.ParsedEntry] { embeddedTable.all().map(\.entry) }

    /// The files of smtpsh's own words (`message.*` entries only), loaded apart from the
    /// replies' meanings: a session says "Trying 192.0.2.1:25..." before any reply needs
    /// explaining, and these files are a fraction of the whole.
    public static let wordFiles: Set<String> = [
        "explain.catalog", "export.catalog", "help.catalog", "lessons.catalog", "messages.catalog", "session.catalog",
    ]

    /// smtpsh's own words (``Words`` reads them here).
    public static let words = Catalog(
        index: embeddedTable,
        only: Set(embeddedSources.indices.filter { wordFiles.contains(embeddedSources[$0].name) }))

    /// Parses and checks catalogue files. Never fails: problems are in ``diagnostics`` and
    /// the entries that could be read are usable. With `checks: false`, lines that cannot be
    /// read are skipped silently and only malformed keys and `match:` lines and duplicates
    /// are reported; the checks of Docs/catalog.md need `checks: true`.
    public init(sources: [CatalogSource], checks: Bool = true) {
        var parsed: [CatalogParser.ParsedEntry] = []
        var diagnostics: [CatalogDiagnostic] = []
        for (position, source) in sources.enumerated() {
            let (entries, problems) = CatalogParser.parse(
                source, sourceIndex: position, mode: checks ? .full : .keysAndMatches)
            parsed += entries
            diagnostics += problems
        }
        self.init(sources: sources, parsed: parsed, diagnostics: diagnostics, checks: checks)
    }

    /// A catalogue of entries already parsed from `sources` (``embeddedEntries``), without the
    /// checks.
    package init(sources: [CatalogSource], parsed: [CatalogParser.ParsedEntry]) {
        self.init(sources: sources, result: CatalogValidator.index(parsed, sources: sources), diagnostics: [])
    }

    /// The entries of a build's index, searched where they lie; with `only`, those of these
    /// files (their positions in the index's sources).
    package init(index: CatalogIndex.Table, only: Set<Int>?) {
        self.sources = index.sources
        self.store = .index(index, sources: only)
        self.diagnostics = []
        self.patterns = PatternTable(index: index, only: only)
    }

    private init(
        sources: [CatalogSource], parsed: [CatalogParser.ParsedEntry], diagnostics: [CatalogDiagnostic], checks: Bool
    ) {
        let result = CatalogValidator.validate(parsed, sources: sources, checks: checks)
        self.init(sources: sources, result: result, diagnostics: diagnostics)
    }

    private init(sources: [CatalogSource], result: CatalogValidator.Result, diagnostics: [CatalogDiagnostic]) {
        self.sources = sources
        self.store = EntryStore(result.entries)
        self.diagnostics = (diagnostics + result.diagnostics).sorted {
            ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line)
        }
        self.patterns = PatternTable(patterns: result.patterns, pending: result.pendingPatterns, sources: sources)
    }

    /// Every entry, in the order of the files (sorted by name) and of the entries in them.
    /// (Decodes every text: for listings and checks, not for each reply.)
    public var entries: [CatalogEntry] { store.all.map { $0.stored.entry(in: sources) } }

    /// The keys of every entry, in order, without decoding any text.
    public var keys: [CatalogKey] { store.all.map(\.stored.key) }

    /// The entry with this key (`basic.550`, `enhanced.1.1`, `ehlo.SIZE`…). Decoded the first
    /// time it is asked for, then kept: a session explains `250` again and again.
    public subscript(key: String) -> CatalogEntry? {
        guard let found = store.find(key) else { return nil }
        return decoded.entry(at: found.position) { found.stored.entry(in: sources) }
    }

    public subscript(key: CatalogKey) -> CatalogEntry? { self[key.rawValue] }

    /// A reply recognised by its text: the appliance's or a vendor's entry, and the values
    /// of the pattern's placeholders.
    public struct TextMatch: Sendable {
        public var entry: CatalogEntry
        public var values: [String: String]
        /// The text is not the vendor's alone (`250 {host}`, `generic: yes`).
        public var isGeneric: Bool
    }

    /// The appliance's or a vendor's entry that fits `reply` best. The reply is read as one
    /// text (its lines joined: Gmail's four-line replies), then line by line. Once the server
    /// is recognised (`server`), only its own entries apply, generic ones (`250 {host}`,
    /// `221 2.0.0 Bye`) included: another vendor's text from a known server is a server that
    /// borrowed the wording (smtpsh's practice server speaks much like Postfix), not that
    /// vendor. Without a server, only texts that one vendor alone sends apply, the most
    /// specific first (most literal text, then fewest placeholders).
    public func textMatch(in reply: Reply, server: String?) -> TextMatch? {
        let code = reply.code.rawValue
        if reply.lines.count > 1 {
            var text = ""
            for line in reply.lines {
                if !text.isEmpty { text += " " }
                text += String(decoding: line.bytes, as: UTF8.self)
            }
            if let found = textMatch(words: ReplyPattern.words(ofReplyText: text), code: code, server: server) {
                return found
            }
        }
        for line in reply.lines where line.code != nil {
            let words = ReplyPattern.words(ofReplyText: String(decoding: line.bytes, as: UTF8.self))
            if let found = textMatch(words: words, code: code, server: server) { return found }
        }
        return nil
    }

    /// One line as pasted (`smtpsh explain`, tests): the entry that fits it, generic texts
    /// only for `server`.
    public func textMatch(_ line: String, server: String? = nil) -> TextMatch? {
        let words = ReplyPattern.words(ofReplyText: line)
        guard let first = words.first, first.utf8.count == 3, let code = Int(first) else { return nil }
        return textMatch(words: words, code: code, server: server)
    }

    func textMatch(words: [Substring], code: Int, server: String?) -> TextMatch? {
        guard words.first?.utf8.count == 3 else { return nil }
        let table = patterns.code(code)
        for position in table.positions(for: words) {
            if let server, table.patterns[position].key.vendor != server { continue }
            guard let values = table.patterns[position].match(words), let entry = self[table.patterns[position].key]
            else { continue }
            let generic = entry.isGeneric || table.patterns[position].literalWordCount <= 1
            if generic && server == nil { continue }
            return TextMatch(entry: entry, values: values, isGeneric: generic)
        }
        return nil
    }

    // MARK: smtpsh's own words

    /// One of smtpsh's own messages (`message.NAME` in `messages.catalog`) in `language`,
    /// its placeholders filled from `values`. Falls back to English, then to the name itself:
    /// a missing message never stops smtpsh.
    ///
    /// ```swift
    /// catalog.message("explain-unknown-input", in: .fr, ["input": "hello"])
    /// // "impossible d’expliquer « hello » : …"
    /// ```
    public func message(_ name: String, in language: Language, _ values: [String: String] = [:]) -> String {
        guard let entry = self["message." + name], let text = entry.meaning[language] ?? entry.meaning[.en] else {
            return name
        }
        return Placeholders.fill(text, with: values)
    }
}
