#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCore

/// A way to make the practice server send a given reply at a given point of a session.
///
/// ```
/// on RCPT: 452 #4.3.1 queue full                       every RCPT
/// on MAIL 3 close: 421 #4.x.2 Too many messages to this session   the 3rd MAIL, then hang up
/// on RCPT 3+: 452 #4.5.3 Too many recipients           the 3rd RCPT of the session and later ones
/// on RCPT 3+ per message: 452 #4.5.3 Too many recipients   the 3rd RCPT of each message and later ones
/// on RCPT <nobody@example.org>: 550 5.1.1 <{arg}>: no such user   that recipient, whenever it comes
/// on RCPT TO:<*@elsewhere.example>: 550 5.7.1 <{arg}>: Relay access denied   any address of that domain
/// on GREETING close: 421 {host} Service not available, closing transaction channel
/// on TIME 20 close: 421 Exceeded allowable connection time       20 s after connecting
/// ```
///
/// A count (`3`, `3+`) counts the commands the rule matches: with an address, only those that
/// give it. Counts run over the session, or over each mail transaction with `per message`
/// (from MAIL to the end of the message, RSET or a new EHLO). The first rule that matches
/// wins. `RCPT TO` and `MAIL FROM` may be written in full, as in a session.
public struct ScenarioRule: Hashable, Sendable, CustomStringConvertible {
    public enum Trigger: Hashable, Sendable {
        /// Instead of the greeting.
        case greeting
        /// A command verb, upper case (any word: `RCPT`, `XDFN`…).
        case verb(String)
        /// The end of a message (the final dot after DATA, or BDAT … LAST).
        case endOfData
        /// A command the server does not recognise.
        case badCommand
        /// Unsolicited, this many seconds after the connection opened.
        case time(seconds: Double)
    }

    public enum Occurrence: Hashable, Sendable {
        case every
        /// Only the n-th time (1-based).
        case nth(Int)
        /// The n-th time and every time after.
        case from(Int)

        func matches(_ count: Int) -> Bool {
            switch self {
            case .every: true
            case .nth(let n): count == n
            case .from(let n): count >= n
            }
        }

        /// The first count it matches.
        var first: Int {
            switch self {
            case .every: 1
            case .nth(let n), .from(let n): n
            }
        }

    }

    /// What a count counts over.
    public enum Scope: Hashable, Sendable {
        /// The whole session (the default).
        case session
        /// Each mail transaction, from MAIL to the end of the message, RSET or a new EHLO.
        case message
    }

    /// An address a rule is for: `nobody@example.org`, or with `*` for any local part or
    /// domain (`*@elsewhere.example`, `postmaster@*`). Compared without regard to case.
    public struct AddressPattern: Hashable, Sendable, CustomStringConvertible {
        public var localPart: String?
        public var domain: String?

        public init?(_ text: String) {
            var text = Substring(text)
            if text.hasPrefix("<") && text.hasSuffix(">") { text = text.dropFirst().dropLast() }
            guard let at = text.lastIndex(of: "@") else { return nil }
            let local = text[..<at], domain = text[text.index(after: at)...]
            guard !local.isEmpty, !domain.isEmpty, !text.contains(" "), !text.contains("<"), !text.contains(">") else {
                return nil
            }
            localPart = local == "*" ? nil : local.lowercased()
            self.domain = domain == "*" ? nil : domain.lowercased()
        }

        public func matches(_ address: String) -> Bool {
            guard let at = address.lastIndex(of: "@") else { return false }
            if let localPart, address[..<at].lowercased() != localPart { return false }
            if let domain, address[address.index(after: at)...].lowercased() != domain { return false }
            return true
        }

        /// Whether every address `other` matches, this one matches too.
        func covers(_ other: AddressPattern) -> Bool {
            (localPart == nil || localPart == other.localPart) && (domain == nil || domain == other.domain)
        }

        public var description: String { "<\(localPart ?? "*")@\(domain ?? "*")>" }
    }

    public var trigger: Trigger
    public var occurrence: Occurrence
    public var scope: Scope
    /// Only commands that give this address (MAIL, RCPT, VRFY…).
    public var address: AddressPattern?
    /// `CODE text`, lines separated by `\n`; may use `{host}`, `{arg}`, `{id}`.
    public var reply: String
    /// Close the connection after sending the reply.
    public var close: Bool

