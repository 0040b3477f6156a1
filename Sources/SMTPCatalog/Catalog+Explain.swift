import SMTPCore

/// How a reply finds its explanation: most specific first.
///
/// 1. the appliance's reply line, recognised by its text (`appliance.*`);
/// 2. the enhanced status code: `enhanced.S.D`, else its subject `enhanced-subject.S`;
/// 3. the basic code: `basic.NNN`, else its class `class.N` and category `category.N`;
/// 4. the class meaning (`class.N`, or `enhanced-class.N` for a bare enhanced code).
///
/// With ``ExplainOptions/Detail/concise`` a vendor text stands alone (it says everything),
/// unless its pattern is generic (`250 {host}`: any server could send that line), and an
/// `X.0.0` code, which adds nothing, is left out; the class meaning only comes with a bare
/// enhanced code. Hints: the most specific part's, one per explanation.
extension Catalog {
    /// Explains a reply as received. A `334` challenge is decoded (AUTH LOGIN asks
    /// "Username:" in base64); for the reply to EHLO, use ``explainEHLO(_:options:)``.
    public func explain(_ reply: Reply, options: ExplainOptions = .concise) -> Explanation {
        let code = reply.code
        if code == .authChallenge {
            return explain(authChallenge: reply.lines[0].textString, options: options)
        }
        var vendor: VendorMatch?
        if options.vendorTexts, let match = applianceMatch(in: reply, allowingGeneric: options.genericVendorTexts) {
            vendor = VendorMatch(entry: match.entry, values: match.values, isGeneric: match.isGeneric)
        }
        let enhanced = reply.enhancedStatusCode
        let parts = codeParts(code: code, enhanced: enhanced, vendor: vendor, options: options)
        return Explanation(subject: .reply(code, enhanced), parts: parts)
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
            if let key = keys.first(where: { key in
                if case .authChallenge(let prompt) = key.kind { return prompt.lowercased() == wanted }
                return false
            }), let entry = self[key] {

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

    struct VendorMatch {
        var entry: CatalogEntry
        var values: [String: String]
        var isGeneric: Bool
    }

    func codeParts(
        code: ReplyCode?,
        enhanced: EnhancedStatusCode?,
        vendor: VendorMatch?,
        options: ExplainOptions
    ) -> [Explanation.Part] {
        var parts: [Explanation.Part] = []
        if let vendor {
            let values = vendor.values.mapValues(Placeholders.sanitised)
            parts.append(part(vendor.entry, role: .vendorText, label: "", values: { _ in values }))
        }
        let vendorSaysAll = vendor.map { !$0.isGeneric } ?? false
        if vendorSaysAll && options.detail == .concise {
            return withOneHint(parts, options: options)
        }
        if let enhanced {
            let concise = options.detail == .concise
            if concise && code != nil && enhanced.subject == 0 && enhanced.detail == 0 {
                // X.0.0 says no more than the basic code.
            } else if let key = CatalogKey.enhanced(subject: enhanced.subject, detail: enhanced.detail), let entry = self[key] {
                var detail = part(entry, role: .enhancedCode, label: enhanced.description)
                if let note = registryNote(entry.classes, received: enhanced.statusClass) {
                    for language in Language.allCases {
                        detail.meaning[language] = Self.sentences(detail.meaning[language], note[language], in: language)
                    }
                    // A code registered for failures, sent with a success: its hint says what
                    // to fix, and nothing failed (`252 2.5.2`); the next part's hint is shown.
                    if enhanced.statusClass == .success, !entry.classes.contains(.success) { detail.hint = [:] }
                }
                parts.append(detail)
            } else if let subject = part(
                .enhancedSubject(enhanced.subject),
                role: .enhancedSubject,
                label: "X.\(enhanced.subject).X"
            ) {
                parts.append(subject)
            }
        }
        var basicFound = false
        if let code {
            if let basic = part(.basic(code.rawValue), role: .basicCode, label: String(code.rawValue)) {
                parts.append(basic)
                basicFound = true
            } else {
                if let replyClass = part(
                    .replyClass(code.replyClass.rawValue), role: .replyClass, label: "\(code.replyClass.rawValue)yz")
                {
                    parts.append(replyClass)
                }
                let category = (code.rawValue / 10) % 10
                if let category = part(.replyCategory(category), role: .replyCategory, label: "x\(category)z") {
                    parts.append(category)
                }
            }
        }
        if let enhanced, code == nil {
            let digit = enhanced.statusClass.rawValue
            if let enhancedClass = part(.enhancedClass(digit), role: .enhancedClass, label: "\(digit).X.X") {
                parts.append(enhancedClass)
            }
        } else if let code, basicFound, options.detail == .full {
            let digit = code.replyClass.rawValue
            if let replyClass = part(.replyClass(digit), role: .replyClass, label: "\(digit)yz") {
                parts.append(replyClass)
            }
        }
        return withOneHint(parts, options: options)
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
            values = { language in
                ["size": Self.readable(SizeLimit(parameters: capability.parameters), capability, language)]
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

    private static func readable(_ limit: SizeLimit, _ capability: Capability, _ language: Language) -> String {
        switch limit {
        case .limit(let octets): ReadableSize.format(octets, in: language)
        case .noFixedLimit: capability.parameters.first ?? "…"
        case .invalid(let text): Placeholders.sanitised(text)
        }
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
        role: Explanation.Part.Role,
        label: String,
        values: (Language) -> [String: String] = { _ in [:] }
    ) -> Explanation.Part? {
        key.flatMap { self[$0] }.map { part($0, role: role, label: label, values: values) }
    }

    func part(
        _ entry: CatalogEntry,
        role: Explanation.Part.Role,
        label: String,
        values: (Language) -> [String: String] = { _ in [:] }
    ) -> Explanation.Part {
        var meaning: [Language: String] = [:]
        var hint: [Language: String] = [:]
        for language in Language.allCases {
            let filled = values(language)
            meaning[language] = entry.meaning[language].map { Placeholders.fill($0, with: filled) }
            hint[language] = entry.hint[language].map { Placeholders.fill($0, with: filled) }
        }
        return Explanation.Part(role: role, key: entry.key.rawValue, label: label, meaning: meaning, hint: hint)
    }

    /// `message.NAME` in every language.
    func messages(_ name: String, _ values: [String: String] = [:]) -> [Language: String] {
        var texts: [Language: String] = [:]
        for language in Language.allCases { texts[language] = message(name, in: language, values) }
        return texts
    }

    /// Keeps the hint of the first part that has one (the most specific), drops the others.
    private func withOneHint(_ parts: [Explanation.Part], options: ExplainOptions) -> [Explanation.Part] {
        var parts = parts
        var kept = !options.hints
        for index in parts.indices {
            if kept {
                parts[index].hint = [:]
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
