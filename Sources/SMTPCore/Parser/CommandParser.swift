/// Parses a command line as a client sends it (RFC 5321, section 4.1), without its CRLF.
///
/// Verbs and the `FROM:` / `TO:` keywords are case-insensitive. A space after the colon
/// (`MAIL FROM: <a@b>`) is tolerated, as most servers do. The practice server uses this
/// parser to read commands; the client uses it to follow the session and warn about
/// mistakes before they are sent.
public enum CommandParser {
    public static func parse<Bytes: Collection<UInt8>>(_ line: Bytes) throws(CommandParseError) -> Command {
        guard let text = String(validating: line, as: UTF8.self) else {
            throw CommandParseError(.invalidUTF8, verb: "")
        }
        return try parse(text)
    }

    /// `true` when `verb` (upper case) is not one this parser knows.
    public static func isUnknownVerb(_ verb: String) -> Bool { Verb(rawValue: verb) == nil }

    public static func parse(_ line: String) throws(CommandParseError) -> Command {
        let trimmed = line.trimmingTrailingSpaces()
        guard !trimmed.isEmpty else { throw CommandParseError(.empty, verb: "") }
        let verbEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let verb = trimmed[..<verbEnd].uppercased()
        var argument = trimmed[verbEnd...]
        if argument.first == " " { argument = argument.dropFirst() }

        func none() throws(CommandParseError) {
            guard argument.isEmpty else { throw CommandParseError(.unexpectedArgument, verb: verb) }
        }
        func required() throws(CommandParseError) -> String {
            let value = argument.trimmingLeadingSpaces()
            guard !value.isEmpty else { throw CommandParseError(.missingArgument, verb: verb) }
            return String(value)
        }
        func optional() -> String? {
            let value = argument.trimmingLeadingSpaces()
            return value.isEmpty ? nil : String(value)
        }

        switch verb {
        case "EHLO":
            let domain = try required()
            guard !domain.contains(" ") else { throw CommandParseError(.syntax, verb: verb) }
            return .ehlo(domain)
        case "LHLO":
            let domain = try required()
            guard !domain.contains(" ") else { throw CommandParseError(.syntax, verb: verb) }
            return .lhlo(domain)
        case "HELO":
            let domain = try required()
            guard !domain.contains(" ") else { throw CommandParseError(.syntax, verb: verb) }
            return .helo(domain)
        case "MAIL":
            let (path, parameters) = try parsePathCommand(argument, keyword: "FROM:", verb: verb)
            return .mail(path, parameters)
        case "RCPT":
            let (path, parameters) = try parsePathCommand(argument, keyword: "TO:", verb: verb)
            guard !path.isNull else { throw CommandParseError(.syntax, verb: verb) }
            return .rcpt(path, parameters)
        case "DATA":
            try none()
            return .data
        case "RSET":
            try none()
            return .rset
        case "QUIT":
            try none()
            return .quit
        case "STARTTLS":
            try none()
            return .startTLS
        case "NOOP":
            return .noop(optional())
        case "HELP":
            return .help(optional())
        case "VRFY":
            return .vrfy(try required())
        case "EXPN":
            return .expn(try required())
        case "BDAT":
            let words = try required().split(separator: " ")
            guard let sizeWord = words.first, sizeWord.utf8.allSatisfy({ (48...57).contains($0) }),
                let size = UInt64(sizeWord)
            else { throw CommandParseError(.syntax, verb: verb) }
            switch words.count {
            case 1: return .bdat(size: size, last: false)
            case 2 where words[1].uppercased() == "LAST": return .bdat(size: size, last: true)
            default: throw CommandParseError(.syntax, verb: verb)
            }
        case "AUTH":
            let words = try required().split(separator: " ")
            guard (1...2).contains(words.count), MailParameter.isKeyword(words[0]) else {
                throw CommandParseError(.syntax, verb: verb)
            }
            return .auth(mechanism: words[0].uppercased(), initialResponse: words.count == 2 ? String(words[1]) : nil)
        default:
            throw CommandParseError(.unknownVerb, verb: verb)
        }
    }

    /// `FROM:<path> [SP params]` or `TO:<path> [SP params]`.
    private static func parsePathCommand(
        _ argument: Substring,
        keyword: String,
        verb: String
    ) throws(CommandParseError) -> (Path, [MailParameter]) {
        guard argument.count >= keyword.count, argument.prefix(keyword.count).uppercased() == keyword else {
            throw CommandParseError(argument.isEmpty ? .missingArgument : .syntax, verb: verb)
        }
        let rest = argument.dropFirst(keyword.count).trimmingLeadingSpaces()
        guard rest.first == "<" else {
            throw CommandParseError(rest.isEmpty ? .missingArgument : .missingAngleBrackets, verb: verb)
        }
        // Find the closing '>' outside a quoted string.
        var index = rest.index(after: rest.startIndex)
        var quoted = false
        var close: Substring.Index?
        while index < rest.endIndex {
            let character = rest[index]
            if character == "\\" && quoted {
                index = rest.index(after: index)
                if index == rest.endIndex { break }
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ">" && !quoted {
                close = index
                break
            }
            index = rest.index(after: index)
        }
        guard let close else { throw CommandParseError(.missingAngleBrackets, verb: verb) }
        let mailbox = rest[rest.index(after: rest.startIndex)..<close]
        // A space is only valid inside a quoted local part.
        guard !mailbox.contains(" ") || mailbox.contains("\"") else {
            throw CommandParseError(.syntax, verb: verb)
        }
        var parameters: [MailParameter] = []
        let after = rest[rest.index(after: close)...]
        if !after.isEmpty {
            guard after.first == " " else { throw CommandParseError(.syntax, verb: verb) }
            for word in after.split(separator: " ") {
                guard let parameter = MailParameter(parsing: word) else {
                    throw CommandParseError(.invalidParameter(String(word)), verb: verb)
                }
                parameters.append(parameter)
            }
        }
        return (Path(String(mailbox)), parameters)
    }
}

/// Why a command line could not be parsed.
public struct CommandParseError: Error, Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case empty
        case invalidUTF8
        /// Not a verb smtpsh knows (it may still be sent raw).
        case unknownVerb
        /// A verb that takes an argument was sent without one (`EHLO` alone).
        case missingArgument
        /// A verb that takes no argument was given one (`DATA now`).
        case unexpectedArgument
        /// `MAIL FROM:alice@example.org` — RFC 5321 requires `<…>`.
        case missingAngleBrackets
        /// A parameter that is not `KEYWORD[=value]`.
        case invalidParameter(String)
        case syntax
    }

    public var kind: Kind
    /// The verb, upper case, as far as it was read.
    public var verb: String

    public init(_ kind: Kind, verb: String) {
        self.kind = kind
        self.verb = verb
    }
}

extension StringProtocol {
    func trimmingTrailingSpaces() -> SubSequence {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" {
            end = index(before: end)
        }
        return self[startIndex..<end]
    }

    func trimmingLeadingSpaces() -> SubSequence {
        var start = startIndex
        while start < endIndex, self[start] == " " { start = index(after: start) }
        return self[start..<endIndex]
    }
}
