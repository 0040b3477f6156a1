import SMTPCore

/// How a reply finds its explanation: most specific first.
///
/// 1. the reply's text, recognised as a vendor's (`vendor.*`) or the appliance's (`appliance.*`);
///    texts any server could send only once the server is known (``ExplainContext/server``);
/// 2. the enhanced status code when it says what went wrong (`enhanced.1.1`, not `X.0.0` or
///    the protocol codes `X.5.x` that servers also use for policy);
/// 3. the code as the answer to the command it answers (`command.rcpt.550`);
/// 4. the enhanced code otherwise: `enhanced.S.D`, else its subject `enhanced-subject.S`;
/// 5. the basic code: `basic.NNN`, else its class `class.N` and category `category.N`;
/// 6. the class meaning (`class.N`, or `enhanced-class.N` for a bare enhanced code).
///
/// With ``ExplainOptions/Detail/concise`` a vendor's text leads, with its cause and what to
/// do, and the codes follow as one short line each; without one, the command's meaning
/// replaces the basic code's, and an `X.0.0` code, which adds nothing, is left out; the class
/// meaning only comes with a bare enhanced code. Hints: the most specific part's, one per
/// explanation. Every explanation has a category, retry advice and who acts
/// (``ReplyClassification``): the vendor entry's, else the codes'.
extension Catalog {
    /// Explains a reply as received. A `334` challenge is decoded (AUTH LOGIN asks
    /// "Username:" in base64); for the reply to EHLO, use ``explainEHLO(_:options:)``.
    public func explain(_ reply: Reply, options: ExplainOptions = .concise, context: ExplainContext = ExplainContext()) -> Explanation {
        let code = reply.code
        if code == .authChallenge {
            return explain(authChallenge: reply.lines[0].textString, options: options)
        }
        var vendor: TextMatch?
        if options.vendorTexts { vendor = textMatch(in: reply, server: context.server) }
        let enhanced = reply.enhancedStatusCode
        var parts = codeParts(code: code, enhanced: enhanced, vendor: vendor, command: context.command, options: options)
        var classification = classify(code: code, enhanced: enhanced, vendor: vendor?.entry, command: context.command)
        let notes = contextParts(reply, context: context, category: &classification, vendor: vendor != nil)
        parts.insert(contentsOf: notes, at: vendor == nil ? 0 : 1)
        var explanation = Explanation(
            subject: .reply(code, enhanced), parts: parts, vendor: vendor?.entry.key.vendor,
            classification: classification, source: vendor?.entry.property("source"))
        explanation.command = context.command
        explanation.vendorTextIsGeneric = vendor?.isGeneric ?? false
        return explanation
    }

    /// The category, retry advice and who acts: the vendor entry's fields; else the enhanced
    /// code's when it says what went wrong; else the command entry's; else the basic code's.
    func classify(code: ReplyCode, enhanced: EnhancedStatusCode?, vendor: CatalogEntry?, command: String?) -> ReplyClassification {
        let replyClass = code.replyClass.rawValue
        if let vendor, let found = codePartsCache.classification(of: vendor, replyClass: replyClass) { return found }
        let fromCodes = ReplyClassification(code: code, enhanced: enhanced)
        if replyClass == 2 || replyClass == 3 { return fromCodes }
        if let enhanced, enhanced.subject != 5, ReplyClassification.category(subject: enhanced.subject, detail: enhanced.detail) != nil {
            return fromCodes
        }
        if let command, let entry = CatalogKey.command(command, code.rawValue).flatMap({ self[$0] }),
            let found = ReplyClassification(fields: entry, replyClass: replyClass)
        {
            return found
        }
        return fromCodes
    }

    /// What the session knows adds to a refusal: the size sent against the SIZE advertised;
    /// a refusal at RCPT that names the sender, not the recipient (then the sender is the problem).
    func contextParts(_ reply: Reply, context: ExplainContext, category: inout ReplyClassification, vendor: Bool) -> [Explanation.Part] {
        guard !reply.replyClass.isPositive else { return [] }
        var parts: [Explanation.Part] = []
        let text = reply.lines.map { String(decoding: $0.text, as: UTF8.self) }.joined(separator: " ")
        if category.category == .size, let octets = context.messageOctets, let limit = context.sizeLimit, limit > 0 {
            let name = octets > limit ? "context-size-over" : "context-size-under"
            parts.append(Explanation.Part(
                role: .context, key: nil, label: "",
                meaning: messages(name, ["octets": Self.grouped(octets), "limit": Self.grouped(limit)])))
        }
        if context.command == "rcpt", let sender = context.sender, !sender.isEmpty,
            text.contains("<" + sender + ">") || text.contains(" " + sender + " ") || text.hasPrefix(sender),
            context.recipient.map({ !text.contains($0) }) ?? true
        {
            parts.append(Explanation.Part(
                role: .context, key: nil, label: "",
                meaning: messages("context-names-sender", ["sender": Placeholders.sanitised(sender)])))
            if !vendor { category.category = .sender }
        }
        return parts
    }

