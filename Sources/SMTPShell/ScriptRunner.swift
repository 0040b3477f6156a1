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

/// Runs a ``SessionScript`` on a session: sends the client's side, each line shown as if
/// typed, waits for each reply and compares it with the one written in the file. Macros
/// (`:run`) stop at the first reply that differs and leave the session to the user;
/// `smtpsh replay` goes on to the end and counts the differences.
struct ScriptRunner {
    var script: SessionScript
    /// What `${name}` becomes (`--var`, `:run NAME to=…`, then the parameters' defaults).
    var values: [String: String] = [:]
    var comparison: Expectation.Comparison = .code
    var stopOnMismatch = true
    /// For an AUTH whose secret the file does not hold (`AUTH PLAIN ********`).
    var credentials = Credentials()
    /// The file's name, in messages.
    var name: String

    struct Result: Sendable {
        var compared = 0
        var matched = 0
        var differences: [Difference] = []
        /// Why it stopped before the end, if it did (already said on screen).
        var stopped: Stop?
        /// The lines of the file whose reply never came (the session ended first, a message
        /// skipped after a refused DATA, the script stopped before them).
        var notReceived: [Int] = []

        var allMatched: Bool { differences.isEmpty && stopped == nil && notReceived.isEmpty }
        /// Every reply the file expects: as recorded, different, or not received.
        var expected: Int { matched + differences.count + notReceived.count }
    }

    struct Difference: Sendable, Equatable {
        var line: Int
        var expected: String
        var received: String
    }

    enum Stop: Sendable, Equatable {
        case mismatch(line: Int)
        case closed
        case timedOut
        case missingVariable(String, line: Int)
        case noCredentials(line: Int)
        /// The ``CredentialGate`` kept the credentials back (exit status 18).
        case credentialsWithheld(line: Int)
    }

    /// The values for the variables: given ones, then the parameters' defaults.
    func resolvedValue(_ name: String) -> String? {
        values[name] ?? script.parameters.first(where: { $0.name == name })?.defaultValue
    }

    /// The variables the file uses that have no value.
    var missingVariables: [String] {
        script.variablesUsed.filter { resolvedValue($0) == nil }
    }

    /// Asks a yes/no question (`:run` at a terminal), or `nil`.
    var confirm: (@Sendable (String) -> Bool)?

    /// A reply the file expects, and the ticket of the line it answers (or the greeting).
    private enum Awaited {
        case ticket(ClientSession.ReplyTicket)
        case greeting
    }