    public init(
        trigger: Trigger, occurrence: Occurrence = .every, scope: Scope = .session, address: AddressPattern? = nil,
        reply: String, close: Bool = false
    ) {
        self.trigger = trigger
        self.occurrence = occurrence
        self.scope = scope
        self.address = address
        self.reply = reply
        self.close = close
    }

    /// Parses the text after `on `: `RCPT 3+ close: 452 text`, `RCPT TO:<a@b> per message: 550 x`.
    public init(parsing text: String) throws(ScenarioError) {
        guard let colon = Self.separator(in: text) else {
            throw ScenarioError("expected 'TRIGGER [N|N+] [per message] [close]: CODE text', found no ':'")
        }
        // `RCPT TO:<a@b>` and `MAIL FROM:<a@b>` as typed in a session: the colon is the address's.
        var words = text[..<colon].replacing(":<", with: " <").replacing(":", with: " ")
            .split(separator: " ").map(String.init)
        let reply = text[text.index(after: colon)...].trimmingCharacters(in: " ")
        guard !words.isEmpty else { throw ScenarioError("no trigger before ':'") }
        var close = false
        if words.last?.lowercased() == "close" {
            close = true
            words.removeLast()
        }
        var scope = Scope.session
        if words.count >= 2, words[words.count - 2].lowercased() == "per" {
            switch words[words.count - 1].lowercased() {
            case "message", "transaction": scope = .message
            case "session": scope = .session
            default:
                throw ScenarioError("after 'per', expected 'message' or 'session', found '\(words[words.count - 1])'")
            }
            words.removeLast(2)
        }
        let triggerWord = words.removeFirst().uppercased()
        if let next = words.first?.uppercased(),
            (triggerWord == "RCPT" && next == "TO") || (triggerWord == "MAIL" && next == "FROM")
        {
            words.removeFirst()
        }
        var address: AddressPattern?
        if let word = words.first, word.hasPrefix("<") {
            guard let pattern = AddressPattern(word) else {
                throw ScenarioError("'\(word)' is not an address: write <name@domain>, <*@domain> or <name@*>")
            }
            address = pattern
            words.removeFirst()
        }
        var occurrence = Occurrence.every
        var trigger: Trigger
        switch triggerWord {
        case "GREETING": trigger = .greeting
        case "DOT", "END-OF-DATA", "MESSAGE": trigger = .endOfData
        case "BAD": trigger = .badCommand
        case "TIME":
            guard words.count == 1, let seconds = Double(words[0]), seconds >= 0, seconds < 86400 else {
                throw ScenarioError("TIME needs a number of seconds: 'on TIME 20 close: 421 …'")
            }
            words.removeAll()
            trigger = .time(seconds: seconds)
        default:
            guard MailParameter.isKeyword(Substring(triggerWord)) else {
                throw ScenarioError("'\(triggerWord)' is not a command verb or trigger")
            }
            trigger = .verb(triggerWord)
        }
        if address != nil {
            guard case .verb = trigger else {
                throw ScenarioError("an address goes with a command (RCPT <a@example.org>), not with \(triggerWord)")
            }
        }
        if let count = words.first {
            let from = count.hasSuffix("+")
            guard let n = Int(from ? String(count.dropLast()) : count), n > 0, words.count == 1 else {
                throw ScenarioError("after the trigger, expected a count (3 or 3+), 'per message' or 'close', found '\(words.joined(separator: " "))'")
            }
            occurrence = from ? .from(n) : .nth(n)
        }
        guard reply.utf8.count >= 3, let code = ReplyCode(digits: reply.utf8.prefix(3)),
            reply.utf8.count == 3 || reply.dropFirst(3).first == " "
        else {
            throw ScenarioError("the reply must start with a code from 200 to 599 and a space: '\(reply)'")
        }
        _ = code
        guard !reply.contains("\r") else { throw ScenarioError("the reply may not contain a carriage return") }
        self.init(
            trigger: trigger, occurrence: occurrence, scope: scope, address: address,
            reply: reply.replacing("\\n", with: "\n"), close: close)
    }

