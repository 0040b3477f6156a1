/// A `match:` line of an appliance entry: a reply line as the appliance sends it, where
/// `{host}` and `{arg}` stand for one word each.
///
/// ```
/// match: 250 sender <{arg}> ok        matches   250 sender <test@test.com> ok     (arg = test@test.com)
/// match: 421 {host} Service not available, closing transaction channel
///                                     matches   421 my_esa.local Service not available, …
/// ```
///
/// Words are compared exactly (case and punctuation as the appliance sends them); runs of
/// spaces count as one, and `550-` (a continuation line) as `550 `. `{host}` only matches
/// a word that looks like a host: a name with a dot (`my_esa.local`), an address or address
/// literal (`192.0.2.1`, `[192.0.2.1]`, `[IPv6:2001:db8::1]`), or anything in angle brackets
/// (`<hostname>`). So `250 {host}` does not take `250 ok` or `250 2.0.0`.
struct AppliancePattern: Hashable, Sendable {
    enum Token: Hashable, Sendable {
        case literal(String)
        /// A word made of a literal prefix, one placeholder and a literal suffix (`<{arg}>`).
        case placeholder(prefix: String, name: String, suffix: String)
    }

    /// Why a `match:` line cannot be used.
    struct Invalid: Error, Hashable, CustomStringConvertible {
        var description: String
    }

    var text: String
    var code: Int
    var tokens: [Token]
    /// The entry the pattern belongs to.
    var key: CatalogKey
    /// Its place in the data, to keep the first of two equally specific patterns.
    var order: Int

    static let placeholderNames: Set<String> = ["host", "arg"]

    init(parsing text: String, key: CatalogKey, order: Int) throws(Invalid) {
        let words = Self.words(of: text)
        guard let first = words.first, first.utf8.count == 3, let code = Int(first), (200...599).contains(code) else {
            throw Invalid(description: "a match: line starts with the reply code (200 to 599) and a space")
        }
        var tokens: [Token] = []
        for word in words {
            let placeholders = Placeholders.names(in: word)
            switch placeholders.count {
            case 0:
                tokens.append(.literal(String(word)))
            case 1:
                let name = placeholders[0]
                guard Self.placeholderNames.contains(name) else {
                    throw Invalid(description: "{\(name)} cannot be matched; a match: line may use {host} and {arg}")
                }
                // `names(in:)` found `{name}`: the first `{` opens it (names hold no brace).
                let open = word.firstIndex(of: "{")!
                let close = word[open...].firstIndex(of: "}")!
                tokens.append(
                    .placeholder(
                        prefix: String(word[..<open]), name: name, suffix: String(word[word.index(after: close)...])
                    )
                )
            default:
                throw Invalid(description: "'\(word)' holds two placeholders; each stands for a whole word")
            }
        }
        self.text = words.joined(separator: " ")
        self.code = code
        self.tokens = tokens
        self.key = key
        self.order = order
    }

    /// The placeholders the pattern fills.
    var placeholders: Set<String> {
        Set(tokens.compactMap { if case .placeholder(_, let name, _) = $0 { name } else { nil } })
    }

    /// Words that are (or hold) a placeholder: the fewer, the more specific the pattern.
    var placeholderCount: Int {
        tokens.filter { if case .placeholder = $0 { true } else { false } }.count
    }

    /// Literal characters: the more, the more specific the pattern.
    var literalLength: Int {
        tokens.reduce(0) { total, token in
            switch token {
            case .literal(let text): total + text.utf8.count
            case .placeholder(let prefix, _, let suffix): total + prefix.utf8.count + suffix.utf8.count
            }
        }
    }

    /// Words other than the code and placeholders. A pattern with one or none (`220 {host} ESMTP`,
    /// `250 {host}`) could as well be another server's line: its explanation adds the code's.
    var literalWordCount: Int {
        tokens.dropFirst().filter { if case .literal = $0 { true } else { false } }.count
    }

    /// The values of the placeholders when `words` (a reply line split at spaces) match.
    func match(_ words: [Substring]) -> [String: String]? {
        guard words.count == tokens.count else { return nil }
        var values: [String: String] = [:]
        for (token, word) in zip(tokens, words) {
            switch token {
            case .literal(let literal):
                guard word == literal else { return nil }
            case .placeholder(let prefix, let name, let suffix):
                guard word.count > prefix.count + suffix.count, word.hasPrefix(prefix), word.hasSuffix(suffix) else {
                    return nil
                }
                let value = word.dropFirst(prefix.count).dropLast(suffix.count)
                if name == "host" && !Self.looksLikeHost(value) { return nil }
                values[name] = String(value)
            }
        }
        return values
    }

    /// A reply line's words, as patterns compare them: split at runs of spaces and tabs,
    /// with the `-` of a continuation line (`550-5.7.1 …`) read as a space.
    static func words(of line: some StringProtocol) -> [Substring] {
        var words = Substring(line).split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let first = words.first, first.utf8.count >= 4, first.utf8.prefix(3).allSatisfy({ (48...57).contains($0) }),
            first.utf8.dropFirst(3).first == UInt8(ascii: "-")
        {
            let rest = first.dropFirst(4)
            words[0] = first.prefix(3)
            if !rest.isEmpty { words.insert(rest, at: 1) }
        }
        return words
    }

    /// A host name with at least one dot and a letter, an IPv4 or IPv6 address, an address
    /// literal in brackets, or anything in angle brackets.
    static func looksLikeHost(_ word: Substring) -> Bool {
        if word.count > 2, word.hasPrefix("<"), word.hasSuffix(">") { return true }
        if word.count > 2, word.hasPrefix("["), word.hasSuffix("]") {
            return word.dropFirst().dropLast().unicodeScalars.allSatisfy { isHostCharacter($0) || $0 == ":" }
        }
        let scalars = word.unicodeScalars
        if scalars.contains(":") {  // IPv6
            return scalars.allSatisfy { $0 == ":" || $0 == "." || $0.properties.isASCIIHexDigit }
                && scalars.filter({ $0 == ":" }).count >= 2
        }
        guard scalars.allSatisfy(isHostCharacter), scalars.contains("."), !word.hasPrefix("."), !word.hasSuffix(".")
        else { return false }
        let labels = word.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count == 4,
            labels.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && Int($0) != nil })
        {
            return true  // IPv4
        }
        return scalars.contains { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    }

    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "." || scalar == "-" || scalar == "_"
    }
}