    func run(on session: ClientSession) -> Result {
        var result = Result()
        let exchanges = script.exchanges
        var index = 0
        /// The checks waiting for replies: the exchange, and what names its reply.
        var checks: [(exchange: Int, awaited: Awaited)] = []
        /// Whether the exchange at `index` was sent (its reply then has a check).
        var currentSent = false

        func settle() -> Bool {
            session.releaseWrites()
            switch session.waitUntilSettled() {
            case .idle: return true
            case .closed:
                // After QUIT's 221 (or a last reply the file expected), the end is the expected one.
                let more = exchanges[min(index + 1, exchanges.count)...].contains { $0.expectsReply }
                if !more && session.state.phase == .closed { return true }
                result.stopped = .closed
                return false
            case .timedOut:
                result.stopped = .timedOut
                return false
            }
        }

        /// Compares each reply that came with the expectation of its own exchange; false to stop.
        func compareChecks() -> Bool {
            defer { checks = [] }
            var keepGoing = true
            for check in checks {
                let reply: Reply?
                switch check.awaited {
                case .greeting: reply = session.greeting
                case .ticket(let ticket):
                    if case .answered(let answer) = session.reply(for: ticket) { reply = answer } else { reply = nil }
                }
                guard keepGoing, let expectation = exchanges[check.exchange].expectation else { continue }
                // LMTP: the end of a message has one reply per recipient; each is compared
                // with its own (the ticket names the last one).
                let further = exchanges[check.exchange].deliveryExpectations
                let deliveries = further.isEmpty ? [] : session.state.deliveries.map(\.reply)
                let pairs: [(Expectation, Reply?)] =
                    deliveries.isEmpty
                    ? [(expectation, reply)] + further.map { ($0, nil) }
                    : ([expectation] + further).enumerated().map { ($1, $0 < deliveries.count ? deliveries[$0] : nil) }
                for (expectation, reply) in pairs where keepGoing {
                    keepGoing = compare(expectation, reply)
                }
            }
            return keepGoing
        }

        /// One reply against its expectation; false to stop.
        func compare(_ expectation: Expectation, _ reply: Reply?) -> Bool {
            guard let reply else {
                result.notReceived.append(expectation.line)
                return true
            }
            result.compared += 1
            if expectation.matches(reply, comparison: comparison) {
                result.matched += 1
                return true
            }
            let expected = expectation.summary(comparison: comparison)
            let received = comparison == .text ? (reply.textLines.first.map { "\(reply.code) \($0)" } ?? "\(reply.code)") : "\(reply.code)"
            result.differences.append(Difference(line: expectation.line, expected: expected, received: received))
            session.warn("script-difference", [
                "file": name, "line": String(expectation.line),
                "expected": VisibleTextShort.of(expected, limit: 120), "received": VisibleTextShort.of(received, limit: 120),
            ])
            if stopOnMismatch {
                result.stopped = .mismatch(line: expectation.line)
                return false
            }
            return true
        }

        /// After sending: wait now, unless the next exchange was pipelined behind this one.
        func finishStep(_ ticket: ClientSession.ReplyTicket?) -> Bool {
            if let ticket { checks.append((index, .ticket(ticket))) }
            currentSent = true
            let next = index + 1 < exchanges.count ? exchanges[index + 1] : nil
            if let next, next.pipelined, pipeliningAllowed(session) {
                // What follows leaves in the same write (see ClientSession.holdWritesUntilReleased).
                session.holdWritesUntilReleased()
                return true
            }
            return settleAndCompare()
        }

        func settleAndCompare() -> Bool {
            let settled = settle()
            let same = compareChecks()
            return settled && same
        }

        func substitute(_ text: String, line: Int) -> String? {
            do throws(MissingVariable) {
                return try VariableText.substitute(text) { resolvedValue($0) }
            } catch {
                session.warn("script-missing-variable", ["file": name, "line": String(line), "name": error.name])
                result.stopped = .missingVariable(error.name, line: line)
                return nil
            }
        }

        // A file that does not start with the greeting (a macro, a recording begun with
        // :record mid-session) still waits for it: the greeting is not the first command's reply.
        if exchanges.first?.kind != .greeting, session.state.phase == .awaitingGreeting, !settle() {
            result.notReceived = Self.awaitedLines(exchanges[...])
            reportNotReceived(result, on: session)
            return result
        }

        loop: while index < exchanges.count {
            let exchange = exchanges[index]
            currentSent = false
            // The server ended the session (421, or a close): nothing more can be sent.
            if exchange.kind != .greeting && exchange.kind != .unsolicited && (session.isClosed || session.state.phase == .closed) {
                result.stopped = .closed
                break loop
            }
            switch exchange.kind {
            case .greeting:
                checks.append((index, .greeting))
                currentSent = true
                if !settleAndCompare() { break loop }
            case .unsolicited:
                // A reply the server sent by itself then (a 421 before closing): not expected now.
                break
            case .command(let raw):
                guard session.inputMode == .command else {
                    if let expectation = exchange.expectation { result.notReceived.append(expectation.line) }
                    break
                }
                if let auth = redactedAuth(at: index) {
                    // Only the reply that ends the exchange is compared (the challenges depend on the server).
                    let ticket = runAuth(auth, session: session, result: &result)
                    index = auth.last
                    guard let ticket else { break loop }
                    checks.append((index, .ticket(ticket)))
                    currentSent = true
                    if !settleAndCompare() { break loop }
                    break
                }
                guard let text = substitute(raw, line: exchange.line) else { break loop }
                // An AUTH the file holds with its credentials goes through the gate too.
                if let mechanism = Self.authMechanism(of: text), !mayAuthenticate(mechanism, line: exchange.line, session: session, result: &result) {
                    break loop
                }
                let pipelined = exchange.pipelined && pipeliningAllowed(session)
                if !finishStep(session.submit(text, shown: true, pipelined: pipelined, track: true).ticket) { break loop }
            case .message(let lines):
                guard session.inputMode == .messageBody else {
                    // DATA was refused: the message is not sent.
                    if let expectation = exchange.expectation { result.notReceived.append(expectation.line) }
                    break
                }
                session.holdWritesUntilReleased()
                var texts: [String] = []
                for line in lines.dropLast(lines.last == "." ? 1 : 0) {
                    guard let text = substitute(line, line: exchange.line) else { break loop }
                    texts.append(text)
                }
                session.submit(lines: texts, shown: true, content: true)
                if lines.last == "." {
                    if !finishStep(session.submit(".", shown: true, track: true).ticket) { break loop }
                } else {
                    session.releaseWrites()
                }
            case .chunk(let command, let lines):
                guard session.inputMode == .command else {
                    if let expectation = exchange.expectation { result.notReceived.append(expectation.line) }
                    break
                }
                var bytes: [UInt8] = []
                for line in lines {
                    guard let text = substitute(line, line: exchange.line) else { break loop }
                    bytes += Array(text.utf8) + [13, 10]
                }
                let last = command.uppercased().split(separator: " ").contains("LAST")
                if !finishStep(session.submitChunk(bytes, last: last, pipelined: exchange.pipelined && pipeliningAllowed(session))) { break loop }
            case .raw(let text):
                // Sent as they were, whatever the session expects; the first reply is compared,
                // and those beyond it are shown with the bytes before the next line goes.
                guard let text = substitute(text, line: exchange.line) else { break loop }
                // (Checked when the file was read; a variable's value is taken as it is.)
                let bytes = (try? EscapedBytes.decode(text)) ?? Array(text.utf8)
                let ticket = session.submitRaw(bytes, track: true)
                if !finishStep(ticket) { break loop }
                session.lingerForReplies()
            case .saslResponse(let raw):
                guard session.inputMode == .saslResponse else {
                    if let expectation = exchange.expectation { result.notReceived.append(expectation.line) }
                    break
                }
                guard let text = substitute(raw, line: exchange.line) else { break loop }
                if !finishStep(session.submit(text, shown: true, track: true).ticket) { break loop }
            }
            index += 1
        }
        session.releaseWrites()
        // Checks still open when it stopped (a pipelined group cut short), then what the file
        // expected after the point where it stopped.
        if !checks.isEmpty {
            _ = session.waitUntilSettled()
            let stopped = result.stopped
            _ = compareChecks()
            result.stopped = result.stopped ?? stopped
        }
        if result.stopped != nil {
            let from = currentSent ? index + 1 : index
            result.notReceived += Self.awaitedLines(exchanges[min(from, exchanges.count)...])
        }
        reportNotReceived(result, on: session)
        return result
    }