    /// The colon between the trigger and the reply: the first one not followed by an address
    /// (`RCPT TO:<a@b>: 550` has two).
    private static func separator(in text: String) -> String.Index? {
        var index = text.startIndex
        var inAddress = false
        while index < text.endIndex {
            let character = text[index]
            if character == "<" { inAddress = true }
            if character == ">" { inAddress = false }
            if character == ":" && !inAddress {
                let rest = text[text.index(after: index)...].drop { $0 == " " }
                if !rest.hasPrefix("<") { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    public var description: String {
        let trigger: String =
            switch self.trigger {
            case .greeting: "GREETING"
            case .verb(let verb): verb
            case .endOfData: "DOT"
            case .badCommand: "BAD"
            case .time(let seconds): "TIME \(seconds.formatted)"
            }
        let count: String =
            switch occurrence {
            case .every: ""
            case .nth(let n): " \(n)"
            case .from(let n): " \(n)+"
            }
        let address = self.address.map { " \($0)" } ?? ""
        let scope = self.scope == .message ? " per message" : ""
        return "on \(trigger)\(address)\(count)\(scope)\(close ? " close" : ""): \(reply.replacing("\n", with: "\\n"))"
    }
}

/// A named set of settings and rules: a personality for the practice server.
///
/// File format (one setting per line, `#` starts a comment):
/// ```
/// name: queue-full
/// description: Every recipient is refused: the appliance's queue is full.
/// persona: appliance
/// hostname: my_esa.local
/// max-recipients: 50
/// on RCPT: 452 #4.3.1 queue full
/// ```
public struct Scenario: Hashable, Sendable {
    public var name: String
    public var description: String
    public var style: ReplyStyle?
    public var hostname: String?
    public var settings: [String: String]
    public var rules: [ScenarioRule]
    /// For built-in scenarios: what the learner types to see the reply.
    public var hint: String?

    public init(
        name: String,
        description: String = "",
        style: ReplyStyle? = nil,
        hostname: String? = nil,
        settings: [String: String] = [:],
        rules: [ScenarioRule] = [],
        hint: String? = nil
    ) {
        self.name = name
        self.description = description
        self.style = style
        self.hostname = hostname
        self.settings = settings
        self.rules = rules
        self.hint = hint
    }

    /// Settings a scenario file may give (they match the `serve` options).
    public static let settingKeys: Set<String> = [
        "require-tls", "require-auth", "auth-requires-tls", "reject-bare-lf", "max-recipients", "max-size",
        "greeting-delay", "idle-timeout", "user", "password", "local-domains", "auth",
        "triggers", "delay", "tarpit", "drop", "greylist", "max-connections", "max-messages", "recipient-rate",
    ]

    /// Parses a scenario file. Errors carry the line number.
    public init(parsing text: String, defaultName: String) throws(ScenarioError) {
        self.init(name: defaultName)
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            do throws(ScenarioError) {
                if line.lowercased().hasPrefix("on ") {
                    rules.append(try ScenarioRule(parsing: String(line.dropFirst(3))))
                    continue
                }
                guard let colon = line.firstIndex(of: ":") else {
                    throw ScenarioError("expected 'key: value' or 'on TRIGGER: reply'")
                }
                let key = line[..<colon].trimmingCharacters(in: " ").lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: " ")
                switch key {
                case "name": name = value
                case "description": description = value
                case "hostname":
                    guard !value.isEmpty, !value.contains(" ") else { throw ScenarioError("hostname must be one word") }
                    hostname = value
                case "style", "persona":
                    // `style: appliance` was the only way before personas; both keys take any persona.
                    guard let parsed = ReplyStyle(rawValue: value.lowercased()) else {
                        let names = ReplyStyle.allCases.map(\.rawValue).joined(separator: ", ")
                        throw ScenarioError("\(key) must be one of \(names), found '\(value)'")
                    }
                    style = parsed
                case _ where Self.settingKeys.contains(key):
                    var check = PracticeServerConfiguration()
                    try check.apply(setting: key, value: value)
                    settings[key] = value
                default:
                    throw ScenarioError("unknown key '\(key)'")
                }
            } catch {
                throw ScenarioError(error.message, line: lineNumber)
            }
        }
    }

    /// The file text for this scenario (parses back to the same scenario).
    public var fileText: String {
        var lines = ["name: \(name)"]
        if !description.isEmpty { lines.append("description: \(description)") }
        if let style { lines.append("persona: \(style.rawValue)") }
        if let hostname { lines.append("hostname: \(hostname)") }
        for key in settings.keys.sorted() { lines.append("\(key): \(settings[key]!)") }
        lines += rules.map(\.description)
        return lines.joined(separator: "\n") + "\n"
    }
}

public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int?

    public init(_ message: String, line: Int? = nil) {
        self.message = message
        self.line = line
    }

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

extension Double {
    var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var start = startIndex
        var end = endIndex
        while start < end, set.contains(self[start]) { start = index(after: start) }
        while end > start, set.contains(self[index(before: end)]) { end = index(before: end) }
        return String(self[start..<end])
    }
}
