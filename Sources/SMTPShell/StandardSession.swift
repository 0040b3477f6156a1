#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
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
        /// `--xclient`: XCLIENT, then EHLO again.
        case xclient
        case auth
        case mail
        case rcpt
        case data
        case dot
        /// LMTP: the message was delivered to some of its recipients, not all.
        case delivery
        case quit

        /// What `smtpsh send` exits with when this stage's reply is not the expected one.
        var exitStatus: ExitStatus {
            switch self {
            case .greeting: .greetingRefused
            case .ehlo: .helloRefused
            case .tls: .startTLSRefused
            case .xclient: .xclientRefused
            case .auth: .authRefused
            case .mail: .mailRefused
            case .rcpt: .recipientRefused
            case .data: .dataRefused
            case .dot: .messageRefused
            case .delivery: .notAllDelivered
            case .quit: .negativeReply
            }
        }
    }

    /// The name to greet with; `nil`: the session's (``ClientSession/ehloName``).
    var ehloName: String?
    var startTLS = false
    /// `--xclient`: after EHLO (and STARTTLS), XCLIENT, then EHLO again once it is accepted.
    var xclient: XClientCommand?
    /// AUTH after EHLO (and STARTTLS, XCLIENT), through the ``CredentialGate``.
    var auth: Authentication?
    /// `--raw-data FILE`: after 354, the file's bytes exactly (it ends the data itself).
    var rawData: [UInt8]?

    /// What AUTH needs: the mechanism for the gate, then the exchange, asked for only once
    /// the gate let it through (at a terminal, the secret is asked for then).
    struct Authentication {
        var mechanism: SASLMechanism
        var gate: CredentialGate
        /// The exchange with its secret; `nil` when the user gave none.
        var exchange: @Sendable () -> SASLExchange?
    }
    var from: String
    var recipients: [String]
    var mailParameters: [String] = []
    var recipientParameters: [String] = []
    /// The message's lines, without line ends (dot-stuffing is done when they are sent).
    var message: [String]
    /// `--data FILE|-`: the message streamed from the file instead (any size, bounded memory).
    var dataFile: String?
    /// `--attach FILE`: the message sent as MIME multipart, ``message`` its text, each file
    /// streamed in base64 after it (``MultipartMessage``).
    var attachments: [MultipartMessage.Attachment] = []
    /// Stop after this stage (then QUIT).
    var quitAfter: Stage?
    /// `--pipeline`: MAIL, every RCPT and DATA (or BDAT) in one go when the server offers
    /// PIPELINING (RFC 2920), and the next message's envelope right behind the final dot.
    var pipelining = false
    /// `--bdat`: the message in one `BDAT n LAST` chunk (RFC 3030) instead of DATA.
    var chunking = false
    /// Messages sent on the connection, one after the other.
    var count = 1
    /// Which steps to run: the interactive `:hello`, `:envelope` and `:data` run one each.
    var parts: Set<Part> = [.hello, .envelope, .message]

    enum Part: Hashable, Sendable {
        /// The greeting, EHLO (or HELO), STARTTLS and EHLO again, AUTH.
        case hello
        /// MAIL FROM and RCPT TO.
        case envelope
        /// DATA, the message and the final dot (or BDAT).
        case message
    }

    enum Outcome: Equatable {
        case completed
        /// A reply was not the expected one at this stage; the session is still open.
        case refused(Stage)
        /// The connection closed, a reply timed out, or TLS failed.
        case ended
        /// AUTH was not sent: the gate withheld the credentials (no terminal, no
        /// `--auth-insecure`), or the user said no or gave no secret. Nothing was sent.
        case authNotSent(CredentialGate.Decision)
    }

    /// Runs the steps; returns how far it got. Leaves the session open (QUIT is the caller's).
    func run(on session: ClientSession) -> Outcome {
        if parts.contains(.hello) {
            if let stop = hello(on: session) { return stop }
            if let quitAfter, [.greeting, .ehlo, .tls, .xclient, .auth].contains(quitAfter) { return .completed }
        }
        guard parts.contains(.envelope) || parts.contains(.message) else { return .completed }
        // A transaction left open (a `:send` that stopped at RCPT): RSET first, or MAIL would
        // get "503 nested MAIL command".
        if parts.contains(.envelope), session.state.phase.inMailTransaction {
            session.note("send-rset-first")
            guard let ticket = session.submit("RSET", shown: true, track: true).ticket, let reply = Self.reply(to: ticket, on: session)
            else { return .ended }
            guard reply.code.replyClass == .positiveCompletion else { return .refused(.mail) }
        }
        let pipelined = pipelining && (session.state.capabilities?.supports("PIPELINING") ?? false)
        if pipelining && !pipelined { session.note("send-no-pipelining") }
        if chunking && !(session.state.capabilities?.supports("CHUNKING") ?? false) {
            session.note("send-no-chunking")
        }
        var checks: [Check] = []
        // A --data file of up to 64 KiB is read and encoded once, and each message leaves
        // with its dot (and the next pipelined envelope) in one write; a larger one, or
        // standard input, is streamed.
        let encoded = dataFile.flatMap { $0 == "-" ? nil : Self.encodedIfSmall($0) }
        for number in 0..<max(count, 1) {
            let last = number == max(count, 1) - 1
            if let stop = transaction(
                on: session, message: numbered(number), encoded: encoded, pipelined: pipelined, checks: &checks, last: last)
            {
                return stop
            }
            if quitAfter == .mail || quitAfter == .rcpt { break }
        }
        return .completed
    }

    /// One reply still to check: its ticket, and the stage it belongs to.
    struct Check {
        var ticket: ClientSession.ReplyTicket
        var stage: Stage
        /// 354 for DATA, else any 2xx.
        var intermediate: Bool
    }

    /// The greeting, EHLO (HELO after a 5xx), STARTTLS and EHLO again, AUTH; `nil` when all
    /// went as expected.
    func hello(on session: ClientSession) -> Outcome? {
        /// The reply's code; `nil` when none came (a timeout, or a close before any reply).
        /// A reply followed by the close (421) still counts: it says which stage failed.
        func send(_ line: String) -> ReplyCode? {
            guard let ticket = session.submit(line, shown: true, track: true).ticket else { return nil }
            return Self.reply(to: ticket, on: session)?.code
        }
        guard session.waitUntilSettled() != .timedOut, let greeting = session.greeting else { return .ended }
        guard greeting.code.replyClass == .positiveCompletion else { return .refused(.greeting) }
        if quitAfter == .greeting { return nil }

        let ehloName = self.ehloName ?? session.ehloName ?? "localhost.localdomain"
        // LMTP greets with LHLO, and has no HELO to fall back on (RFC 2033, 4.1).
        let hello = session.options.lmtp ? "LHLO " : "EHLO "
        guard var code = send(hello + ehloName) else { return .ended }
        if code.replyClass == .permanentNegative && !session.options.lmtp {
            session.note("send-helo-fallback")
            guard let helo = send("HELO " + ehloName) else { return .ended }
            code = helo
        }
        guard code.replyClass == .positiveCompletion else { return .refused(.ehlo) }
        if quitAfter == .ehlo { return nil }

        if startTLS && !session.state.isTLS {
            guard let reply = send("STARTTLS") else { return .ended }
            guard reply == .serviceReady else { return .refused(.tls) }
            if session.tlsFailure != nil { return .ended }
            guard let again = send(hello + ehloName) else { return .ended }
            guard again.replyClass == .positiveCompletion else { return .refused(.ehlo) }
            if quitAfter == .tls { return nil }
        }

        if let xclient {
            // Postfix answers 220 and starts the session again, as for the client named.
            guard let reply = send(xclient.line) else { return .ended }
            guard reply == .serviceReady else { return .refused(.xclient) }
            guard let again = send(hello + ehloName) else { return .ended }
            guard again.replyClass == .positiveCompletion else { return .refused(.ehlo) }
        }

        if let auth, !session.state.isAuthenticated {
            let decision = auth.gate.check(session, mechanism: auth.mechanism)
            guard decision == .go else { return .authNotSent(decision) }
            guard let exchange = auth.exchange() else { return .authNotSent(.cancelled) }
            let ticket = session.authenticate(exchange, adviceShown: true)
            guard let reply = Self.reply(to: ticket, on: session) else { return .ended }
            guard reply.code == .authenticationSucceeded else { return .refused(.auth) }
        }
        return nil
    }

    /// MAIL, RCPT…, DATA, the message and the dot (or BDAT): one message. Pipelined, the
    /// envelope goes out behind the previous message's dot and is checked with it.
    /// The message to send as number `number`: each has its own Message-ID (`<N.id>`), as
    /// servers drop a second message with the same one.
    private func numbered(_ number: Int) -> [String] {
        guard number > 0, let index = message.prefix(while: { !$0.isEmpty }).firstIndex(where: { $0.lowercased().hasPrefix("message-id: <") }) else {
            return message
        }
        var copy = message
        copy[index] = "Message-ID: <\(number)." + copy[index].dropFirst("Message-ID: <".count)
        return copy
    }

    private func transaction(
        on session: ClientSession, message: [String], encoded: [UInt8]?, pipelined: Bool, checks: inout [Check], last: Bool
    ) -> Outcome? {
        func expect(_ ticket: ClientSession.ReplyTicket?, _ stage: Stage, intermediate: Bool = false) {
            guard let ticket else { return }
            checks.append(Check(ticket: ticket, stage: stage, intermediate: intermediate))
        }
        /// Waits and checks every reply expected so far.
        func verify() -> Outcome? {
            session.releaseWrites()
            // Closed: the replies that came first still say which stage failed (a 421, then the close).
            let settled = session.waitUntilSettled()
            let replies = checks.map { session.reply(for: $0.ticket) }
            defer { checks = [] }
            guard settled != .timedOut else { return .ended }
            guard !checks.isEmpty else { return settled == .idle ? nil : .ended }
            var outcome: Outcome?
            var acceptedRecipients = 0
            for (check, state) in zip(checks, replies) {
                guard case .answered(let reply) = state else { return .ended }
                let code = reply.code
                var good = check.intermediate ? code == .startMailInput : code.replyClass == .positiveCompletion
                if good && check.stage == .rcpt { acceptedRecipients += 1 }
                var stage = check.stage
                if check.stage == .dot, session.options.lmtp, case let deliveries = session.state.deliveries, !deliveries.isEmpty {
                    // LMTP: the dot's ticket has the last recipient's reply; each one counts.
                    let delivered = deliveries.count(where: \.delivered)
                    good = delivered == deliveries.count
                    if delivered > 0 { stage = .delivery }
                }
                if !good && outcome == nil { outcome = .refused(stage) }
            }
            if outcome != nil { abandonData(on: session, acceptedRecipients: acceptedRecipients) }
            if outcome == nil && settled != .idle { return .ended }
            return outcome
        }

        if parts.contains(.envelope) {
            // Pipelined, the envelope leaves in one write (verify() releases it).
            if pipelined { session.holdWritesUntilReleased() }
            var parameters = mailParameters
            // 8-bit content: BODY=8BITMIME when the server offers it and the user gave no BODY.
            if !parameters.contains(where: { $0.uppercased().hasPrefix("BODY=") }),
                session.state.capabilities?.supports("8BITMIME") == true,
                message.contains(where: { $0.utf8.contains(where: { $0 >= 0x80 }) })
            {
                parameters.append("BODY=8BITMIME")
            }
            let mail = (["MAIL FROM:<\(from)>"] + parameters).joined(separator: " ")
            expect(session.submit(mail, shown: true, pipelined: pipelined, track: true).ticket, .mail)
            if !pipelined, let stop = verify() { return stop }
            if quitAfter == .mail { return verify() }
            // `--quit-after rcpt` probes every recipient, whatever the replies before.
            let probing = quitAfter == .rcpt && recipients.count > 1
            var probed: [(recipient: String, ticket: ClientSession.ReplyTicket?)] = []
            for recipient in recipients {
                let rcpt = (["RCPT TO:<\(recipient)>"] + recipientParameters).joined(separator: " ")
                let ticket = session.submit(rcpt, shown: true, pipelined: pipelined, track: true).ticket
                if probing {
                    probed.append((recipient, ticket))
                    continue
                }
                expect(ticket, .rcpt)
                if !pipelined, let stop = verify() { return stop }
            }
            if probing {
                // MAIL's reply (pipelined, still to check) first.
                if let stop = verify() { return stop }
                return probe(probed, on: session)
            }
            // BDAT: the previous chunk and this envelope have left together; the chunk goes next.
            if chunking { session.releaseWrites() }
            if quitAfter == .rcpt { return verify() }
        }
        guard parts.contains(.message) else { return verify() }
        if chunking {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(message.reduce(0) { $0 + $1.utf8.count + 2 })
            for line in message { bytes += line.utf8; bytes += [13, 10] }
            session.holdWritesUntilReleased()
            expect(session.submitChunk(bytes, last: true, pipelined: pipelined), .dot)
            return pipelined && !last ? nil : verify()
        }
        expect(session.submit("DATA", shown: true, pipelined: pipelined, track: true).ticket, .data, intermediate: true)
        // The message goes out after 354, so DATA's reply (and the envelope's) come first.
        if let stop = verify() { return stop }
        if let rawData {
            // The file ends the data itself: the first reply its bytes call for is the message's.
            guard let ticket = session.submitRaw(rawData, track: true) else { return verify() }
            expect(ticket, .dot)
            let outcome = verify()
            // A server that read the bytes otherwise (smuggled commands) answers more: shown now.
            session.lingerForReplies()
            return outcome
        }
        if let dataFile, encoded == nil {
            guard Self.stream(dataFile, on: session) else { return .ended }
        } else if dataFile == nil, !attachments.isEmpty {
            guard Self.stream(MultipartMessage(message: message, attachments: attachments), on: session) else { return .ended }
        }
        // The message, its dot and (pipelined) the next envelope leave in one write.
        session.holdWritesUntilReleased()
        if let encoded {
            session.submitMessageData(encoded)
        } else if dataFile == nil && attachments.isEmpty {
            session.submit(lines: message, shown: true, content: true)
        }
        expect(session.submit(".", shown: true, track: true).ticket, .dot)
        // Pipelined, the next envelope follows the dot at once: its replies are checked together.
        return pipelined && !last ? nil : verify()
    }

    /// `--quit-after rcpt` with several recipients: each one's reply, then which were refused.
    private func probe(_ probed: [(recipient: String, ticket: ClientSession.ReplyTicket?)], on session: ClientSession) -> Outcome {
        session.releaseWrites()
        let settled = session.waitUntilSettled()
        var refused: [String] = []
        var answered = 0
        for (recipient, ticket) in probed {
            guard let ticket, case .answered(let reply) = session.reply(for: ticket) else { continue }
            answered += 1
            if !reply.code.replyClass.isPositive { refused.append(recipient) }
        }
        guard answered == probed.count, settled != .timedOut else { return .ended }
        if refused.isEmpty {
            session.note("send-probe-all-accepted", ["count": String(probed.count)])
            return .completed
        }
        session.warn("send-probe-refused", [
            "refused": String(refused.count), "count": String(probed.count), "addresses": refused.map(VisibleText.escape).joined(separator: ", "),
        ])
        return .refused(.rcpt)
    }

    /// Waits until the session settles, then the reply to `ticket`; `nil` when none came (a
    /// timeout, or a close first). A reply followed by the close (421) still counts.
    static func reply(to ticket: ClientSession.ReplyTicket, on session: ClientSession) -> Reply? {
        let settled = session.waitUntilSettled()
        guard case .answered(let reply) = session.reply(for: ticket), settled != .timedOut else { return nil }
        return reply
    }

    /// A message file of 64 KiB at most, as it goes after 354: dot-stuffed, CRLF line ends,
    /// without the final dot; `nil` for a larger file or one that cannot be read (streamed,
    /// or refused, when the time comes).
    static func encodedIfSmall(_ file: String) -> [UInt8]? {
        guard let data = BoundedRead.contents(of: file, limit: 65_537), data.count <= 65_536 else { return nil }
        return Array(MessageDataEncoder.encode(data).dropLast(3))  // ".\r\n": the caller's
    }

    /// Streams a message file (or standard input) after 354, 64 KiB at a time.
    static func stream(_ file: String, on session: ClientSession) -> Bool {
        guard let input = InputFile(path: file) else {
            session.warn("usage-cannot-read", ["file": VisibleTextShort.of(file)])
            return false
        }
        defer { input.close() }
        return session.streamMessage {
            guard let chunk = input.read(upTo: 65_536), !chunk.isEmpty else { return nil }
            return chunk
        }
    }

    /// Streams a multipart message; a file that cannot be read stops it: the connection is
    /// closed before the final dot, so that no partial message is delivered.
    static func stream(_ multipart: MultipartMessage, on session: ClientSession) -> Bool {
        var pieces = MultipartMessage.Pieces(multipart)
        let streamed = session.streamMessage(shownLines: 40) { pieces.nextPiece() }
        if let failed = pieces.failed {
            session.warn("send-attachment-unreadable", ["file": VisibleTextShort.of(failed)])
            session.close()
            session.waitUntilClosed(limit: 2)
            return false
        }
        return streamed
    }

    /// Pipelined, DATA may have been accepted (354) though a recipient was refused: the
    /// server now waits for the message. With no recipient accepted, a lone "." ends it
    /// (nothing can be delivered); otherwise the connection is closed, so that the server
    /// drops the transaction rather than deliver to some recipients only.
    private func abandonData(on session: ClientSession, acceptedRecipients: Int) {
        guard session.inputMode == .messageBody else { return }
        if acceptedRecipients == 0 {
            session.note("send-data-ended-empty")
            session.submit(".", shown: true)
            _ = session.waitUntilSettled()
        } else {
            session.warn("send-data-abandoned")
            session.close()
            // Closed before anything else is read or sent: nothing goes into a closed socket.
            session.waitUntilClosed(limit: 2)
        }
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
            let name = header[..<colon].trimmingSpaces
            let value = header[header.index(after: colon)...].trimmingSpaces
            if let index = fields.firstIndex(where: { $0.0.lowercased() == name.lowercased() }) {
                fields[index].1 = value
            } else {
                fields.append((name, value))
            }
        }
        // An 8-bit body (a translated default, UTF-8 text) says so (RFC 2045; RFC 6152 for MAIL).
        if body.contains(where: { $0.utf8.contains(where: { $0 >= 0x80 }) }) && !fields.contains(where: { $0.0.lowercased() == "content-transfer-encoding" }) {
            fields.append(("Content-Transfer-Encoding", "8bit"))
        }
        return fields.map { "\($0.0): \($0.1)" } + [""] + body
    }

    /// `Sun, 22 Nov 2026 12:30:05 +0000` (RFC 5322, 3.3), in UTC, without the locale.
    static func rfc5322Date(_ date: Date) -> String {
        UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down))).rfc5322
    }
}
