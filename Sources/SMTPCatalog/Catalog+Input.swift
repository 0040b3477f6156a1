import SMTPCore

/// What `smtpsh explain` (and `:explain` in a session) does with what the user typed or pasted.
public enum ExplainItem: Hashable, Sendable {
    /// `input` as understood (markers and bounce-message prefixes removed), and its explanation.
    case explained(input: String, Explanation)
    /// Neither a reply code, an enhanced status code, a reply line nor an EHLO keyword.
    case notUnderstood(input: String)
}

extension Catalog {
    /// Explains free text: a bare code (`550`), an enhanced code (`5.1.1`, `#4.3.1`), a reply
    /// line (`452 #4.3.1 queue full`), a line pasted from a transcript or a bounce message
    /// (`<-  550-5.7.1 [203.0.113.5] Our system …`, `Diagnostic-Code: smtp; 550 5.1.1 …`),
    /// several lines (a multi-line reply is explained once; the reply to EHLO keyword by
    /// keyword), an EHLO keyword line (`SIZE 35882577`) or a `334` challenge.
    ///
    /// One item per reply or line, in order; blank lines are skipped.
    public func explain(input text: String, options: ExplainOptions = .full) -> [ExplainItem] {
        var items: [ExplainItem] = []
        var group: [String] = []  // the lines of a multi-line reply, so far

        func flush() {
            guard !group.isEmpty else { return }
            items.append(explain(replyLines: group, options: options))
            group = []
        }

        let lines = text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for rawLine in lines {
            let line = Self.normalised(rawLine)
            guard !line.isEmpty, !Self.isDeliveryStatusField(line) else { continue }
            if let code = Self.replyCode(of: line) {
                // A line continues the reply when the previous line of the same code ended in "-".
                if let last = group.last, Self.replyCode(of: last) != code || !Self.isContinuation(last) {
                    flush()
                }
                group.append(line)
                if !Self.isContinuation(line) { flush() }
                continue
            }
            flush()
            items.append(explain(word: line, options: options))
        }
        flush()
        return items
    }

    /// A bare enhanced code, an EHLO keyword line, or nothing we know.
    private func explain(word line: String, options: ExplainOptions) -> ExplainItem {
        var code = Substring(line)
        if code.hasPrefix("#") { code = code.dropFirst() }
        if let enhanced = EnhancedStatusCode(String(code)) {
            return .explained(input: line, explain(enhancedCode: enhanced, options: options))
        }
        if let explanation = explain(keywordLine: line, options: options) {
            return .explained(input: line, explanation)
        }
        return .notUnderstood(input: line)
    }

    /// One reply: its lines all start with a three-digit code.
    private func explain(replyLines lines: [String], options: ExplainOptions) -> ExplainItem {
        let input = lines.joined(separator: "\n")
        let replyLines = lines.map { ReplyLine(bytes: Array($0.utf8), lineEnding: .crlf) }
        guard let code = replyLines[0].code else { return .notUnderstood(input: input) }
        let reply = Reply(lines: replyLines)
        // A bare code.
        if replyLines.count == 1, replyLines[0].text.isEmpty {
            return .explained(input: input, explain(code: code, options: options))
        }
        // EHLO: a multi-line 250 whose lines after the first are keywords; or one keyword line.
        if code == .ok {
            let keywordLines = replyLines.count > 1 ? Array(reply.textLines.dropFirst()) : reply.textLines
            if keywordLines.contains(where: { isKeywordLine($0) }) {
                if replyLines.count > 1 {
                    return .explained(input: input, explainEHLO(reply, options: options))
                }
                if let explanation = explain(keywordLine: keywordLines[0], options: options) {
                    return .explained(input: input, explanation)
                }
            }
        }
        return .explained(input: input, explain(reply, options: options))
    }

    private func isKeywordLine(_ text: String) -> Bool {
        guard let capability = Capability(line: text) else { return false }
        return CatalogKey.ehloKeyword(capability.keyword).flatMap({ self[$0] }) != nil
    }

    // MARK: - Reading pasted text

    /// The line without what surrounds a reply in transcripts and bounce messages:
    /// smtpsh's and swaks' markers (`<-`, `<~`, `<**`), `S:`, quoting (`>`), a DSN's
    /// `Diagnostic-Code: smtp;`, Postfix's `host … said:` and `(in reply to … command)`.
    static func normalised(_ raw: Substring) -> String {
        var line = raw.trimmingSpaces
        var changed = true
        while changed {
            changed = false
            for marker in ["<**", "<-", "<~", "S:", ">"] where line.hasPrefix(marker) {
                line = line.dropFirst(marker.count).trimmingSpaces
                changed = true
            }
            // A DSN's `Status: 5.1.1` (RFC 3464), a comment after it left out.
            if line.lowercased().hasPrefix("status:") {
                line = line.dropFirst("status:".count).trimmingSpaces
                if let space = line.firstIndex(of: " ") { line = line[..<space].trimmingSpaces }
                changed = true
            }
            if line.lowercased().hasPrefix("diagnostic-code:") {
                line = line.dropFirst("diagnostic-code:".count).trimmingSpaces
                if let semicolon = line.firstIndex(of: ";"), !line[..<semicolon].contains(" ") {
                    line = line[line.index(after: semicolon)...].trimmingSpaces
                }
                changed = true
            }
        }
        if replyCode(of: line) == nil, let said = line.firstRange(of: " said: ") {
            line = line[said.upperBound...].trimmingSpaces
        }
        if line.hasSuffix(" command)"), let reply = line.firstRange(of: " (in reply to ") {
            line = String(line[..<reply.lowerBound])
        }
        return line
    }

    /// The fields of a bounce's delivery status (RFC 3464) that hold no code: skipped, so a
    /// whole bounce can be pasted (`Status:` and `Diagnostic-Code:` are explained).
    static func isDeliveryStatusField(_ line: String) -> Bool {
        let lower = line.lowercased()
        return ["final-recipient:", "original-recipient:", "action:", "reporting-mta:", "remote-mta:", "arrival-date:",
                "last-attempt-date:", "will-retry-until:", "received-from-mta:", "original-envelope-id:", "x-postfix-", "x-actual-recipient:",
                "dsn-gateway:"].contains { lower.hasPrefix($0) }
    }

    /// The reply code a line starts with (three digits, then a space, a `-` or the end).
    static func replyCode(of line: String) -> ReplyCode? {
        let bytes = Array(line.utf8.prefix(4))
        guard bytes.count >= 3, bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            return nil
        }
        return ReplyCode(digits: bytes[0..<3])
    }

    private static func isContinuation(_ line: String) -> Bool {
        line.utf8.count >= 4 && line.utf8[line.utf8.index(line.utf8.startIndex, offsetBy: 3)] == UInt8(ascii: "-")
    }
}
