import SMTPCore

/// Finds the replies in what a user pastes or pipes to `smtpsh explain`, one line at a time
/// (a mail log of any length streams through it), with the command each answers when the
/// text says so:
///
/// ```
/// 550 5.1.1 <bob@example.org>: Recipient address rejected          a reply line (or several: 550-…)
/// <-  250 2.0.0 Ok: queued as 4Z9YQ71mVqz6                          smtpsh's, swaks's, telnet's transcripts
/// Diagnostic-Code: smtp; 550 5.1.1 <bob@…>: Recipient address       a DSN, folded lines joined
///     rejected: User unknown
/// <bob@x>: host mx.x[203.0.113.5] said: 550 5.7.1                   a Postfix bounce, wrapped lines joined
///     Service unavailable; client [198.51.100.7] blocked using zen.spamhaus.org
///     (in reply to RCPT TO command)                                 → command: rcpt
/// Dec  7 10:21:33 mx postfix/smtp[1234]: 4ABC: to=<…>, … status=bounced (host … said: 550 … (in reply to RCPT TO command))
/// Dec  7 10:21:33 mx postfix/smtpd[99]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 554 5.7.1 <…>: Relay access denied; from=<…> to=<…>
/// 2026-12-07 10:21:33 1rABCD-000123-AB ** bob@x R=dnslookup T=remote_smtp H=mx.x [203.0.113.5]:
///     SMTP error from remote mail server after RCPT TO:<bob@x>: 550 5.1.1 User unknown   (Exim)
/// Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found …'   (an Exchange NDR)
/// ```
///
/// A line in none of these forms is `.other` (a bare code, a keyword, or text to skip).
public struct PastedTextReader: Sendable {
    public enum Item: Hashable, Sendable {
        /// A reply: its lines (one, or those of a multi-line reply), the command it answers
        /// when known (``ExplainContext/command``), and whether it came from a log or a
        /// bounce (then each reply is from its own server: no server is carried over).
        case reply(lines: [String], command: String?, fromLog: Bool)
        /// Anything else, without what surrounds it in a transcript.
        case other(String)
    }

    /// A `said:` or `Diagnostic-Code:` line whose text may go on on the next, indented lines.
    private var wrapped: (text: String, command: String?)?
    /// The lines of a multi-line reply so far (`550-…` lines), and the command they answer.
    private var group: [String] = []
    private var groupCommand: String?
    /// The command an Exim "SMTP error … after RCPT TO:<…>:" line gave, for the reply on the next line.
    private var nextCommand: String?

    public init() {}

    /// `true` while a reply may go on on the next line (a wrapped `said:` or folded
    /// `Diagnostic-Code:`, a multi-line reply, an Exim line whose reply comes next): a reader
    /// that skips lines must then hand it the next one.
    public var isWaiting: Bool { wrapped != nil || !group.isEmpty || nextCommand != nil }

    /// The items a line completes (none while a wrapped or multi-line reply goes on).
    public mutating func read(_ raw: some StringProtocol) -> [Item] {
        var items: [Item] = []
        let indented = raw.first == " " || raw.first == "\t"
        let line = raw.trimmedSpaces
        if let pending = wrapped {
            if indented && !line.isEmpty {
                let text = pending.text + " " + line
                if let (reply, command) = Self.endOfSaid(text) {
                    wrapped = nil
                    items += flush()
                    items.append(.reply(lines: [reply], command: command ?? pending.command, fromLog: true))
                } else {
                    wrapped = (text, pending.command)
                }
                return items
            }
            wrapped = nil
            items += flush()
            items.append(.reply(lines: [Self.withoutInReplyTo(pending.text).reply], command: pending.command, fromLog: true))
        }
        guard !line.isEmpty else {
            items += flush()
            return items
        }
        // A command of a pasted transcript (` -> RCPT TO:<…>`, `C: DATA`): the next reply answers it.
        for marker in ["->", "~>", "C:"] where line.hasPrefix(marker) {
            items += flush()
            let command = line.dropFirst(marker.count).trimmedSpaces
            nextCommand = command == "." ? "dot" : ExplainContext.verb(named: command)
            return items
        }
        if let found = logReply(line) {
            items += flush()
            items += found
            return items
        }
        let normalised = Catalog.normalised(Substring(line))
        guard !normalised.isEmpty, !Catalog.isDeliveryStatusField(normalised) else { return items }
        if let code = Catalog.replyCode(of: normalised) {
            // A line continues the reply when the previous line of the same code ended in "-".
            if let last = group.last, Catalog.replyCode(of: last) != code || !Self.isContinuation(last) {
                items += flush()
            }
            if group.isEmpty {
                groupCommand = Self.inReplyTo(line) ?? nextCommand
                nextCommand = nil
            }
            group.append(normalised)
            if !Self.isContinuation(normalised) { items += flush() }
            return items
        }
        items += flush()
        items.append(.other(normalised))
        return items
    }