    /// Names the lines of the file whose replies never came: a few by number, then how many more.
    private func reportNotReceived(_ result: Result, on session: ClientSession) {
        guard !result.notReceived.isEmpty else { return }
        let shown = result.notReceived.prefix(5).map(String.init).joined(separator: ", ")
        let more = result.notReceived.count - min(5, result.notReceived.count)
        let key = more > 0 ? "script-not-received-more" : result.notReceived.count > 1 ? "script-not-received-lines" : "script-not-received"
        session.warn(key, [
            "file": name, "lines": shown, "count": String(more),
        ])
    }

    /// The mechanism of an `AUTH` line, when smtpsh knows it.
    static func authMechanism(of line: String) -> SASLMechanism? {
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0].uppercased() == "AUTH" else { return nil }
        return SASLMechanism(name: String(words[1]))
    }

    /// The ``CredentialGate`` before an AUTH of the file; false (and the stop recorded) when
    /// the credentials must not go.
    private func mayAuthenticate(_ mechanism: SASLMechanism, line: Int, session: ClientSession, result: inout Result) -> Bool {
        switch CredentialGate(credentials: credentials, confirm: confirm).check(session, mechanism: mechanism) {
        case .go:
            return true
        case .cancelled, .withheld:
            let state = session.state
            let hint =
                state.capabilities == nil
                ? "script-auth-without-ehlo" : (!state.isTLS && state.capabilities?.supports(Capability.startTLS) == true)
                    ? "script-auth-before-starttls" : "script-auth-not-sent"
            session.warn(hint, ["file": name, "line": String(line)])
            result.stopped = .credentialsWithheld(line: line)
            return false
        }
    }

    /// The lines of the replies these exchanges wait for (an unsolicited one is not waited for).
    private static func awaitedLines(_ exchanges: ArraySlice<SessionScript.Exchange>) -> [Int] {
        exchanges.flatMap { exchange -> [Int] in
            guard exchange.kind != .unsolicited, let first = exchange.expectation else { return [] }
            return [first.line] + exchange.deliveryExpectations.map(\.line)
        }
    }

    /// Whether commands written one after the other without waiting may go out together:
    /// only when the server offers PIPELINING (RFC 2920).
    private func pipeliningAllowed(_ session: ClientSession) -> Bool {
        session.state.capabilities?.supports("PIPELINING") ?? false
    }

    /// An AUTH whose secret is not in the file: `AUTH PLAIN ********`, or `AUTH LOGIN` then
    /// `********` answers. smtpsh leads it again with the user and secret given now.
    struct RedactedAuth {
        var mechanism: SASLMechanism
        var first: Int
        /// The last exchange of it (the one whose reply ends it).
        var last: Int
        var line: Int
    }

    private func redactedAuth(at index: Int) -> RedactedAuth? {
        guard case .command(let text) = script.exchanges[index].kind else { return nil }
        let words = text.split(separator: " ")
        guard words.first?.uppercased() == "AUTH", words.count >= 2, let mechanism = SASLMechanism(name: String(words[1])) else { return nil }
        var last = index
        var redacted = words.count > 2 && Redaction.isMask(words[2])
        while last + 1 < script.exchanges.count, case .saslResponse(let answer) = script.exchanges[last + 1].kind {
            last += 1
            if Redaction.isMask(answer) { redacted = true }
        }
        return redacted ? RedactedAuth(mechanism: mechanism, first: index, last: last, line: script.exchanges[index].line) : nil
    }

    /// Leads a redacted AUTH again with the user and secret given now; its ticket names the
    /// reply that ends the exchange (the challenges depend on the server and are not compared).
    private func runAuth(_ auth: RedactedAuth, session: ClientSession, result: inout Result) -> ClientSession.ReplyTicket? {
        session.releaseWrites()
        guard mayAuthenticate(auth.mechanism, line: auth.line, session: session, result: &result) else { return nil }
        var secret: String?
        do throws(ShellError) {
            secret = values["password"]
            if secret == nil { secret = try credentials.secret() }
        } catch {
            session.warn(error.message)
        }
        guard let user = values["user"] ?? credentials.user, let secret else {
            session.warn("script-auth-needs-secret", ["file": name, "line": String(auth.line)])
            result.stopped = .noCredentials(line: auth.line)
            return nil
        }
        return session.authenticate(SASLExchange(mechanism: auth.mechanism, user: user, secret: secret), adviceShown: true)
    }
}
