import SMTPCore

/// The words for ``SequenceAdvice`` (the catalogue translates them later).
public enum AdviceText {
    public static func english(_ advice: SequenceAdvice) -> String {
        let text: String
        switch advice {
        case .beforeGreeting: text = "the server has not greeted yet; smtpsh holds the line until it does"
        case .helloFirst: text = "EHLO or HELO comes first"
        case .mailFirst: text = "no MAIL FROM accepted yet"
        case .recipientFirst: text = "no RCPT TO accepted yet"
        case .nestedMail: text = "a mail transaction is already open (RSET first)"
        case .duringMailTransaction: text = "not allowed inside a mail transaction (RSET first)"
        case .alreadyTLS: text = "TLS is already on"
        case .alreadyAuthenticated: text = "already authenticated"
        case .notAdvertised(let keyword): text = "the server did not advertise \(keyword) in its EHLO reply"
        case .mechanismNotAdvertised(let mechanism): text = "the server did not offer AUTH \(mechanism)"
        case .credentialsInClear: text = "credentials over a connection without TLS can be read by anyone on the path"
        case .needsSMTPUTF8: text = "a non-ASCII address needs MAIL FROM:<…> SMTPUTF8"
        case .messageTooBig(let declared, let limit): text = "SIZE=\(declared) is over the server's limit of \(limit) octets"
        case .missingAngleBrackets(let verb): text = "\(verb) needs the address in angle brackets (\(verb == "RCPT" ? "RCPT TO:<bob@example.org>" : "MAIL FROM:<alice@example.org>"))"
        case .missingArgument(let verb): text = "\(verb) needs an argument"
        case .syntax(let verb): text = "this \(verb) line does not follow RFC 5321's syntax"
        case .lineTooLong(let length): text = "this line is \(length) octets; RFC 5321 allows 998 plus CRLF"
        case .commandLineTooLong(let length): text = "this command line is \(length) octets; RFC 5321 allows 510 plus CRLF"
        case .sessionClosed: text = "the session is closed"
        }
        guard let code = advice.likelyReply else { return text }
        return "\(text): the server will likely answer \(code)"
    }
}
