import SMTPCore

/// Failures a client chooses with the names it gives (`smtpsh serve --triggers`): the words of
/// a sender's or recipient's local part, or of the first label of the EHLO name, say what the
/// server does at a stage of the session. Pure: no I/O, no clock.
///
/// ```
/// RCPT TO:<rcpt550_5.1.1@example.org>      → 550 5.1.1 … (this recipient)
/// MAIL FROM:<data452@example.org>          → DATA of this transaction gets 452
/// MAIL FROM:<alice-dot554_5.7.1@example.org> → the end of the message gets 554 5.7.1
/// RCPT TO:<rcptdelay3@example.org>         → this RCPT answered after 3 s
/// RCPT TO:<dotreset@example.org>           → the connection reset at the end of the message
/// EHLO nopipelining-size10000.example      → EHLO without PIPELINING, SIZE 10000 (enforced)
/// EHLO ehlo550.example                     → EHLO gets 550 (HELO works: a client's fallback)
/// ```
///
/// Words are separated by `-` or `+`; a word that is not a trigger is ignored, so a trigger
/// can be added to a real-looking name (`alice-rcpt451@example.org`). Case does not matter.
public struct ClientTriggers: Hashable, Sendable {
    /// Where a trigger acts.
    public enum Stage: String, Hashable, Sendable, CaseIterable {
        /// The EHLO command itself (EHLO names only).
        case ehlo
        case mail, rcpt, data
        /// The end of the message (the final dot, or `BDAT … LAST`).
        case dot
        case quit
    }

    /// What happens at a stage.
    public enum Effect: Hashable, Sendable {
        /// This reply instead of the command's (a 4xx or 5xx); `close` hangs up after it
        /// (always after a 421).
        case reply(code: Int, enhanced: String?, close: Bool)
        /// The usual reply, this many seconds late.
        case delay(Double)
        /// No reply: the connection is closed (`reset`: with a TCP reset, RST, instead of FIN).
        case drop(reset: Bool)
    }

    /// The effects by stage (a reply or drop, and a delay, may both be chosen for a stage).
    public private(set) var effects: [Stage: [Effect]] = [:]
    /// EHLO keywords switched off (`nopipelining`, `nostarttls`…), upper case.
    public private(set) var removedExtensions: Set<String> = []
    /// `size10000`: the SIZE advertised and enforced for this session.
    public private(set) var maximumSize: UInt64?

    public init() {}

    public var isEmpty: Bool { effects.isEmpty && removedExtensions.isEmpty && maximumSize == nil }

    /// The extensions an EHLO name can switch off.
    public static let extensions: Set<String> = [
        "PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN", "CHUNKING", "STARTTLS",
        "REQUIRETLS", "AUTH", "HELP",
    ]

    /// The triggers in a mailbox's local part (`rcpt550_5.1.1@example.org`).
    public init(mailbox: String) {
        let local = mailbox.lastIndex(of: "@").map { mailbox[..<$0] } ?? Substring(mailbox)
        self.init(words: local, ehlo: false)
    }

    /// The triggers in an EHLO or HELO name: its first label (`nopipelining-size10000.example`).
    public init(clientName: String) {
        let label = clientName.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        self.init(words: label, ehlo: true)
    }

    private init(words text: Substring, ehlo: Bool) {
        guard text.utf8.count <= 256 else { return }
        for word in text.lowercased().split(whereSeparator: { $0 == "-" || $0 == "+" }) {
            if ehlo, word.hasPrefix("no"), Self.extensions.contains(word.dropFirst(2).uppercased()) {
                removedExtensions.insert(word.dropFirst(2).uppercased())
            } else if ehlo, word.hasPrefix("size"), let size = UInt64(word.dropFirst(4)), size > 0 {
                maximumSize = size
            } else if case let (stage, effect)? = Self.effect(word) {
                if stage == .ehlo && !ehlo { continue }
                add(effect, at: stage)
            }
        }
    }

    private mutating func add(_ effect: Effect, at stage: Stage) {
        var list = effects[stage] ?? []
        // One reply-or-drop and one delay per stage: the first word of each kind wins.
        let isDelay = { (e: Effect) -> Bool in if case .delay = e { return true } else { return false } }
        guard !list.contains(where: { isDelay($0) == isDelay(effect) }) else { return }
        list.append(effect)
        effects[stage] = list
    }

    /// `rcpt550_5.1.1`, `data452`, `mail421`, `rcpt550close`, `rcptdelay3`, `dotdrop`, `dotreset`.
    static func effect(_ word: Substring) -> (Stage, Effect)? {
        guard let stage = Stage.allCases.first(where: { word.hasPrefix($0.rawValue) }) else { return nil }
        var rest = word.dropFirst(stage.rawValue.count)
        switch rest {
        case "drop": return (stage, .drop(reset: false))
        case "reset": return (stage, .drop(reset: true))
        default: break
        }
        if rest.hasPrefix("delay") {
            guard let seconds = Double(rest.dropFirst(5)), seconds >= 0, seconds <= 600 else { return nil }
            return (stage, .delay(seconds))
        }
        var close = false
        if rest.hasSuffix("close") {
            close = true
            rest = rest.dropLast(5)
        }
        let digits = rest.prefix(3)
        guard digits.count == 3, let code = Int(digits), (400...599).contains(code) else { return nil }
        rest = rest.dropFirst(3)
        var enhanced: String?
        if !rest.isEmpty {
            // `_5.1.1`, or `_5_1_1` where a dot cannot go (an EHLO name's label).
            guard rest.first == "_" else { return nil }
            let parts = rest.dropFirst().split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "_" })
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCIIDigit) }),
                parts[0] == digits.prefix(1)
            else { return nil }
            enhanced = parts.joined(separator: ".")
        }
        return (stage, .reply(code: code, enhanced: enhanced, close: close || code == 421))
    }

    /// These triggers and `other`'s (ours first: a stage keeps the effect it already has).
    public func merged(with other: ClientTriggers) -> ClientTriggers {
        var result = self
        for stage in Stage.allCases {
            for effect in other.effects[stage] ?? [] { result.add(effect, at: stage) }
        }
        result.removedExtensions.formUnion(other.removedExtensions)
        result.maximumSize = result.maximumSize ?? other.maximumSize
        return result
    }

    /// Only the stages from `stages` on (what a recipient passes to its transaction: DATA, the dot).
    func keeping(_ stages: Set<Stage>) -> ClientTriggers {
        var result = ClientTriggers()
        result.effects = effects.filter { stages.contains($0.key) }
        return result
    }

    /// The reply or drop chosen for a stage.
    public func outcome(_ stage: Stage) -> Effect? {
        effects[stage]?.first { if case .delay = $0 { return false } else { return true } }
    }

    /// The delay chosen for a stage, in seconds.
    public func delay(_ stage: Stage) -> Double? {
        for case .delay(let seconds) in effects[stage] ?? [] { return seconds }
        return nil
    }

    /// The reply a trigger asks for: its code, the enhanced code given (or X.0.0), and a text
    /// that says the client asked for it, naming what asked.
    static func reply(code: Int, enhanced: String?, stage: Stage, subject: String) -> Reply {
        let enhanced = enhanced ?? "\(code / 100).0.0"
        let what = subject.isEmpty ? "" : " <\(ReplyStyle.safeEcho(subject))>"
        let text = "\(code) \(enhanced)\(what) Failure requested by the client (\(stage.rawValue)\(code))"
        return ReplyStyle.render(text, host: "")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
