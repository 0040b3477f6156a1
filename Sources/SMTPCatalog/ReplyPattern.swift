/// A `match:` line of an `appliance.*` or `vendor.*` entry: a reply as the server sends it,
/// where placeholders stand for the words that change.
///
/// ```
/// match: 250 sender <{arg}> ok        matches   250 sender <test@test.com> ok     (arg = test@test.com)
/// match: 554 5.7.1 <{addr}>: Relay access denied
///                                     matches   554 5.7.1 <bob@example.com>: Relay access denied
/// match: 550 5.1.1 The email account that you tried to reach does not exist. {text}
///                                     matches   the whole of Gmail's four-line reply
/// ```
///
/// Words are compared exactly (case and punctuation as the server sends them); runs of
/// spaces count as one, and `550-` (a continuation line) as `550 `. A placeholder stands for
/// one word, with the literal text around it in the same word (`<{addr}>:`), and checks what
/// it takes:
///
/// | placeholder | takes |
/// | --- | --- |
/// | `{host}`, `{domain}` | a host name with a dot, an IP address or address literal, or anything in `<…>` |
/// | `{ip}` | an IPv4 or IPv6 address (inside `[…]` when the pattern has the brackets) |
/// | `{n}` | a number |
/// | `{addr}` | any word, empty included (`<{addr}>` takes `<>`, the null sender) |
/// | `{arg}`, `{id}`, `{tag}` | any word: an argument, a queue id, a tracking tag (`[TSS04]`, `AS(201806281)`) |
/// | `{text}` | any number of words, none included: a whole word of the pattern on its own |
///
/// So `250 {host}` does not take `250 ok` or `250 2.0.0`.
struct ReplyPattern: Hashable, Sendable {
    enum Token: Hashable, Sendable {
        case literal(String)
        /// A word made of a literal prefix, one placeholder and a literal suffix (`<{addr}>:`).
        case placeholder(prefix: String, name: String, suffix: String)
        /// `{text}`: any number of words.
        case rest
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

    /// The placeholders of the appliance's entries (its documentation writes `XXX`).
    static let appliancePlaceholders: Set<String> = ["host", "arg"]

    /// The placeholders a `match:` line of this entry may use.
    static func allowedPlaceholders(for key: CatalogKey) -> Set<String> {
        if case .vendor = key.kind { return CatalogKey.templatePlaceholders }
        return appliancePlaceholders
    }

    init(parsing text: String, key: CatalogKey, order: Int) throws(Invalid) {
        let words = Self.words(of: text)
        guard let first = words.first, first.utf8.count == 3, let code = Int(first), (200...599).contains(code) else {
            throw Invalid(description: "a match: line starts with the reply code (200 to 599) and a space")
        }
        let allowed = Self.allowedPlaceholders(for: key)
        var tokens: [Token] = []
        for word in words {
            let placeholders = Placeholders.names(in: word)
            switch placeholders.count {
            case 0:
                tokens.append(.literal(String(word)))
            case 1:
                let name = placeholders[0]
                guard allowed.contains(name) else {
                    let names = allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
                    throw Invalid(description: "{\(name)} cannot be matched; a match: line here may use \(names)")
                }
                // `names(in:)` found `{name}`: the first `{` opens it (names hold no brace).
                let open = word.firstIndex(of: "{")!
                let close = word[open...].firstIndex(of: "}")!
                let prefix = String(word[..<open])
                let suffix = String(word[word.index(after: close)...])
                if name == "text" {
                    guard prefix.isEmpty && suffix.isEmpty else {
                        throw Invalid(description: "{text} stands for whole words: nothing may touch it ('\(word)')")
                    }
                    tokens.append(.rest)
                } else {
                    tokens.append(.placeholder(prefix: prefix, name: name, suffix: suffix))
                }
            default:
                throw Invalid(description: "'\(word)' holds two placeholders; each stands for a whole word")
            }
        }
        self.text = words.joined(separator: " ")
        self.code = code
        self.tokens = tokens
        self.key = key
        self.order = order
        self.literalWordCount = Self.literalWords(tokens)
    }

    /// The placeholders the pattern fills.
    var placeholders: Set<String> {
        Set(tokens.compactMap {
            switch $0 {
            case .placeholder(_, let name, _): name
            case .rest: "text"
            case .literal: nil
            }
        })
    }

    /// Words that are (or hold) a placeholder: the fewer, the more specific the pattern.
    var placeholderCount: Int {
        tokens.filter { if case .literal = $0 { false } else { true } }.count
    }

