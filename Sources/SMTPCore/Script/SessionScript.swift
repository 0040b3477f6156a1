/// A session written down: recorded by smtpsh (`--record`), written by hand as a macro,
/// printed by swaks, or pasted from a telnet window. One language for all of them, so a
/// macro is a saved session with parameters, and a recording can be replayed.
///
/// ```
/// # smtpsh session
/// # server: mail.example.org:25
/// # param: to = bob@example.org
/// <-  220 mail.example.org ESMTP
///  -> EHLO client.example.org
/// <-  250-mail.example.org
/// <-  250 PIPELINING
///  -> RCPT TO:<${to}>
/// <-  250|251
/// ```
///
/// The file's lines become ``Exchange``s: what the client sent (a command, a whole message
/// after DATA, a BDAT chunk, a SASL response) and the reply it got, if one was written. See
/// Docs/session-format.md.
public struct SessionScript: Hashable, Sendable {
    /// Where the text came from (how it was read).
    public enum Source: String, Hashable, Sendable {
        /// ` -> ` / `<-  ` lines with an `# smtpsh` header.
        case smtpsh
        /// ` -> ` / `<-  ` lines without it: a swaks transcript (or a hand-written macro).
        case swaks
        /// Client and server lines told apart by their shape, as telnet shows them.
        case telnet
    }

    public var source: Source
    /// `# name: value` lines before the first exchange, in order (names lowercased).
    public var header: [(name: String, value: String)]
    /// `# param: name` / `# param: name = default`.
    public var parameters: [Parameter]
    public var exchanges: [Exchange]

    public struct Parameter: Hashable, Sendable {
        public var name: String
        public var defaultValue: String?
        public init(name: String, defaultValue: String?) {
            self.name = name
            self.defaultValue = defaultValue
        }
    }

    /// How a recording writes raw bytes (` -> :raw MAIL FROM:<a@example.org>\n`): the local
    /// command that sends them again, then their ``EscapedBytes`` notation.
    public static let rawMarker = ":raw "

