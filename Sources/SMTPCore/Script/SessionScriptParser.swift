/// Reads a session file (Docs/session-format.md) into a ``SessionScript``.
///
/// Two shapes are understood:
///
/// - lines with swaks's markers (` -> ` sent, `<-  ` received, ` ~> ` / `<~  ` under TLS,
///   `<** ` / `<~* ` a negative reply, `=== ` / `*** ` notes, `#` comments and header);
/// - a session pasted from a telnet window: a line that starts with a reply code is the
///   server's, any other line the client's, and after DATA's 354 every line is the message's
///   until the lone `.` (telnet's own lines, `Trying …`, `Connected to …`, are skipped); in a
///   paste whose first line starts with `S:`, `C:`, `<<<` or `>>>`, that prefix says who sent
///   each line.
///
/// Then every reply is paired with what the client sent, in order, as the server answers:
/// commands sent before the previous reply came were pipelined.
public enum SessionScriptParser {
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(SessionScriptError) -> SessionScript {
        let bytes = Array(bytes)
        if bytes.contains(0) {
            let line = 1 + bytes.prefix(while: { $0 != 0 }).count(where: { $0 == 10 })
            throw SessionScriptError(line: line, reason: .binary)
        }
        let lines = TextLines.split(bytes)
        var header: [(name: String, value: String)] = []
        var parameters: [SessionScript.Parameter] = []
        // The header: the `#` lines before anything else.
        var first = 0
        while first < lines.count {
            let line = lines[first]
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                first += 1
                continue
            }
            guard line.hasPrefix("#") else { break }
            let content = line.dropFirst().drop(while: { $0 == " " })
            if let colon = content.firstIndex(of: ":") {
                let name = content[..<colon].trimmingSpaces.lowercased()
                let value = String(content[content.index(after: colon)...].trimmingSpaces)
                if !name.isEmpty, !name.contains(" ") {
                    if name == "param" || name == "parameter" {
                        let parameter = try Self.parameter(value, line: first + 1)
                        if parameters.contains(where: { $0.name == parameter.name }) {
                            throw SessionScriptError(line: first + 1, reason: .duplicateParameter(parameter.name))
                        }
                        parameters.append(parameter)
                    } else {
                        header.append((name, value))
                    }
                }
            }
            first += 1
        }
        let body = lines[first...]
        let markers = body.first(where: { !$0.allSatisfy { $0 == " " || $0 == "\t" } }).map(Self.hasMarker) ?? true
        let items: [Item]
        let source: SessionScript.Source
        if markers {
            items = try markerItems(body, firstLine: first + 1)
            let smtpsh = lines.first.map { $0.lowercased().hasPrefix("# smtpsh") } ?? false
            source = smtpsh ? .smtpsh : .swaks
        } else {
            items = telnetItems(body, firstLine: first + 1)
            source = .telnet
        }
        guard items.contains(where: { if case .note = $0 { false } else { true } }) else {
            throw SessionScriptError(line: max(lines.count, 1), reason: .empty)
        }
        let lmtp = header.contains { $0.name == "protocol" && $0.value.lowercased() == "lmtp" }
        return SessionScript(source: source, header: header, parameters: parameters, exchanges: pair(items, lmtp: lmtp))
    }

    private static func parameter(_ text: String, line: Int) throws(SessionScriptError) -> SessionScript.Parameter {
        let name: String
        var value: String?
        if let equals = text.firstIndex(of: "=") {
            name = text[..<equals].trimmingSpaces
            value = String(text[text.index(after: equals)...].trimmingSpaces)
        } else {
            name = text.trimmingSpaces
        }
        guard VariableText.isName(name) else { throw SessionScriptError(line: line, reason: .invalidParameter(text)) }
        return .init(name: name, defaultValue: value)
    }

    // MARK: - Lines

    enum Item {
        case sent(String, tls: Bool, line: Int)
        /// A complete reply's lines as written, or a pattern.
        case reply(lines: [String], pattern: ReplyPattern?, line: Int)
        case note(String)
    }

    static func hasMarker(_ line: String) -> Bool {
        let trimmed = line.drop(while: { $0 == " " })
        return ["->", "~>", "<-", "<~", "<**", "===", "***"].contains { trimmed.hasPrefix($0) }
    }

    private static func markerItems(_ lines: ArraySlice<String>, firstLine: Int) throws(SessionScriptError) -> [Item] {
        var items: [Item] = []
        var group: [String] = []
        var groupLine = 0
        func closeGroup() {
            if !group.isEmpty { items.append(.reply(lines: group, pattern: nil, line: groupLine)) }
            group = []
        }
        for (offset, line) in lines.enumerated() {
            let number = firstLine + offset
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.isEmpty || trimmed.allSatisfy({ $0 == "\t" }) { continue }
            if trimmed.hasPrefix("->") || trimmed.hasPrefix("~>") {
                closeGroup()
                var text = trimmed.dropFirst(2)
                if text.first == " " { text = text.dropFirst() }
                if text.hasPrefix(SessionScript.rawMarker) {
                    // Raw bytes: their notation must read back (a file edited by hand).
                    do throws(EscapedBytes.SyntaxError) {
                        _ = try EscapedBytes.decode(String(text.dropFirst(SessionScript.rawMarker.count)))
                    } catch {
                        throw SessionScriptError(line: number, reason: .badRawEscape(error.written))
                    }
                }
                items.append(.sent(String(text), tls: trimmed.hasPrefix("~"), line: number))
            } else if trimmed.hasPrefix("<") {
                var text = trimmed.dropFirst()
                guard let marker = text.first, marker == "-" || marker == "~" || marker == "*" else {
                    throw SessionScriptError(line: number, reason: .notASessionLine(String(line)))
                }
                text = text.dropFirst()
                if text.first == "*" { text = text.dropFirst() }
                text = text.drop(while: { $0 == " " })
                // `<- 250`, `<- 2xx`, `<- 250|251`, `<- *`: a pattern (a macro's expectation).
                if group.isEmpty, let pattern = ReplyPattern(parsing: text) {
                    items.append(.reply(lines: [], pattern: pattern, line: number))
                    continue
                }
                let bytes = Array(text.utf8)
                guard bytes.count >= 3, bytes[0...2].allSatisfy({ (48...57).contains($0) }) else {
                    // A line without a code: the server sent something that is not a reply.
                    closeGroup()
                    items.append(.note(String(text)))
                    continue
                }
                if group.isEmpty { groupLine = number }
                group.append(String(text))
                if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") { closeGroup() }
            } else if trimmed.hasPrefix("===") || trimmed.hasPrefix("***") {
                closeGroup()
                items.append(.note(String(trimmed.dropFirst(3).drop(while: { $0 == " " }))))
            } else if trimmed.hasPrefix("#") {
                continue
            } else {
                throw SessionScriptError(line: number, reason: .notASessionLine(String(line)))
            }
        }
        closeGroup()
        return items
    }

    /// The lines telnet itself prints (and a shell prompt, a code fence).
    public static let telnetOwnLines = ["Trying ", "Connected to ", "Escape character is", "Connection closed", "Connection to ", "telnet ", "$ ", "% ", "> telnet", "```"]

    /// Who sent a line of a paste that says so by a prefix, and the line without it:
    /// `S: 250 OK` and `C: EHLO x` (the RFCs' examples), `<<< 250 OK` and `>>> EHLO x`.
    /// `nil` for a line without one of these prefixes.
    public static func directionPrefix(_ line: Substring) -> (server: Bool, text: Substring)? {
        for (prefix, server) in [("S:", true), ("C:", false), ("<<<", true), (">>>", false)] where line.hasPrefix(prefix) {
            var text = line.dropFirst(prefix.count)
            if text.first == " " { text = text.dropFirst() }
            return (server, text)
        }
        return nil
    }

    /// A line that starts with a reply code: 2 to 5, two digits, then a space, a `-` or the end.
    public static func isReplyLine(_ line: some StringProtocol) -> Bool {
        let bytes = Array(line.utf8.prefix(4))
        return bytes.count >= 3 && (50...53).contains(bytes[0]) && bytes[1...2].allSatisfy({ (48...57).contains($0) })
            && (bytes.count == 3 || bytes[3] == 32 || bytes[3] == UInt8(ascii: "-"))
    }

    private static func telnetItems(_ lines: ArraySlice<String>, firstLine: Int) -> [Item] {
        var items: [Item] = []
        var group: [String] = []
        var groupLine = 0
        var inBody = false
        var dataSent = false
        // Prefixes count in a paste whose first line has one (a message line may start with `S:`).
        let prefixedPaste = lines.first(where: { !$0.allSatisfy { $0 == " " || $0 == "\t" } })
            .map { directionPrefix(Substring($0)) != nil } ?? false
        for (offset, rawLine) in lines.enumerated() {
            let number = firstLine + offset
            var line = rawLine
            // Spaces at the end of a pasted line are the paste's, not the session's.
            while line.last == " " || line.last == "\t" { line.removeLast() }
            if line.hasPrefix("```") { continue }
            // `S:`/`C:`, `<<<`/`>>>`: the prefix says who sent the line.
            let prefixed = prefixedPaste ? directionPrefix(Substring(line)) : nil
            if let prefixed { line = String(prefixed.text) }
            if inBody && prefixed?.server != true {
                items.append(.sent(line, tls: false, line: number))
                if line == "." { inBody = false }
                continue
            }
            inBody = false
            if line.isEmpty { continue }
            if prefixed == nil, telnetOwnLines.contains(where: { line.hasPrefix($0) }) {
                items.append(.note(line))
                continue
            }
            let bytes = Array(line.utf8)
            if prefixed?.server == true, !isReplyLine(line) {
                // The server sent something that is not a reply.
                items.append(.note(line))
                continue
            }
            if prefixed?.server != false, isReplyLine(line) {
                if group.isEmpty { groupLine = number }
                group.append(line)
                if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") {
                    items.append(.reply(lines: group, pattern: nil, line: groupLine))
                    group = []
                    if dataSent {
                        dataSent = false
                        inBody = bytes[0] == 51  // 3xx: the message follows
                    }
                }
                continue
            }
            if !group.isEmpty {
                items.append(.reply(lines: group, pattern: nil, line: groupLine))
                group = []
            }
            items.append(.sent(line, tls: false, line: number))
            dataSent = line.split(separator: " ").first?.uppercased() == "DATA"
        }
        if !group.isEmpty { items.append(.reply(lines: group, pattern: nil, line: groupLine)) }
        return items
    }

    // MARK: - Pairing

    /// A message line as sent is dot-stuffed (RFC 5321, 4.5.2): `..x` is the line `.x`.
    static func unstuffed(_ text: String) -> String {
        text.count > 1 && text.hasPrefix(".") ? String(text.dropFirst()) : text
    }

    /// Turns lines into exchanges: each reply answers the oldest exchange still waiting.
    /// LMTP (`lmtp`, or once an LHLO is sent): the end of a message gets one reply per
    /// recipient accepted since MAIL, the first its ``SessionScript/Exchange/expectation``,
    /// the others its ``SessionScript/Exchange/deliveryExpectations``.
    static func pair(_ items: [Item], lmtp: Bool = false) -> [SessionScript.Exchange] {
        var exchanges: [SessionScript.Exchange] = []
        var waiting: [Int] = []
        var lmtp = lmtp
        var acceptedRecipients = 0
        var message: (lines: [String], line: Int, tls: Bool)?
        var chunk: (index: Int, remaining: Int)?
        var afterData: Int?
        var saslOpen = false
        /// The last exchange is raw bytes with no reply after them yet.
        var rawOpen = false

        func add(_ exchange: SessionScript.Exchange) {
            var exchange = exchange
            if exchange.expectsReply {
                exchange.pipelined = !waiting.isEmpty
                waiting.append(exchanges.count)
            }
            exchanges.append(exchange)
        }

        for item in items {
            switch item {
            case .note:
                continue
            case .sent(let text, let tls, let line):
                // Raw bytes (` -> :raw …`): the pieces of one write, shown a line per LF, join up.
                if text.hasPrefix(SessionScript.rawMarker), message == nil {
                    let bytes = String(text.dropFirst(SessionScript.rawMarker.count))
                    afterData = nil
                    if rawOpen, case .raw(let before) = exchanges[exchanges.count - 1].kind {
                        exchanges[exchanges.count - 1].kind = .raw(before + bytes)
                    } else {
                        add(.init(kind: .raw(bytes), line: line, tls: tls))
                        rawOpen = true
                    }
                    continue
                }
                rawOpen = false
                if message != nil {
                    message!.lines.append(Self.unstuffed(text))
                    if text == "." {
                        add(.init(kind: .message(message!.lines), line: message!.line, tls: message!.tls))
                        message = nil
                    }
                    continue
                }
                if let open = chunk {
                    if case .chunk(let command, let lines) = exchanges[open.index].kind {
                        exchanges[open.index].kind = .chunk(command: command, lines: lines + [text])
                    }
                    let remaining = open.remaining - text.utf8.count - 2
                    chunk = remaining > 0 ? (open.index, remaining) : nil
                    continue
                }
                if let data = afterData {
                    afterData = nil
                    if exchanges[data].expectation?.admitsIntermediate ?? true {
                        message = ([Self.unstuffed(text)], line, tls)
                        if text == "." {
                            add(.init(kind: .message(["."]), line: line, tls: tls))
                            message = nil
                        }
                        continue
                    }
                }
                if saslOpen {
                    add(.init(kind: .saslResponse(text), line: line, tls: tls))
                    saslOpen = false
                    continue
                }
                let words = text.split(separator: " ", omittingEmptySubsequences: true)
                let verb = words.first?.uppercased() ?? ""
                if verb == "BDAT", words.count >= 2, let size = Int(words[1]) {
                    add(.init(kind: .chunk(command: text, lines: []), line: line, tls: tls))
                    if size > 0 { chunk = (exchanges.count - 1, size) }
                    continue
                }
                add(.init(kind: .command(text), line: line, tls: tls))
                if verb == "DATA" { afterData = exchanges.count - 1 }
                if verb == "LHLO" { lmtp = true }
            case .reply(let lines, let pattern, let line):
                rawOpen = false
                if let partial = message {
                    // The reply came before the lone `.` (the connection dropped, or the file was cut).
                    add(.init(kind: .message(partial.lines), line: partial.line, tls: partial.tls))
                    message = nil
                }
                chunk = nil
                let expectation = Expectation(lines: lines, pattern: pattern, line: line)
                if !waiting.isEmpty {
                    let index = waiting.removeFirst()
                    if exchanges[index].expectation != nil {
                        // LMTP: a further recipient's reply to the same message.
                        exchanges[index].deliveryExpectations.append(expectation)
                        continue
                    }
                    exchanges[index].expectation = expectation
                    if lmtp {
                        Self.countRecipients(exchanges[index].kind, expectation: expectation, accepted: &acceptedRecipients)
                        if Self.endsMessage(exchanges[index].kind) {
                            // One reply per recipient accepted: the others answer the same message.
                            if acceptedRecipients > 1 { waiting.insert(contentsOf: repeatElement(index, count: acceptedRecipients - 1), at: 0) }
                            acceptedRecipients = 0
                        }
                    }
                    switch exchanges[index].kind {
                    case .command(let text) where text.split(separator: " ").first?.uppercased() == "AUTH":
                        saslOpen = expectation.admits(.authChallenge)
                    case .saslResponse:
                        saslOpen = expectation.admits(.authChallenge)
                    default:
                        break
                    }
                } else if exchanges.isEmpty {
                    exchanges.append(.init(kind: .greeting, expectation: expectation, line: line))
                } else {
                    exchanges.append(.init(kind: .unsolicited, expectation: expectation, line: line))
                }
            }
        }
        if let partial = message {
            add(.init(kind: .message(partial.lines), line: partial.line, tls: partial.tls))
        }
        return exchanges
    }

    /// LMTP: MAIL starts the count of recipients accepted; each RCPT with a 2xx adds one.
    private static func countRecipients(_ kind: SessionScript.Exchange.Kind, expectation: Expectation, accepted: inout Int) {
        guard case .command(let text) = kind else { return }
        switch text.split(separator: " ").first?.uppercased() {
        case "MAIL": accepted = 0
        case "RCPT": if expectation.recordedCode?.replyClass == .positiveCompletion || expectation.pattern?.matches(.ok) == true { accepted += 1 }
        default: break
        }
    }

    /// The end of a message: its lines after DATA, or a `BDAT … LAST` chunk.
    private static func endsMessage(_ kind: SessionScript.Exchange.Kind) -> Bool {
        switch kind {
        case .message: return true
        case .chunk(let command, _): return command.uppercased().hasSuffix(" LAST")
        default: return false
        }
    }
}

public struct SessionScriptError: Error, Hashable, Sendable {
    /// The file's line (1-based).
    public var line: Int
    public var reason: Reason

    public enum Reason: Hashable, Sendable {
        /// A line that is none of ` -> `, `<- `, `=== `, `#` (shown escaped by the caller).
        case notASessionLine(String)
        /// `# param:` with a name that is not a name.
        case invalidParameter(String)
        case duplicateParameter(String)
        /// Nothing sent or received in it.
        case empty
        /// A NUL byte: not a text file.
        case binary
        /// ` -> :raw …` with an escape that is not one (`\q`, `\x4`).
        case badRawEscape(String)
    }

    public init(line: Int, reason: Reason) {
        self.line = line
        self.reason = reason
    }
}