    /// What is left at the end of the text.
    public mutating func finish() -> [Item] {
        var items: [Item] = []
        if let pending = wrapped {
            wrapped = nil
            items += flush()
            let (reply, command) = Self.withoutInReplyTo(pending.text)
            items.append(.reply(lines: [reply], command: command ?? pending.command, fromLog: true))
        }
        return items + flush()
    }

    private mutating func flush() -> [Item] {
        guard !group.isEmpty else { return [] }
        defer {
            group = []
            groupCommand = nil
        }
        return [.reply(lines: group, command: groupCommand, fromLog: false)]
    }

    // MARK: - Logs and bounces

    /// The reply of a log or bounce line, if it is one.
    private mutating func logReply(_ line: String) -> [Item]? {
        // Postfix, delivery: `… said: 550 … (in reply to RCPT TO command))`; a bounce wraps it.
        if let said = line.byteRange(of: " said: ") ?? (line.hasPrefix("said: ") ? line.byteRange(of: "said: ") : nil) {
            let text = line[said.upperBound...].trimmedSpaces
            guard Catalog.replyCode(of: text) != nil else { return nil }
            if let (reply, command) = Self.endOfSaid(text) {
                return [.reply(lines: [reply], command: command, fromLog: true)]
            }
            wrapped = (text, nil)
            return []
        }
        // Postfix, a greeting refused: `host x[ip] refused to talk to me: 554 …`.
        if let refused = line.byteRange(of: " refused to talk to me: ") {
            let text = String(line[refused.upperBound...]).trimmedSpaces
            guard Catalog.replyCode(of: text) != nil else { return nil }
            if let (reply, _) = Self.endOfSaid(text) { return [.reply(lines: [reply], command: "connect", fromLog: true)] }
            wrapped = (text, "connect")
            return []
        }
        // Postfix, a refusal by smtpd: `NOQUEUE: reject: RCPT from x[ip]: 554 …; from=<a> to=<b> proto=ESMTP helo=<h>`.
        if let reject = line.byteRange(of: "reject: ") {
            let rest = line[reject.upperBound...]
            let verb = rest.prefix { $0 != " " }
            guard let from = rest.byteRange(of: " from "), let colon = rest[from.upperBound...].byteRange(of: ": ") else { return nil }
            var text = Substring(rest[colon.upperBound...])
            if let envelope = text.lastRange(of: "; from=<") { text = text[..<envelope.lowerBound] }
            else if let envelope = text.lastRange(of: "; proto=") { text = text[..<envelope.lowerBound] }
            guard Catalog.replyCode(of: String(text)) != nil else { return nil }
            let command: String? =
                switch verb {
                case "END-OF-MESSAGE": "dot"
                case "CONNECT": "connect"
                default: ExplainContext.verb(named: verb)
                }
            return [.reply(lines: [String(text).trimmedSpaces], command: command, fromLog: true)]
        }
        // Exim: `SMTP error from remote mail server after RCPT TO:<bob@x>: 550 …` (the reply may
        // be on the next line, in a bounce).
        for marker in ["SMTP error from remote mail server after ", "SMTP error from remote mailer after "] {
            guard let after = line.byteRange(of: marker) else { continue }
            let rest = line[after.upperBound...]
            var split: Range<String.Index>?
            var search = rest.startIndex
            while let colon = rest[search...].byteRange(of: ": ") {
                if Catalog.replyCode(of: String(rest[colon.upperBound...])) != nil {
                    split = colon
                    break
                }
                search = colon.upperBound
            }
            let phrase = split.map { rest[..<$0.lowerBound] } ?? rest.dropLast(rest.hasSuffix(":") ? 1 : 0)
            let command = Self.eximCommand(phrase)
            guard let split else {
                nextCommand = command
                return []
            }
            return [.reply(lines: [String(rest[split.upperBound...]).trimmedSpaces], command: command, fromLog: true)]
        }
        // An Exchange NDR: `Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'`.
        if let returned = line.byteRange(of: " returned '"), let end = line.lastRange(of: "'"),
            end.lowerBound > returned.upperBound
        {
            let text = String(line[returned.upperBound..<end.lowerBound]).trimmedSpaces
            guard Catalog.replyCode(of: text) != nil else { return nil }
            return [.reply(lines: [text], command: nil, fromLog: true)]
        }
        // A DSN: `Diagnostic-Code: smtp; 550 …`, folded on the next lines.
        if line.hasASCIIPrefixIgnoringCase("diagnostic-code:") {
            var text = line.dropFirst("diagnostic-code:".count).trimmedSpaces
            if let semicolon = text.firstIndex(of: ";"), !text[..<semicolon].contains(" ") {
                text = text[text.index(after: semicolon)...].trimmedSpaces
            }
            guard Catalog.replyCode(of: text) != nil else { return nil }
            wrapped = (text, nil)
            return []
        }
        return nil
    }