    /// One thing the client did and the reply it got.
    public struct Exchange: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            /// The server's greeting (nothing was sent).
            case greeting
            case command(String)
            /// A message's lines after DATA's 354, as typed (not dot-stuffed), with the final `.`.
            case message([String])
            /// `BDAT n [LAST]` and the chunk's lines (each sent with CRLF).
            case chunk(command: String, lines: [String])
            /// An answer to a 334 challenge during AUTH.
            case saslResponse(String)
            /// Bytes sent exactly as written, in ``EscapedBytes``' notation (a recording's
            /// ` -> :raw …` lines, those of one write joined). Its expectation is the first
            /// reply after it; the bytes may call for more (``ClientStateMachine/submitRaw(_:track:now:)``).
            case raw(String)
            /// A reply nobody asked for (a 421 before closing).
            case unsolicited
        }

        public var kind: Kind
        /// The reply written after it, if any.
        public var expectation: Expectation?
        /// The file's line number where it starts (1-based).
        public var line: Int
        /// Sent before the replies to the commands before it had come (PIPELINING).
        public var pipelined: Bool
        /// Sent under TLS (` ~> `).
        public var tls: Bool
        /// LMTP (RFC 2033): after a message, the replies after the first, one per further
        /// recipient accepted, in the order of the RCPTs (``expectation`` is the first's).
        public var deliveryExpectations: [Expectation] = []

        public init(kind: Kind, expectation: Expectation? = nil, line: Int, pipelined: Bool = false, tls: Bool = false) {
            self.kind = kind
            self.expectation = expectation
            self.line = line
            self.pipelined = pipelined
            self.tls = tls
        }

        /// Whether the server answers it.
        public var expectsReply: Bool {
            switch kind {
            case .greeting, .command, .message, .chunk, .saslResponse, .raw: true
            case .unsolicited: false
            }
        }
    }

    public init(source: Source, header: [(name: String, value: String)] = [], parameters: [Parameter] = [], exchanges: [Exchange]) {
        self.source = source
        self.header = header
        self.parameters = parameters
        self.exchanges = exchanges
    }

    public func headerValue(_ name: String) -> String? {
        header.first(where: { $0.name == name })?.value
    }

    /// An LMTP session (RFC 2033): `# protocol: lmtp` in the header, or a greeting with LHLO
    /// (a swaks transcript, a hand-written file).
    public var isLMTP: Bool {
        if headerValue("protocol")?.lowercased() == "lmtp" { return true }
        return exchanges.contains { exchange in
            if case .command(let text) = exchange.kind { text.split(separator: " ").first?.uppercased() == "LHLO" } else { false }
        }
    }

    /// The variables the sent lines use (`${to}`), in order of first use.
    public var variablesUsed: [String] {
        var names: [String] = []
        for exchange in exchanges {
            for text in exchange.sentTexts {
                for name in VariableText.names(in: text) where !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    public static func == (lhs: SessionScript, rhs: SessionScript) -> Bool {
        lhs.source == rhs.source && lhs.parameters == rhs.parameters && lhs.exchanges == rhs.exchanges
            && lhs.header.map(\.name) == rhs.header.map(\.name) && lhs.header.map(\.value) == rhs.header.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(exchanges)
    }
}

extension SessionScript.Exchange {
    /// The lines it sends, as written.
    public var sentTexts: [String] {
        switch kind {
        case .greeting, .unsolicited: []
        case .command(let text), .saslResponse(let text), .raw(let text): [text]
        case .message(let lines): lines
        case .chunk(let command, let lines): [command] + lines
        }
    }
}

/// What reply a line should get: the reply recorded (compared by code, class or whole text),
/// or a pattern written by hand: `250`, `2xx`, `25x`, `250|251`, `*`.
public struct Expectation: Hashable, Sendable {
    /// The recorded reply's lines, as written (code included); empty for a pattern.
    public var lines: [String]
    public var pattern: ReplyPattern?
    /// The file's line number of its first line.
    public var line: Int

    public init(lines: [String], pattern: ReplyPattern? = nil, line: Int) {
        self.lines = lines
        self.pattern = pattern
        self.line = line
    }

    /// How a recorded reply is compared with the one received.
    public enum Comparison: String, Hashable, Sendable, CaseIterable {
        /// The same class (2xx, 3xx, 4xx, 5xx): `--loose`.
        case replyClass = "class"
        /// The same three-digit code: the default.
        case code
        /// The same code and the same text on every line: `--strict`.
        case text
    }

    /// The recorded code (of the first line), for a recorded reply.
    public var recordedCode: ReplyCode? {
        lines.first.flatMap { ReplyCode(digits: $0.utf8.prefix(3)) }
    }

    public func matches(_ reply: Reply, comparison: Comparison) -> Bool {
        if let pattern { return pattern.matches(reply.code) }
        guard let code = recordedCode else { return true }
        switch comparison {
        case .replyClass: return reply.code.replyClass == code.replyClass
        case .code: return reply.code == code
        case .text:
            let received = reply.lines.map { String(decoding: $0.raw.prefix(while: { $0 != 13 && $0 != 10 }), as: UTF8.self) }
            return reply.code == code && received.map(Self.trimmed) == lines.map(Self.trimmed)
        }
    }

    /// What it expects, for messages: `250`, `2xx`, `250|251`, or the recorded first line with --strict.
    public func summary(comparison: Comparison) -> String {
        if let pattern { return pattern.description }
        guard let code = recordedCode else { return "*" }
        switch comparison {
        case .replyClass: return "\(code.rawValue / 100)xx"
        case .code: return String(code.rawValue)
        case .text: return lines.first ?? String(code.rawValue)
        }
    }

    /// Whether it admits a positive intermediate reply (354 to DATA, 334 to AUTH).
    public var admitsIntermediate: Bool {
        if let pattern { return pattern.alternatives.contains { $0.admits(class: 3) } }
        return recordedCode?.replyClass == .positiveIntermediate
    }

    /// Whether it admits `code` (for the parser: was DATA answered by 354?).
    public func admits(_ code: ReplyCode) -> Bool {
        if let pattern { return pattern.matches(code) }
        return recordedCode == code
    }

    private static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}

/// `250`, `2xx`, `25x`, `250|251|2xx`, `*`.
public struct ReplyPattern: Hashable, Sendable, CustomStringConvertible {
    public enum Alternative: Hashable, Sendable {
        case code(ReplyCode)
        /// `2xx`
        case replyClass(Int)
        /// `25x`
        case category(Int, Int)
        /// `*`
        case any

        func admits(class first: Int) -> Bool {
            switch self {
            case .code(let code): code.rawValue / 100 == first
            case .replyClass(let digit), .category(let digit, _): digit == first
            case .any: true
            }
        }

        var text: String {
            switch self {
            case .code(let code): String(code.rawValue)
            case .replyClass(let first): "\(first)xx"
            case .category(let first, let second): "\(first)\(second)x"
            case .any: "*"
            }
        }
    }

    public var alternatives: [Alternative]

    public init(alternatives: [Alternative]) {
        self.alternatives = alternatives
    }

    /// Parses `250|251`, `2xx`, `*` (alternatives separated by `|`, `,` or spaces); `nil` if
    /// the text is anything else (a reply line).
    public init?(parsing text: Substring) {
        let words = text.split(whereSeparator: { $0 == "|" || $0 == "," || $0 == " " })
        guard !words.isEmpty else { return nil }
        var alternatives: [Alternative] = []
        for word in words {
            let bytes = Array(word.utf8)
            if bytes == [UInt8(ascii: "*")] {
                alternatives.append(.any)
                continue
            }
            guard bytes.count == 3, (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(bytes[0]) else { return nil }
            let first = Int(bytes[0] - 48)
            let lower = bytes.map { $0 | 0x20 }
            if lower[1] == UInt8(ascii: "x") && lower[2] == UInt8(ascii: "x") {
                alternatives.append(.replyClass(first))
            } else if (48...57).contains(bytes[1]) && lower[2] == UInt8(ascii: "x") {
                alternatives.append(.category(first, Int(bytes[1] - 48)))
            } else if let code = ReplyCode(digits: bytes) {
                alternatives.append(.code(code))
            } else {
                return nil
            }
        }
        self.alternatives = alternatives
    }

    public func matches(_ code: ReplyCode) -> Bool {
        alternatives.contains { alternative in
            switch alternative {
            case .code(let expected): code == expected
            case .replyClass(let first): code.rawValue / 100 == first
            case .category(let first, let second): code.rawValue / 10 == first * 10 + second
            case .any: true
            }
        }
    }

    public var description: String { alternatives.map(\.text).joined(separator: "|") }
}

/// `${name}` in a sent line; `$${` writes `${` literally.
public enum VariableText {
    public static func names(in text: String) -> [String] {
        var names: [String] = []
        _ = try? substitute(text) { name in
            names.append(name)
            return ""
        }
        return names
    }

    /// Replaces each `${name}` with `value(name)`; a name it returns `nil` for is thrown.
    public static func substitute(_ text: String, _ value: (String) -> String?) throws(MissingVariable) -> String {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                result += "${"
                rest = after.dropFirst(2)
            } else if after.hasPrefix("{"), let close = after.firstIndex(of: "}") {
                let name = String(after[after.index(after: after.startIndex)..<close])
                guard Self.isName(name) else {
                    result += "${"
                    rest = after.dropFirst()
                    continue
                }
                guard let replacement = value(name) else { throw MissingVariable(name: name) }
                result += replacement
                rest = after[after.index(after: close)...]
            } else {
                result += "$"
                rest = after
            }
        }
        return result + rest
    }

    /// Letters, digits, `_` and `-`, starting with a letter or `_`.
    public static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}

public struct MissingVariable: Error, Hashable, Sendable {
    public var name: String
}
