import SMTPCatalog
import SMTPCore

/// The words for ``SequenceAdvice``, in the user's language (`session.catalog`).
public enum AdviceText {
    public static func text(_ advice: SequenceAdvice) -> String {
        let text: String
        switch advice {
        case .beforeGreeting: text = Words["advice-before-greeting"]
        case .helloFirst: text = Words["advice-hello-first"]
        case .mailFirst: text = Words["advice-mail-first"]
        case .recipientFirst: text = Words["advice-recipient-first"]
        case .nestedMail: text = Words["advice-nested-mail"]
        case .duringMailTransaction: text = Words["advice-during-transaction"]
        case .alreadyTLS: text = Words["advice-already-tls"]
        case .alreadyAuthenticated: text = Words["advice-already-authenticated"]
        case .notAdvertised(let keyword): text = Words["advice-not-advertised", ["keyword": keyword]]
        case .mechanismNotAdvertised(let mechanism): text = Words["advice-mechanism-not-advertised", ["mechanism": mechanism]]
        case .credentialsInClear: text = Words["advice-credentials-in-clear"]
        case .needsSMTPUTF8: text = Words["advice-needs-smtputf8"]
        case .messageTooBig(let declared, let limit):
            text = Words["advice-message-too-big", ["declared": String(declared), "limit": String(limit)]]
        case .missingAngleBrackets(let verb, let corrected):
            // The user's own line, corrected, when it can be: it can be copied as it is.
            let example = corrected ?? (verb == "RCPT" ? "RCPT TO:<bob@example.org>" : "MAIL FROM:<alice@example.org>")
            text = Words["advice-missing-angle-brackets", ["verb": verb, "example": VisibleText.escape(example)]]
        case .missingArgument(let verb): text = Words["advice-missing-argument", ["verb": verb]]
        case .syntax(let verb, let corrected):
            text = corrected.map { Words["advice-syntax-corrected", ["verb": verb, "example": VisibleText.escape($0)]] }
                ?? Words["advice-syntax", ["verb": verb]]
        case .unknownVerb(let verb, let suggestion):
            text = Words["advice-unknown-verb", ["verb": VisibleText.escape(verb), "suggestion": suggestion]]
        case .fullWidth(let corrected):
            text = Words["advice-full-width", ["line": VisibleText.escape(corrected)]]
        case .lineTooLong(let length): text = Words["advice-line-too-long", ["length": String(length)]]
        case .commandLineTooLong(let length): text = Words["advice-command-line-too-long", ["length": String(length)]]
        case .sessionClosed: text = Words["advice-session-closed"]
        }
        guard let code = advice.likelyReply else { return text }
        return Words["advice-likely-reply", ["advice": text, "code": String(code.rawValue)]]
    }
}