    /// `12,073` (digits grouped by three, as English writes them; the other languages'
    /// texts put the number in a context where this reads fine).
    static func grouped(_ number: UInt64) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    /// Explains a bare reply code (`smtpsh explain 550`): its entry, or its class and
    /// category when no RFC defines it (`599`, `277`).
    public func explain(code: ReplyCode, options: ExplainOptions = .concise) -> Explanation {
        Explanation(subject: .code(code), parts: codeParts(code: code, enhanced: nil, vendor: nil, options: options))
    }

    /// Explains a bare enhanced status code (`5.1.1`), with its class meaning; an
    /// unregistered detail falls back to its subject (`5.7.708`: security or policy).
    public func explain(enhancedCode: EnhancedStatusCode, options: ExplainOptions = .concise) -> Explanation {
        Explanation(
            subject: .enhancedCode(enhancedCode),
            parts: codeParts(code: nil, enhanced: enhancedCode, vendor: nil, options: options)
        )
    }

    /// Explains the reply to EHLO: each keyword the server offers, SIZE with its limit made
    /// readable, AUTH and each of its mechanisms. Any other reply is explained as a reply.
    ///
    /// ```
    /// S: 250-mail.example.org
    /// S: 250-SIZE 35882577       → SIZE  Message size declaration (RFC 1870): messages up to 35 MB …
    /// S: 250 AUTH PLAIN LOGIN    → AUTH, AUTH PLAIN, AUTH LOGIN
    /// ```
    public func explainEHLO(_ reply: Reply, options: ExplainOptions = .concise) -> Explanation {
        guard let capabilities = ServerCapabilities(ehloReply: reply) else { return explain(reply, options: options) }
        var parts: [Explanation.Part] = []
        var seen: Set<String> = []
        for capability in capabilities.capabilities where seen.insert(capability.keyword).inserted {
            if capability.keyword == Capability.auth {
                parts += keywordParts(Capability(keyword: Capability.auth, parameters: capabilities.authMechanisms))
            } else {
                parts += keywordParts(capability)
            }
        }
        return Explanation(subject: .ehloReply, parts: withKeywordHints(parts, options: options))
    }

    /// Explains one keyword line of an EHLO reply, as typed or pasted: `PIPELINING`,
    /// `SIZE 35882577`, `AUTH PLAIN LOGIN`, or an AUTH mechanism alone (`CRAM-MD5`).
    /// `nil` when the catalogue knows neither the keyword nor the mechanism.
    public func explain(keywordLine line: String, options: ExplainOptions = .concise) -> Explanation? {
        guard let capability = Capability(line: line) else { return nil }
        let subject = Explanation.Subject.ehloKeyword(capability.description)
        if CatalogKey.ehloKeyword(capability.keyword).flatMap({ self[$0] }) != nil {
            return Explanation(subject: subject, parts: withKeywordHints(keywordParts(capability), options: options))
        }
        if capability.parameters.isEmpty, let key = CatalogKey("ehlo.AUTH.\(capability.keyword)"),
            let part = part(key, role: .authMechanism, label: "AUTH \(capability.keyword)")
        {
            return Explanation(subject: subject, parts: withKeywordHints([part], options: options))
        }
        return nil
    }

