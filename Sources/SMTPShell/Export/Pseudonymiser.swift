/// `smtpsh export --evidence FILE --pseudonymise`: the session's mail addresses, host names and
/// IP addresses replaced by stand-ins, the same one each time the same name comes back, so a
/// support engineer can still follow the session (`user1@host2.example` is the same mailbox
/// in MAIL FROM and in the 550 that refuses it).
///
/// ```
/// alice@mail.corp.example.com   → user1@host1.example
/// mx1.corp.example.com          → host2.example
/// 198.18.4.7                    → 192.0.2.1      (RFC 5737's documentation ranges)
/// 2a01:4f8:1:2::25              → 2001:db8::1    (RFC 3849)
/// ```
///
/// The names are gathered from the session's own lines (``learn(_:)``) and then replaced
/// wherever they appear (``apply(_:)``), in the explanations too (they quote the reply), but
/// nothing else: the catalogue's own words (a vendor's domain in a hint) stay as they are.
struct Pseudonymiser {
    private(set) var addresses: [String: String] = [:]
    private(set) var hosts: [String: String] = [:]
    private(set) var ips: [String: String] = [:]
    private var users: [String: String] = [:]

    /// What was replaced, for the file to say: how many distinct addresses, host names and IPs.
    var counts: (addresses: Int, hosts: Int, ips: Int) { (addresses.count, hosts.count, ips.count) }

    /// Names that are not anyone's: kept.
    static let kept: Set<String> = ["localhost", "localhost.localdomain"]

    /// Gathers the addresses, host names and IP addresses in `text` (a line of the session).
    mutating func learn(_ text: String) {
        for token in Self.tokens(in: text) {
            switch token.kind {
            case .address(let local, let domain): _ = pseudonym(address: local, domain: domain)
            case .host(let name): _ = pseudonym(host: name)
            case .ip(let ip): _ = pseudonym(ip: ip)
            }
        }
    }

    /// `text` with every name learnt replaced by its stand-in.
    func apply(_ text: String) -> String {
        let tokens = Self.tokens(in: text)
        guard !tokens.isEmpty else { return text }
        var out = ""
        var position = text.startIndex
        for token in tokens {
            let replacement: String? =
                switch token.kind {
                case .address(let local, let domain): addresses[local.lowercased() + "@" + domain.lowercased()]
                case .host(let name): hosts[name.lowercased()]
                case .ip(let ip): ips[ip.lowercased()]
                }
            guard let replacement else { continue }
            out += text[position..<token.range.lowerBound]
            out += replacement
            position = token.range.upperBound
        }
        return out + text[position...]
    }

    private mutating func pseudonym(host name: String) -> String? {
        let key = name.lowercased()
        guard !Self.kept.contains(key) else { return nil }
        if let known = hosts[key] { return known }
        let made = "host\(hosts.count + 1).example"
        hosts[key] = made
        return made
    }

    private mutating func pseudonym(address local: String, domain: String) -> String? {
        let key = local.lowercased() + "@" + domain.lowercased()
        if let known = addresses[key] { return known }
        let host = pseudonym(host: domain) ?? domain
        let user: String
        if let known = users[local.lowercased()] {
            user = known
        } else {
            user = "user\(users.count + 1)"
            users[local.lowercased()] = user
        }
        let made = user + "@" + host
        addresses[key] = made
        return made
    }

    private mutating func pseudonym(ip: String) -> String? {
        let key = ip.lowercased()
        if let known = ips[key] { return known }
        let number = ips.count + 1
        let made: String
        if key.contains(":") {
            made = "2001:db8::" + String(number, radix: 16)
        } else {
            // 192.0.2.0/24, then 198.51.100.0/24, then 203.0.113.0/24 (RFC 5737).
            let nets = ["192.0.2.", "198.51.100.", "203.0.113."]
            made = nets[min((number - 1) / 254, 2)] + String((number - 1) % 254 + 1)
        }
        ips[key] = made
        return made
    }

    // MARK: - Finding names

    struct Token {
        enum Kind {
            case address(local: String, domain: String)
            case host(String)
            case ip(String)
        }
        var kind: Kind
        var range: Range<String.Index>
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || "._%+=@:-".contains(character)
    }

    /// The names in `text`, in order, with where each is.
    static func tokens(in text: String) -> [Token] {
        var tokens: [Token] = []
        var index = text.startIndex
        while index < text.endIndex {
            guard isWordCharacter(text[index]) else {
                index = text.index(after: index)
                continue
            }
            var end = index
            while end < text.endIndex, isWordCharacter(text[end]) { end = text.index(after: end) }
            classify(text, index..<end, into: &tokens)
            index = end
        }
        return tokens
    }

    /// A run of word characters: an address, an IP (with a port), a host name (with a port), or none.
    private static func classify(_ text: String, _ range: Range<String.Index>, into tokens: inout [Token]) {
        var lower = range.lowerBound
        var upper = range.upperBound
        // Punctuation around it belongs to the sentence.
        while upper > lower, ".:-=+%_".contains(text[text.index(before: upper)]) { upper = text.index(before: upper) }
        while lower < upper, ".:-=+%_".contains(text[lower]) { lower = text.index(after: lower) }
        guard lower < upper else { return }
        let word = text[lower..<upper]
        if let at = word.lastIndex(of: "@") {
            // `FROM:alice@example.org`: the local part starts after the last colon.
            var localStart = word.startIndex
            if let colon = word[..<at].lastIndex(of: ":") { localStart = word.index(after: colon) }
            let local = word[localStart..<at]
            let domain = word[word.index(after: at)...]
            if !local.isEmpty, isHost(domain) || isIPv4(domain) {
                tokens.append(Token(kind: .address(local: String(local), domain: String(domain)), range: localStart..<word.endIndex))
            } else if isHost(domain) {
                tokens.append(Token(kind: .host(String(domain)), range: word.index(after: at)..<word.endIndex))
            }
            return
        }
        if isIPv6(word) {
            tokens.append(Token(kind: .ip(String(word)), range: word.startIndex..<word.endIndex))
            return
        }
        // `host:25`, `192.0.2.1:2700`: the port stays.
        var name = word
        if let colon = word.lastIndex(of: ":"), word[word.index(after: colon)...].allSatisfy(\.isNumber) {
            name = word[..<colon]
        }
        // `CN=mx.example.org`, `helo=mx.example.org`, `RCPT:mx.example.org`: the part after the last `=` or `:`.
        if let separator = name.lastIndex(where: { $0 == ":" || $0 == "=" }) {
            name = name[name.index(after: separator)...]
        }
        if isIPv4(name) {
            tokens.append(Token(kind: .ip(String(name)), range: name.startIndex..<name.endIndex))
        } else if isHost(name) {
            tokens.append(Token(kind: .host(String(name)), range: name.startIndex..<name.endIndex))
        }
    }

    /// Two labels or more of letters, digits and hyphens, the last one of letters only.
    static func isHost(_ text: Substring) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let last = labels.last, (2...63).contains(last.count), last.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { $0.count <= 3 && !$0.isEmpty && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// Hex groups and colons, with `::` or seven colons (a time, `14:04:09`, has neither).
    static func isIPv6(_ text: Substring) -> Bool {
        guard text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        let colons = text.count(where: { $0 == ":" })
        return (text.contains("::") && colons >= 2) || colons == 7
    }
}
