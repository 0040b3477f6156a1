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
    /// line (`452 #4.3.1 queue full`), a line pasted from a transcript, a bounce or a log
    /// (``PastedTextReader``: `<-  550-5.7.1 …`, `Diagnostic-Code: smtp; 550 5.1.1 …`, Postfix's
    /// `said:` and `reject:` lines, Exim's `SMTP error … after RCPT TO:<…>:`, an NDR's quoted
    /// reply), several lines (a multi-line reply is explained once; the reply to EHLO keyword by
    /// keyword), an EHLO keyword line (`SIZE 35882577`) or a `334` challenge.
    ///
    /// Each reply is explained for the command it answers when the text says so ("in reply to
    /// RCPT TO command"), else `context.command` (`--after RCPT`). A greeting or EHLO reply in
    /// the text that gives the server away (`220 … ESMTP Postfix`) makes that server's generic
    /// lines apply to the replies after it (not across a log's lines, each from its own server).
    /// With `skippingOther`, lines that hold no reply are left out rather than reported (a log).
    ///
    /// One item per reply or line, in order; blank lines are skipped.
    public func explain(
        input text: String, options: ExplainOptions = .full, context: ExplainContext = ExplainContext(),
        skippingOther: Bool = false
    ) -> [ExplainItem] {
        var explainer = InputExplainer(catalog: self, options: options, context: context, skippingOther: skippingOther)
        var items: [ExplainItem] = []
        var reader = PastedTextReader()
        var start = text.startIndex
        while start < text.endIndex {
            let end = text[start...].firstIndex(where: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) ?? text.endIndex
            for item in reader.read(text[start..<end]) { explainer.explain(item, into: &items) }
            start = end < text.endIndex ? text.index(after: end) : end
        }
        for item in reader.finish() { explainer.explain(item, into: &items) }
        return items
    }

    /// Explains the items of a ``PastedTextReader`` in order, carrying the server recognised
    /// from one transcript line to the next.
    public struct InputExplainer: Sendable {
        let catalog: Catalog
        let options: ExplainOptions
        var context: ExplainContext
        let skippingOther: Bool

        public init(catalog: Catalog = .shared, options: ExplainOptions, context: ExplainContext, skippingOther: Bool) {
            self.catalog = catalog
            self.options = options
            self.context = context
            self.skippingOther = skippingOther
        }

        public mutating func explain(_ item: PastedTextReader.Item, into items: inout [ExplainItem]) {
            switch item {
            case .reply(let lines, let command, let fromLog):
                var context = self.context
                if let command { context.command = command }
                if fromLog { context.server = nil }
                let explained = catalog.explain(replyLines: lines, options: options, context: context)
                if !fromLog, self.context.server == nil, case .explained(_, var explanation) = explained,
                    case .reply = explanation.subject,
                    let server = catalog.recognise(Reply(lines: lines.map { ReplyLine(bytes: Array($0.utf8)) }), answering: context.command)
                {
                    self.context.server = server.vendor
                    // Said when it changes what follows (a greeting, an EHLO reply); a reply
                    // recognised by its own text already shows its vendor's entry.
                    if case .reply = server.evidence {} else {
                        explanation.server = server
                        items.append(.explained(input: lines.joined(separator: "\n"), explanation))
                        return
                    }
                }
                items.append(explained)
            case .other(let line):
                let explained = catalog.explain(word: line, options: options)
                if skippingOther, case .notUnderstood = explained { return }
                items.append(explained)
            }
        }
    }

    /// A bare enhanced code, an EHLO keyword line, or nothing we know.
    func explain(word line: String, options: ExplainOptions) -> ExplainItem {
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
    func explain(replyLines lines: [String], options: ExplainOptions, context: ExplainContext = ExplainContext()) -> ExplainItem {
        let input = lines.joined(separator: "\n")
        let replyLines = lines.map { ReplyLine(bytes: Array($0.utf8), lineEnding: .crlf) }
        guard let code = replyLines[0].code else { return .notUnderstood(input: input) }
        let reply = Reply(lines: replyLines)
        // A bare code.
        if replyLines.count == 1, replyLines[0].text.isEmpty {
            return .explained(input: input, explain(code: code, options: options))
        }
        // EHLO: a multi-line 250 whose lines after the first are keywords; or one keyword line.
        if code == .ok, context.command == nil || context.command == "ehlo" {
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
        return .explained(input: input, explain(reply, options: options, context: context))
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
