import SMTPCore

extension Catalog {
    /// The reply to EHLO in one short line per keyword, for a projector or a small terminal
    /// (`--compact`, `--large`): `SIZE  messages up to 52 MB`, `AUTH  logging in, with PLAIN,
    /// LOGIN`. The words are `message.ehlo-brief-KEYWORD` (in `ehlo.catalog`, after the
    /// keywords); a keyword without one gets its full meaning, which the compact layout cuts
    /// to the line (``ExplanationRenderer/compact``). `nil` when the reply is not an EHLO
    /// reply with keywords.
    ///
    /// ```
    /// S: 250-SIZE 52428800      → SIZE   messages up to 52 MB
    /// S: 250 AUTH PLAIN LOGIN   → AUTH   logging in, with PLAIN, LOGIN
    /// ```
    public func briefEHLO(_ reply: Reply) -> Explanation? {
        guard let capabilities = ServerCapabilities(ehloReply: reply), !capabilities.capabilities.isEmpty else { return nil }
        var parts: [Explanation.Part] = []
        var seen: Set<String> = []
        for capability in capabilities.capabilities where seen.insert(capability.keyword).inserted {
            parts.append(briefPart(capability, mechanisms: capabilities.authMechanisms))
        }
        return Explanation(subject: .ehloReply, parts: parts)
    }

    private func briefPart(_ capability: Capability, mechanisms: [String]) -> Explanation.Part {
        let keyword = capability.keyword
        let label = Placeholders.sanitised(keyword)
        let name = "ehlo-brief-" + keyword.lowercased()
        if keyword == Capability.size {
            switch SizeLimit(parameters: capability.parameters) {
            case .limit(let octets):
                var texts: [Language: String] = [:]
                for language in Language.allCases {
                    texts[language] = message(name, in: language, ["size": ReadableSize.format(octets, in: language)])
                }
                return Explanation.Part(role: .ehloKeyword, key: "message." + name, label: label, meaning: texts)
            case .noFixedLimit:
                return Explanation.Part(role: .ehloKeyword, key: "message.ehlo-brief-size-none", label: label, meaning: messages("ehlo-brief-size-none"))
            case .invalid:
                break
            }
        }
        if keyword == Capability.auth {
            let list = mechanisms.map(Placeholders.sanitised).joined(separator: ", ")
            return Explanation.Part(role: .ehloKeyword, key: "message." + name, label: label, meaning: messages(name, ["mechanisms": list]))
        }
        if self["message." + name] != nil {
            return Explanation.Part(role: .ehloKeyword, key: "message." + name, label: label, meaning: messages(name))
        }
        // No brief: the keyword's own meaning, cut to the line by the layout.
        if let full = explain(keywordLine: capability.description, options: ExplainOptions(detail: .concise, vendorTexts: false, hints: false)),
            let first = full.parts.first
        {
            return Explanation.Part(role: first.role, key: first.key, label: label, meaning: first.meaning)
        }
        return Explanation.Part(role: .unknownKeyword, key: nil, label: label, meaning: messages("not-in-catalogue"))
    }
}