    /// `true` when the pattern has `{text}`.
    var hasRest: Bool { tokens.contains(.rest) }

    /// Literal characters: the more, the more specific the pattern.
    var literalLength: Int {
        tokens.reduce(0) { total, token in
            switch token {
            case .literal(let text): total + text.utf8.count
            case .placeholder(let prefix, _, let suffix): total + prefix.utf8.count + suffix.utf8.count
            case .rest: total
            }
        }
    }

    /// Literal words other than the code and an enhanced code. A pattern with one or none
    /// (`220 {host} ESMTP`, `250 {host}`, `221 2.0.0 Bye`) could as well be another server's
    /// line: it is generic, used only once the server is known.
    private(set) var literalWordCount = 0

    private static func literalWords(_ tokens: [Token]) -> Int {
        tokens.dropFirst().filter {
            switch $0 {
            case .literal(let word): !Self.isEnhancedCode(Substring(word))
            // `id={id}`: a word with a literal keyword of its own.
            case .placeholder(let prefix, _, let suffix): prefix.utf8.count + suffix.utf8.count >= 3
            case .rest: false
            }
        }.count
    }

    /// The word the pattern is filed under (``PatternTable``) and its place among the words:
    /// its first literal word after the code that is not an enhanced code (`554 5.7.1
    /// <{addr}>: Relay access denied` is filed under `Relay`, the fourth word); `nil` when
    /// `{text}` comes before any such word. Every placeholder
    /// before it takes one word, so the reply's word at that place must be this one.
    var indexWord: (position: Int, word: String)? {
        for (position, token) in tokens.enumerated().dropFirst() {
            switch token {
            case .rest: return nil
            case .placeholder: continue
            case .literal(let word):
                if Self.isEnhancedCode(Substring(word)) { continue }
                return (position, word)
            }
        }
        return nil
    }

    /// The values of the placeholders when `words` (a reply split at spaces) match.
    func match(_ words: [Substring]) -> [String: String]? {
        var values: [String: String] = [:]
        return match(words[...], tokens[...], &values) ? values : nil
    }

    private func match(_ words: ArraySlice<Substring>, _ tokens: ArraySlice<Token>, _ values: inout [String: String]) -> Bool {
        var words = words
        var tokens = tokens
        while let token = tokens.first {
            switch token {
            case .rest:
                tokens = tokens.dropFirst()
                if tokens.isEmpty {
                    values["text"] = Self.joined(words)
                    return true
                }
                // The shortest run that lets the rest match (when a literal word follows, only
                // the runs that end before that word).
                var next: String?
                if case .literal(let literal) = tokens.first { next = literal }
                for taken in 0...words.count {
                    if let next, taken < words.count, words[words.startIndex + taken] != next { continue }
                    var attempt = values
                    if match(words.dropFirst(taken), tokens, &attempt) {
                        values = attempt
                        values["text"] = Self.joined(words.prefix(taken))
                        return true
                    }
                }
                return false
            case .literal(let literal):
                guard let word = words.first, word == literal else { return false }
            case .placeholder(let prefix, let name, let suffix):
                // Compared as bytes: the prefix and suffix are punctuation (`<`, `>:`, `[`, `id=`).
                guard let word = words.first else { return false }
                let bytes = word.utf8
                let prefixCount = prefix.utf8.count, suffixCount = suffix.utf8.count
                guard bytes.count >= prefixCount + suffixCount, bytes.prefix(prefixCount).elementsEqual(prefix.utf8),
                    bytes.suffix(suffixCount).elementsEqual(suffix.utf8)
                else { return false }
                let start = bytes.index(bytes.startIndex, offsetBy: prefixCount)
                var end = bytes.index(bytes.endIndex, offsetBy: -suffixCount)
                // A word ending a clause (`blocked using zen.spamhaus.org; https://…`): the
                // semicolon or comma is the sentence's, not the value's.
                if suffixCount == 0, end > start, let last = bytes.last, last == UInt8(ascii: ";") || last == UInt8(ascii: ",") {
                    end = bytes.index(before: end)
                }
                let value = word[start..<end]
                guard Self.accepts(name, value) else { return false }
                values[name] = String(value)
            }
            words = words.dropFirst()
            tokens = tokens.dropFirst()
        }
        return words.isEmpty
    }