    /// Explains the text of a `334` reply: base64-decoded, an AUTH LOGIN prompt
    /// (`VXNlcm5hbWU6` → "Username:") finds its entry; any other text is shown decoded.
    public func explain(authChallenge text: String, options: ExplainOptions = .concise) -> Explanation {
        let encoded = text.trimmingSpaces
        var decoded: String?
        var bytes = Base64.decode(encoded)
        // Some servers end the prompt with a NUL (aiosmtpd: "User Name\0", "Password\0").
        while bytes?.last == 0 { bytes?.removeLast() }
        if let bytes, let string = String(validating: bytes, as: UTF8.self),
            !string.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            decoded = string
        }
        var parts: [Explanation.Part] = []
        var known = false
        if let decoded, !decoded.isEmpty {
            let wanted = decoded.trimmingSpaces.lowercased()
            let label = "“" + Placeholders.sanitised(decoded) + "”"
            // Only the `auth-challenge.*` keys are read (not every key of the catalogue).
            let prefix = "auth-challenge."
            if let found = store.entries(withPrefix: prefix).first(where: {
                $0.stored.keyText.dropFirst(prefix.count).lowercased() == wanted
            }), let entry = self[found.stored.keyText] {
                parts.append(part(entry, role: .authChallenge, label: label))
                known = true
            } else {
                parts.append(
                    Explanation.Part(
                        role: .decodedChallenge,
                        key: nil,
                        label: label,
                        meaning: messages("challenge-decoded", ["text": Placeholders.sanitised(decoded)])
                    )
                )
            }
        }
        if !known || options.detail == .full, let basic = part(.basic(334), role: .basicCode, label: "334") {
            parts.append(basic)
        }
        if options.detail == .full, let classPart = part(.replyClass(3), role: .replyClass, label: "3yz") {
            parts.append(classPart)
        }
        return Explanation(subject: .authChallenge(decoded: decoded), parts: withOneHint(parts, options: options))
    }

    // MARK: - Building the parts

    func codeParts(
        code: ReplyCode?,
        enhanced: EnhancedStatusCode?,
        vendor: TextMatch?,
        command: String? = nil,
        options: ExplainOptions
    ) -> [Explanation.Part] {
        var parts: [Explanation.Part] = []
        let languages = options.languages ?? Language.allCases
        if let vendor {
            let values = vendor.values.mapValues(Placeholders.sanitised)
            parts.append(part(vendor.entry, role: .vendorText, label: "", languages: languages, values: { _ in values }))
        }
        // The codes' parts hold no value of the reply's: made once for each combination (a
        // mail log repeats a few codes, commands and enhanced codes a hundred thousand times).
        let key = CodePartsCache.Key(
            code: code, enhanced: enhanced, command: command, vendor: vendor != nil, detail: options.detail,
            languages: languages)
        if let known = codePartsCache.parts(for: key) {
            parts += known
        } else {
            let made = codeOnlyParts(
                code: code, enhanced: enhanced, vendor: vendor != nil, command: command, full: options.detail == .full,
                languages: languages)
            codePartsCache.keep(made, for: key)
            parts += made
        }
        return withOneHint(parts, options: options)
    }

    /// The codes' parts of ``codeParts(code:enhanced:vendor:command:options:)``.
    private func codeOnlyParts(
        code: ReplyCode?,
        enhanced: EnhancedStatusCode?,
        vendor: Bool,
        command: String?,
        full: Bool,
        languages: [Language]
    ) -> [Explanation.Part] {
        var parts: [Explanation.Part] = []
        // Under a vendor's text (concise), the codes are one short line each.
        let short = vendor && !full
        var commandPart: Explanation.Part?
        if let command, let code, !vendor || full {
            // Concise: the code's own label (its general meaning is not shown beside it);
            // full: the command too, beside the basic code's line.
            let verb = command == "dot" ? "END" : command.uppercased()
            let label = full ? verb + " " + String(code.rawValue) : String(code.rawValue)
            commandPart = part(.command(command, code.rawValue), languages: languages, role: .command, label: label)
        }
        var enhancedPart: Explanation.Part?
        var enhancedFirst = false
        if let enhanced {
            if !full && code != nil && enhanced.subject == 0 && enhanced.detail == 0 {
                // X.0.0 says no more than the basic code.
            } else if let key = CatalogKey.enhanced(subject: enhanced.subject, detail: enhanced.detail), let entry = self[key] {
                var detail = part(entry, role: .enhancedCode, label: enhanced.description, languages: languages)
                if let note = registryNote(entry.classes, received: enhanced.statusClass) {
                    for language in languages {
                        detail.meaning[language] = Self.sentences(detail.meaning[language], note[language], in: language)
                    }
                    // A code registered for failures, sent with a success: its hint says what
                    // to fix, and nothing failed (`252 2.5.2`); the next part's hint is shown.
                    if enhanced.statusClass == .success, !entry.classes.contains(.success) { detail.hint = [:] }
                }
                enhancedPart = detail
                enhancedFirst = enhanced.subject != 5
                    && ReplyClassification.category(subject: enhanced.subject, detail: enhanced.detail) != nil
            } else if let subject = part(
                .enhancedSubject(enhanced.subject),
                languages: languages,
                role: .enhancedSubject,
                label: "X.\(enhanced.subject).X"
            ) {
                enhancedPart = subject
            }
        }
        // A success or an intermediate reply: the command's meaning says it all (`250 2.1.5`
        // after RCPT: the recipient is accepted); the enhanced code only in full.
        let positive = code.map { $0.replyClass.isPositive } ?? false
        if positive, commandPart != nil {
            enhancedFirst = false
            if !full { enhancedPart = nil }
        }
        if enhancedFirst, let enhancedPart { parts.append(enhancedPart) }
        if let commandPart { parts.append(commandPart) }
        if !enhancedFirst, let enhancedPart { parts.append(enhancedPart) }
        var basicFound = false
        if let code {
            if let basic = part(.basic(code.rawValue), languages: languages, role: .basicCode, label: String(code.rawValue)) {
                // The command's meaning is the code's, in context (concise: not both).
                if commandPart == nil || full { parts.append(basic) }
                basicFound = true
            } else {
                if let replyClass = part(
                    .replyClass(code.replyClass.rawValue), languages: languages, role: .replyClass, label: "\(code.replyClass.rawValue)yz")
                {
                    parts.append(replyClass)
                }
                let category = (code.rawValue / 10) % 10
                if let category = part(.replyCategory(category), languages: languages, role: .replyCategory, label: "x\(category)z") {
                    parts.append(category)
                }
            }
        }
        if let enhanced, code == nil {
            let digit = enhanced.statusClass.rawValue
            if let enhancedClass = part(.enhancedClass(digit), languages: languages, role: .enhancedClass, label: "\(digit).X.X") {
                parts.append(enhancedClass)
            }
        } else if let code, basicFound, full {
            let digit = code.replyClass.rawValue
            if let replyClass = part(.replyClass(digit), languages: languages, role: .replyClass, label: "\(digit)yz") {
                parts.append(replyClass)
            }
        }
        if short {
            for index in parts.indices {
                parts[index].meaning = parts[index].meaning.mapValues(Explanation.title(of:))
                parts[index].hint = [:]
                parts[index].cause = [:]
            }
        }
        return parts
    }

    /// What the registry says of the classes an enhanced code is for (`classes:`), worded for
    /// the class received, so that it reads right whatever it is:
    ///
    /// ```
    /// 550 5.1.1  … The registry lists this code for permanent failures only.
    /// 450 4.1.1  … The registry lists this code for permanent failures only, but here it
    ///            comes as a transient failure: a later attempt may succeed.
    /// 252 2.5.2  … The registry lists this code for failures, but here it comes with a success …
    /// ```
    ///
    /// `received: nil` (the cheat sheet's `X.1.1`) states the registry's classes. `nil` when
    /// the registry does not restrict the code, or lists it for several classes, one received.
    public func registryNote(_ classes: [EnhancedStatusCode.Class], received: EnhancedStatusCode.Class?)
        -> [Language: String]?
    {
        guard !classes.isEmpty else { return nil }
        let name: String
        if let received, !classes.contains(received) {
            if received == .success {
                name = "registry-failure-as-success"
            } else if classes == [.success] {
                name = "registry-success-as-failure"
            } else if received == .persistentTransientFailure {
                name = "registry-permanent-as-transient"
            } else {
                name = "registry-transient-as-permanent"
            }
        } else if classes.count == 1 {
            name = "registry-only-\(classes[0].rawValue)"
        } else {
            return nil
        }
        return messages(name)
    }

    /// Two sentences of one language, one after the other: a space between them, none in
    /// Japanese (its sentences end with 。).
    static func sentences(_ first: String?, _ second: String?, in language: Language) -> String? {
        guard let first, let second else { return first ?? second }
        return first + (language == .ja ? "" : " ") + second
    }

    /// The parts for one EHLO keyword (AUTH: the keyword, then each mechanism).
    func keywordParts(_ capability: Capability) -> [Explanation.Part] {
        let keyword = capability.keyword
        var parts: [Explanation.Part] = []
        let values: (Language) -> [String: String]
        if keyword == Capability.size {
            // Only what the server said: its limit, or that it gave none.
            values = { language in
                switch SizeLimit(parameters: capability.parameters) {
                case .limit(let octets):
                    ["size": message("ehlo-size-limit", in: language, ["size": ReadableSize.format(octets, in: language)])]
                case .noFixedLimit where capability.parameters.isEmpty:
                    ["size": message("ehlo-size-unstated", in: language)]
                case .noFixedLimit, .invalid:
                    ["size": message("ehlo-size-no-limit", in: language)]
                }
            }
        } else {
            values = { _ in [:] }
        }
        if keyword == Capability.size, case .invalid(let text) = SizeLimit(parameters: capability.parameters) {
            // `SIZE -1`, `SIZE 99999999999999999999`: not a limit, whatever the entry would say.
            parts.append(Explanation.Part(
                role: .ehloKeyword, key: nil, label: keyword,
                meaning: messages("ehlo-size-invalid", ["value": Placeholders.sanitised(text)])))
        } else if let keywordPart = part(.ehloKeyword(keyword), role: .ehloKeyword, label: keyword, values: values) {
            parts.append(keywordPart)
        } else {
            parts.append(unknownPart(label: keyword))
        }
        if keyword == Capability.auth {
            for mechanism in capability.parameters.map({ $0.uppercased() }) {
                let label = "AUTH \(Placeholders.sanitised(mechanism))"
                if let key = CatalogKey("ehlo.AUTH.\(mechanism)"),
                    let mechanismPart = part(key, role: .authMechanism, label: label)
                {
                    parts.append(mechanismPart)
                } else {
                    parts.append(unknownPart(label: label))
                }
            }
        }
        return parts
    }

    private func unknownPart(label: String) -> Explanation.Part {
        Explanation.Part(
            role: .unknownKeyword,
            key: nil,
            label: Placeholders.sanitised(label),
            meaning: messages("not-in-catalogue")
        )
    }

    /// A part from the entry with `key`, if there is one.
    func part(
        _ key: CatalogKey?,
        languages: [Language] = Language.allCases,
        role: Explanation.Part.Role,
        label: String,
        values: (Language) -> [String: String] = { _ in [:] }
    ) -> Explanation.Part? {
        key.flatMap { self[$0] }.map { part($0, role: role, label: label, languages: languages, values: values) }
    }

    func part(
        _ entry: CatalogEntry,
        role: Explanation.Part.Role,
        label: String,
        languages: [Language] = Language.allCases,
        values: (Language) -> [String: String] = { _ in [:] }
    ) -> Explanation.Part {
        var meaning: [Language: String] = [:]
        var hint: [Language: String] = [:]
        var cause: [Language: String] = [:]
        for language in languages {
            let filled = values(language)
            meaning[language] = entry.meaning[language].map { Placeholders.fill($0, with: filled) }
            hint[language] = entry.hint[language].map { Placeholders.fill($0, with: filled) }
            cause[language] = entry.cause[language].map { Placeholders.fill($0, with: filled) }
        }
        return Explanation.Part(role: role, key: entry.key.rawValue, label: label, meaning: meaning, hint: hint, cause: cause)
    }

    /// `message.NAME` in every language.
    func messages(_ name: String, _ values: [String: String] = [:]) -> [Language: String] {
        var texts: [Language: String] = [:]
        for language in Language.allCases { texts[language] = message(name, in: language, values) }
        return texts
    }

    /// Keeps the hint and cause of the first part that has a hint (the most specific), drops
    /// the others'.
    private func withOneHint(_ parts: [Explanation.Part], options: ExplainOptions) -> [Explanation.Part] {
        var parts = parts
        var kept = !options.hints
        for index in parts.indices {
            if kept {
                parts[index].hint = [:]
                parts[index].cause = [:]
            } else if !parts[index].hint.isEmpty {
                kept = true
            }
        }
        return parts
    }

    /// EHLO keywords: every hint with full detail, none when concise.
    private func withKeywordHints(_ parts: [Explanation.Part], options: ExplainOptions) -> [Explanation.Part] {
        guard options.detail == .concise || !options.hints else { return parts }
        return parts.map { part in
            var part = part
            part.hint = [:]
            return part
        }
    }
}
