import Foundation
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The standard session, step by step, on a ``ClientSession``: the greeting, EHLO (HELO when
/// an old server refuses it), STARTTLS and EHLO again, AUTH, MAIL FROM, one RCPT TO per
/// recipient, DATA, the message, the final dot, QUIT. Each step is shown as if typed, with
/// its reply (and its explanation); the first reply that is not the expected one stops it.
struct StandardSession {
    enum Stage: String, CaseIterable, Sendable {
        case greeting
        case ehlo
        case tls
        case auth
        case mail
        case rcpt
        case data
        case dot
        case quit

        /// What `smtpsh send` exits with when this stage's reply is not the expected one.
        var exitStatus: ExitStatus {
            switch self {
            case .greeting: .greetingRefused
            case .ehlo: .helloRefused
            case .tls: .startTLSRefused
            case .auth: .authRefused
            case .mail: .mailRefused
            case .rcpt: .recipientRefused
            case .data: .dataRefused
            case .dot: .messageRefused
            case .quit: .negativeReply
            }
        }
    }

    var ehloName: String
    var startTLS = false
    var auth: SASLExchange?
    var from: String
    var recipients: [String]
    var mailParameters: [String] = []
    var recipientParameters: [String] = []
    /// The message's lines, without line ends (dot-stuffing is done when they are sent).
    var message: [String]
    /// Stop after this stage (then QUIT).
    var quitAfter: Stage?

    enum Outcome: Equatable {
        case completed
        /// A reply was not the expected one at this stage; the session is still open.
        case refused(Stage)
        /// The connection closed, a reply timed out, or TLS failed.
        case ended
    }

    /// Runs the steps; returns how far it got. Leaves the session open (QUIT is the caller's).
    func run(on session: ClientSession) -> Outcome {
        func settle() -> Bool { session.waitUntilSettled() == .idle }
        func lastCode() -> ReplyCode? { session.lastReply?.code }
        func send(_ line: String) -> ReplyCode? {
            session.submit(line)
            return settle() ? lastCode() : nil
        }

        guard settle() else { return .ended }
        guard lastCode()?.replyClass == .positiveCompletion else { return .refused(.greeting) }
        if quitAfter == .greeting { return .completed }

        guard var code = send("EHLO " + ehloName) else { return .ended }
        if code.replyClass == .permanentNegative {
            session.note(Words["send-helo-fallback"])
            guard let helo = send("HELO " + ehloName) else { return .ended }
            code = helo
        }
        guard code.replyClass == .positiveCompletion else { return .refused(.ehlo) }
        if quitAfter == .ehlo { return .completed }

        if startTLS {
            guard let reply = send("STARTTLS") else { return .ended }
            guard reply == .serviceReady else { return .refused(.tls) }
            if session.tlsFailure != nil { return .ended }
            guard let again = send("EHLO " + ehloName) else { return .ended }
            guard again.replyClass == .positiveCompletion else { return .refused(.ehlo) }
            if quitAfter == .tls { return .completed }
        }

        if let auth {
            session.authenticate(auth)
            guard settle() else { return .ended }
            guard lastCode() == .authenticationSucceeded else { return .refused(.auth) }
            if quitAfter == .auth { return .completed }
        }

        let mail = (["MAIL FROM:<\(from)>"] + mailParameters).joined(separator: " ")
        guard let mailCode = send(mail) else { return .ended }
        guard mailCode.replyClass == .positiveCompletion else { return .refused(.mail) }
        if quitAfter == .mail { return .completed }

        for recipient in recipients {
            let rcpt = (["RCPT TO:<\(recipient)>"] + recipientParameters).joined(separator: " ")
            guard let rcptCode = send(rcpt) else { return .ended }
            guard rcptCode.replyClass == .positiveCompletion else { return .refused(.rcpt) }
        }
        if quitAfter == .rcpt { return .completed }

        guard let dataCode = send("DATA") else { return .ended }
        guard dataCode == .startMailInput else { return .refused(.data) }
        for line in message { session.submit(line) }
        guard let end = send(".") else { return .ended }
        guard end.replyClass == .positiveCompletion else { return .refused(.dot) }
        return .completed
    }

    /// A valid RFC 5322 message (Date, Message-ID, From, To, Subject), so real servers accept
    /// it; `headers` are added after those (a header given replaces the default of that name).
    static func message(from: String, to recipients: [String], subject: String, headers: [String], body: [String], domain: String, now: Date = Date()) -> [String] {
        var fields: [(String, String)] = [
            ("Date", rfc5322Date(now)),
            ("Message-ID", "<\(UInt64.random(in: 1...UInt64.max)).\(Int(now.timeIntervalSince1970))@\(domain)>"),
            ("From", "<\(from)>"),
            ("To", recipients.map { "<\($0)>" }.joined(separator: ", ")),
            ("Subject", subject),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
        ]
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else { continue }
            let name = String(header[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if let index = fields.firstIndex(where: { $0.0.lowercased() == name.lowercased() }) {
                fields[index].1 = value
            } else {
                fields.append((name, value))
            }
        }
        return fields.map { "\($0.0): \($0.1)" } + [""] + body
    }

    /// `Sun, 22 Nov 2026 12:30:05 +0000` (RFC 5322, 3.3), in UTC, without the locale.
    static func rfc5322Date(_ date: Date) -> String {
        UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down))).rfc5322
    }
}