    /// Words joined by one space (what `{text}` takes).
    private static func joined(_ words: ArraySlice<Substring>) -> String {
        var text = ""
        text.reserveCapacity(words.reduce(words.count) { $0 + $1.utf8.count })
        for word in words {
            if !text.isEmpty { text += " " }
            text += word
        }
        return text
    }

    /// Whether `value` can stand for the placeholder `name`.
    static func accepts(_ name: String, _ value: Substring) -> Bool {
        switch name {
        case "host", "domain": looksLikeHost(value)
        case "ip": looksLikeIPAddress(value)
        case "n": !value.isEmpty && value.utf8.allSatisfy { (48...57).contains($0) || $0 == 46 || $0 == 44 }
        case "addr": true
        default: !value.isEmpty
        }
    }

    /// A reply line's words, as patterns compare them: split at runs of spaces and tabs,
    /// with the `-` of a continuation line (`550-5.7.1 …`) read as a space.
    static func words(of line: some StringProtocol) -> [Substring] {
        // Split at the bytes of spaces and tabs (the characters are not looked at: faster).
        let text = Substring(line)
        let utf8 = text.utf8
        var words: [Substring] = []
        var start: Substring.Index?
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == 32 || byte == 9 {
                if let wordStart = start {
                    words.append(text[wordStart..<index])
                    start = nil
                }
            } else if start == nil {
                start = index
            }
            utf8.formIndex(after: &index)
        }
        if let wordStart = start { words.append(text[wordStart..<utf8.endIndex]) }
        if let first = words.first, first.utf8.count >= 4, first.utf8.prefix(3).allSatisfy({ (48...57).contains($0) }),
            first.utf8.dropFirst(3).first == UInt8(ascii: "-")
        {
            let rest = first.dropFirst(4)
            words[0] = first.prefix(3)
            if !rest.isEmpty { words.insert(rest, at: 1) }
        }
        return words
    }

    /// The words of a whole reply, its lines joined as one text: the code and enhanced code
    /// that start every line (`550-5.1.1`) once, at the start. A multi-line reply (Gmail's
    /// four lines) is matched as a whole, and so is the same reply as a log writes it on one
    /// line (`said: 550-5.1.1 The email … 550-5.1.1 double-checking … 550 5.1.1 https://…`).
    static func words(ofReplyText text: some StringProtocol) -> [Substring] {
        var words = words(of: text)
        guard words.count > 2, words[0].utf8.count == 3 else { return words }
        let code = words[0]
        let enhanced = isEnhancedCode(words[1]) ? words[1] : nil
        var index = enhanced == nil ? 1 : 2
        while index < words.count {
            let word = words[index]
            if word.utf8.count >= 4, word.utf8.prefix(3).elementsEqual(code.utf8), word.utf8.dropFirst(3).first == UInt8(ascii: "-") {
                // `550-5.1.1` or `550-` inside the text: a line of the reply starts here.
                let after = word.dropFirst(4)
                if after.isEmpty || after == enhanced {
                    words.remove(at: index)
                    continue
                }
            } else if word == code, index + 1 < words.count, let enhanced, words[index + 1] == enhanced {
                words.removeSubrange(index...index + 1)
                continue
            }
            index += 1
        }
        return words
    }

    /// `5.1.1`, `#4.3.1`, `#4.x.2`: the shape of an enhanced status code.
    static func isEnhancedCode(_ word: Substring) -> Bool {
        var body = word.utf8[...]
        if body.first == UInt8(ascii: "#") { body = body.dropFirst() }
        guard let first = body.first, [50, 52, 53].contains(first), body.dropFirst().first == 46 else { return false }
        var dots = 0
        for byte in body {
            if byte == 46 { dots += 1 } else if !((48...57).contains(byte) || byte == UInt8(ascii: "x") || byte == UInt8(ascii: "X")) {
                return false
            }
        }
        return dots == 2 && body.last != 46
    }

    /// An IPv4 or IPv6 address, or one in brackets (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
    static func looksLikeIPAddress(_ word: Substring) -> Bool {
        var word = word
        if word.hasPrefix("["), word.hasSuffix("]"), word.count > 2 { word = word.dropFirst().dropLast() }
        if word.hasPrefix("IPv6:") { word = word.dropFirst(5) }
        let scalars = word.unicodeScalars
        if scalars.contains(":") {
            return scalars.filter({ $0 == ":" }).count >= 2
                && scalars.allSatisfy { $0 == ":" || $0 == "." || $0.properties.isASCIIHexDigit }
        }
        let labels = word.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count == 4
            && labels.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.utf8.allSatisfy { (48...57).contains($0) } }
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