    /// The reply and the command when `text` ends with Postfix's `(in reply to X command)`
    /// (and the `)` of the log's `status=bounced (…)`); `nil` when it does not end there.
    static func endOfSaid(_ text: String) -> (String, String?)? {
        var body = Substring(text)
        while body.endsWithBytes("command))") { body = body.droppingLastBytes(1) }
        guard body.endsWithBytes(" command)") else { return nil }
        let (reply, command) = withoutInReplyTo(body)
        return command == nil ? nil : (reply, command)
    }

    /// `text` without its `(in reply to X command)`, and the command.
    static func withoutInReplyTo(_ text: some StringProtocol) -> (reply: String, command: String?) {
        let text = Substring(text)
        guard let range = text.lastRange(of: " (in reply to ") else {
            return (text.trimmedSpaces, nil)
        }
        var phrase = text[range.upperBound...]
        while phrase.endsWithBytes(")") { phrase = phrase.droppingLastBytes(1) }
        if phrase.endsWithBytes(" command") { phrase = phrase.droppingLastBytes(" command".utf8.count) }
        return (text[..<range.lowerBound].trimmedSpaces, ExplainContext.verb(named: phrase))
    }

    /// The command a line's `(in reply to X command)` names.
    static func inReplyTo(_ line: String) -> String? {
        guard line.endsWithBytes("command)") || line.endsWithBytes("command))") else { return nil }
        return withoutInReplyTo(line).command
    }

    /// Exim's phrase after "after": `RCPT TO:<bob@x>`, `MAIL FROM:<a@b> SIZE=1234`, `end of data`,
    /// `initial connection`, `pipelined DATA`, `EHLO mx.example.org`.
    static func eximCommand(_ phrase: Substring) -> String? {
        var phrase = phrase.trimmedSpaces
        if phrase.lowercased().hasPrefix("pipelined ") { phrase = String(phrase.dropFirst("pipelined ".count)) }
        let lower = phrase.lowercased()
        if lower.hasPrefix("end of data") { return "dot" }
        if lower.hasPrefix("initial connection") { return "connect" }
        if lower.hasPrefix("rcpt to") { return "rcpt" }
        if lower.hasPrefix("mail from") { return "mail" }
        return ExplainContext.verb(named: phrase)
    }

    private static func isContinuation(_ line: String) -> Bool {
        line.utf8.count >= 4 && line.utf8[line.utf8.index(line.utf8.startIndex, offsetBy: 3)] == UInt8(ascii: "-")
    }
}

extension StringProtocol {
    /// The first place `other` occurs, compared byte by byte (UTF-8): much cheaper than
    /// `firstRange(of:)`, which compares characters, on a log's million lines.
    func byteRange(of other: String) -> Range<Index>? {
        byteSearch(other, last: false)
    }

    /// The last place `other` occurs (no Foundation here for `range(of:options: .backwards)`).
    func lastRange(of other: String) -> Range<Index>? {
        byteSearch(other, last: true)
    }

    private func byteSearch(_ other: String, last: Bool) -> Range<Index>? {
        let needle = Array(other.utf8)
        guard let first = needle.first else { return nil }
        func search(_ hay: UnsafeBufferPointer<UInt8>) -> Int? {
            guard hay.count >= needle.count else { return nil }
            func matches(at start: Int) -> Bool {
                guard hay[start] == first else { return false }
                for offset in 1..<needle.count where hay[start + offset] != needle[offset] { return false }
                return true
            }
            if last {
                for start in stride(from: hay.count - needle.count, through: 0, by: -1) where matches(at: start) {
                    return start
                }
                return nil
            }
            for start in 0...(hay.count - needle.count) where matches(at: start) { return start }
            return nil
        }
        let utf8 = self.utf8
        let found = utf8.withContiguousStorageIfAvailable(search) ?? Array(utf8).withUnsafeBufferPointer(search)
        guard let found else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: found)
        return lower..<utf8.index(lower, offsetBy: needle.count)
    }

    /// Without the spaces, tabs and line ends at either end (as `trimmingSpaces`, looking at
    /// bytes: a log's lines are long).
    var trimmedSpaces: String {
        let text = Substring(self)
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 || byte == 10 }
        while start < end, isSpace(bytes[start]) { bytes.formIndex(after: &start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { bytes.formIndex(before: &end) }
        return String(text[start..<end])
    }

    /// Ends with `suffix`, compared byte by byte.
    func endsWithBytes(_ suffix: String) -> Bool {
        let count = suffix.utf8.count
        return utf8.count >= count && utf8.suffix(count).elementsEqual(suffix.utf8)
    }

    /// Starts with `prefix` (ASCII), capitals or not, without lowering the whole text.
    func hasASCIIPrefixIgnoringCase(_ prefix: String) -> Bool {
        var bytes = utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = bytes.next() else { return false }
            let lowered = (65...90).contains(byte) ? byte + 32 : byte
            if lowered != expected { return false }
        }
        return true
    }
}

extension Substring {
    /// Without its last `count` bytes (ASCII ones: `)`, ` command`).
    func droppingLastBytes(_ count: Int) -> Substring {
        self[startIndex..<utf8.index(utf8.endIndex, offsetBy: -count)]
    }
}
