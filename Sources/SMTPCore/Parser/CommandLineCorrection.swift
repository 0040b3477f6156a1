/// A MAIL or RCPT line as the user typed it, corrected to RFC 5321's syntax, so that a
/// warning can show the user's own line fixed rather than a made-up example:
///
/// ```
/// mail from: alice@example.net        →  MAIL FROM:<alice@example.net>
/// RCPT TO:dave@postfix.test NOTIFY=NEVER  →  RCPT TO:<dave@postfix.test> NOTIFY=NEVER
/// MAIL FROM <alice@example.org        →  MAIL FROM:<alice@example.org>
/// ```
public enum CommandLineCorrection {
    /// The corrected line, or `nil` when `line` is not a MAIL or RCPT line with an address.
    public static func pathCommand(_ line: String) -> String? {
        let trimmed = line.trimmingSpaces
        let upper = trimmed.uppercased()
        let verb: String, keyword: String
        if upper.hasPrefix("MAIL") {
            (verb, keyword) = ("MAIL", "FROM")
        } else if upper.hasPrefix("RCPT") {
            (verb, keyword) = ("RCPT", "TO")
        } else {
            return nil
        }
        var rest = trimmed.dropFirst(4).drop { $0 == " " || $0 == "\t" }
        guard rest.uppercased().hasPrefix(keyword) else { return nil }
        rest = rest.dropFirst(keyword.count).drop { $0 == " " || $0 == "\t" }
        if rest.first == ":" { rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" } }
        let address: Substring
        var parameters: Substring
        if rest.first == "<", let close = rest.firstIndex(of: ">") {
            address = rest[rest.index(after: rest.startIndex)..<close]
            parameters = rest[rest.index(after: close)...]
        } else {
            let word = rest.prefix { $0 != " " && $0 != "\t" }
            address = word.first == "<" ? word.dropFirst() : word
            parameters = rest[word.endIndex...]
        }
        // `<>` is the null sender (MAIL only); anything else needs an address.
        guard !address.isEmpty || (verb == "MAIL" && rest.hasPrefix("<>")) else { return nil }
        parameters = parameters.drop { $0 == " " || $0 == "\t" }
        return "\(verb) \(keyword):<\(address)>" + (parameters.isEmpty ? "" : " " + parameters)
    }
}
