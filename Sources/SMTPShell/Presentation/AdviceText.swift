import SMTPCatalog
import SMTPCore

/// The words for ``SequenceAdvice``, in the user's language (`session.catalog`).
enum AdviceText {
    /// The advice, and the reply it will likely get: `no MAIL FROM accepted yet: the server
    /// will likely answer 503`.
    static func text(_ advice: SequenceAdvice) -> String {
        let text = message(advice).text
        guard let code = advice.likelyReply else { return text }
        return Words["advice-likely-reply", ["advice": text, "code": String(code.rawValue)]]
    }

    /// The advice's own message, with its parameters.
    static func message(_ advice: SequenceAdvice) -> CatalogMessage {
        switch advice {
        case .beforeGreeting: CatalogMessage("advice-before-greeting")
        case .helloFirst: CatalogMessage("advice-hello-first")
        case .mailFirst: CatalogMessage("advice-mail-first")
        case .recipientFirst: CatalogMessage("advice-recipient-first")
        case .nestedMail: CatalogMessage("advice-nested-mail")
        case .duringMailTransaction: CatalogMessage("advice-during-transaction")
        case .alreadyTLS: CatalogMessage("advice-already-tls")
        case .alreadyAuthenticated: CatalogMessage("advice-already-authenticated")
        case .notAdvertised(let keyword): CatalogMessage("advice-not-advertised", ["keyword": keyword])
        case .xclientAttributesNotOffered(let names, let offered):
            CatalogMessage("advice-xclient-attributes", ["attributes": names.map(VisibleText.escape).joined(separator: " "), "offered": offered.joined(separator: " ")])
        case .mechanismNotAdvertised(let mechanism): CatalogMessage("advice-mechanism-not-advertised", ["mechanism": mechanism])
        case .credentialsInClear: CatalogMessage("advice-credentials-in-clear")
        case .needsSMTPUTF8: CatalogMessage("advice-needs-smtputf8")
        case .messageTooBig(let declared, let limit):
            CatalogMessage("advice-message-too-big", ["declared": String(declared), "limit": String(limit)])
        case .missingAngleBrackets(let verb, let corrected):
            // The user's own line, corrected, when it can be: it can be copied as it is.
            CatalogMessage("advice-missing-angle-brackets", [
                "verb": verb,
                "example": VisibleText.escape(corrected ?? (verb == "RCPT" ? "RCPT TO:<bob@example.org>" : "MAIL FROM:<alice@example.org>")),
            ])
        case .missingArgument(let verb): CatalogMessage("advice-missing-argument", ["verb": verb])
        case .syntax(let verb, let corrected):
            corrected.map { CatalogMessage("advice-syntax-corrected", ["verb": verb, "example": VisibleText.escape($0)]) }
                ?? CatalogMessage("advice-syntax", ["verb": verb])
        case .unknownVerb(let verb, let suggestion):
            CatalogMessage("advice-unknown-verb", ["verb": VisibleText.escape(verb), "suggestion": suggestion])
        case .fullWidth(let corrected): CatalogMessage("advice-full-width", ["line": VisibleText.escape(corrected)])
        case .lineTooLong(let length): CatalogMessage("advice-line-too-long", ["length": String(length)])
        case .commandLineTooLong(let length): CatalogMessage("advice-command-line-too-long", ["length": String(length)])
        case .sessionClosed: CatalogMessage("advice-session-closed")
        }
    }
}
