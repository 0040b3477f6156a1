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
        /// Replies in the file that could not be compared (the session ended first, a message skipped).
        var notReached = 0

        var allMatched: Bool { differences.isEmpty && stopped == nil && notReached == 0 }
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
    }

    /// The values for the variables: given ones, then the parameters' defaults.
    func resolvedValue(_ name: String) -> String? {
        values[name] ?? script.parameters.first(where: { $0.name == name })?.defaultValue
    }

    /// The variables the file uses that have no value.
    var missingVariables: [String] {
        script.variablesUsed.filter { resolvedValue($0) == nil }
    }

    func run(on session: ClientSession) -> Result {
        var result = Result()
        let exchanges = script.exchanges
        var index = 0
        /// The checks waiting for replies: (exchange index, reply number expected).
        var checks: [(exchange: Int, reply: Int)] = []
        var nextReply = session.replyCount

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

        /// Compares the replies that came with the checks waiting; false to stop.
        func compareChecks() -> Bool {
            guard !checks.isEmpty else { return true }
            let first = checks[0].reply
            let replies = session.replies(from: first)
            var keepGoing = true
            for check in checks {
                let offset = check.reply - first
                guard let expectation = exchanges[check.exchange].expectation else { continue }
                guard offset < replies.count else {
                    result.notReached += 1
                    continue
                }
                let reply = replies[offset]
                result.compared += 1
                if expectation.matches(reply, comparison: comparison) {
                    result.matched += 1
                } else {
                    let expected = expectation.summary(comparison: comparison)
                    let received = comparison == .text ? (reply.textLines.first.map { "\(reply.code) \($0)" } ?? "\(reply.code)") : "\(reply.code)"
                    result.differences.append(Difference(line: expectation.line, expected: expected, received: received))
                    session.warn(Words["script-difference", [
                        "file": name, "line": String(expectation.line),
                        "expected": VisibleTextShort.of(expected, limit: 120), "received": VisibleTextShort.of(received, limit: 120),
                    ]])
                    if stopOnMismatch {
                        result.stopped = .mismatch(line: expectation.line)
                        keepGoing = false
                        break
                    }
                }
            }
            checks = []
            return keepGoing
        }

        /// After sending: wait now, unless the next exchange was pipelined behind this one.
        func finishStep(expectsReply: Bool) -> Bool {
            if expectsReply {
                checks.append((index, nextReply))
                nextReply += 1
            }
            let next = index + 1 < exchanges.count ? exchanges[index + 1] : nil
            if let next, next.pipelined, pipeliningAllowed(session) {
                // What follows leaves in the same write (see ClientSession.holdWritesUntilReleased).
                session.holdWritesUntilReleased()
                return true
            }
            return settleAndCompare()
        }

        func settleAndCompare() -> Bool {
            guard settle() else {
                _ = compareChecks()
                return false
            }
            nextReply = session.replyCount
            return compareChecks()
        }

        func substitute(_ text: String, line: Int) -> String? {
            do throws(MissingVariable) {
                return try VariableText.substitute(text) { resolvedValue($0) }
            } catch {
                session.warn(Words["script-missing-variable", ["file": name, "line": String(line), "name": error.name]])
                result.stopped = .missingVariable(error.name, line: line)
                return nil
            }
        }

        // A file that does not start with the greeting (a macro, a recording begun with
        // :record mid-session) still waits for it: the greeting is not the first command's reply.
        if exchanges.first?.kind != .greeting, session.state.phase == .awaitingGreeting {
            if settle() {
                nextReply = session.replyCount
            } else {
                result.notReached = Self.awaitedReplies(exchanges[...])
                return result
            }
        }

        loop: while index < exchanges.count {
            let exchange = exchanges[index]
            // The server ended the session (421, or a close): nothing more can be sent.
            if exchange.kind != .greeting && exchange.kind != .unsolicited && (session.isClosed || session.state.phase == .closed) {
                result.stopped = .closed
                break loop
            }
            switch exchange.kind {
            case .greeting:
                guard settle() else { break loop }
                checks.append((index, 0))
                nextReply = session.replyCount
                if !compareChecks() { break loop }
            case .unsolicited:
                // A reply the server sent by itself then (a 421 before closing): not expected now.
                break
            case .command(let raw):
                guard session.inputMode == .command else {
                    result.notReached += 1
                    break
                }
                if let auth = redactedAuth(at: index) {
                    guard runAuth(auth, session: session, result: &result, checks: &checks, nextReply: &nextReply) else { break loop }
                    if !settleAndCompare() { break loop }
                    index = auth.last
                    break
                }
                guard let text = substitute(raw, line: exchange.line) else { break loop }
                let pipelined = exchange.pipelined && pipeliningAllowed(session)
                session.submit(text, shown: true, pipelined: pipelined)
                if !finishStep(expectsReply: true) { break loop }
            case .message(let lines):
                guard session.inputMode == .messageBody else {
                    // DATA was refused: the message is not sent.
                    if exchange.expectation != nil { result.notReached += 1 }
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
                    session.submit(".", shown: true)
                } else {
                    session.releaseWrites()
                }
                if lines.last == "." {
                    if !finishStep(expectsReply: true) { break loop }
                }
            case .chunk(let command, let lines):
                guard session.inputMode == .command else {
                    result.notReached += 1
                    break
                }
                var bytes: [UInt8] = []
                for line in lines {
                    guard let text = substitute(line, line: exchange.line) else { break loop }
                    bytes += Array(text.utf8) + [13, 10]
                }
                let last = command.uppercased().split(separator: " ").contains("LAST")
                session.submitChunk(bytes, last: last, pipelined: exchange.pipelined && pipeliningAllowed(session))
                if !finishStep(expectsReply: true) { break loop }
            case .saslResponse(let raw):
                guard session.inputMode == .saslResponse else {
                    result.notReached += 1
                    break
                }
                guard let text = substitute(raw, line: exchange.line) else { break loop }
                session.submit(text, shown: true)
                if !finishStep(expectsReply: true) { break loop }
            }
            index += 1
        }
        session.releaseWrites()
        // What the file expected after the point where it stopped.
        if result.stopped != nil {
            result.notReached += Self.awaitedReplies(exchanges[min(index + 1, exchanges.count)...])
        }
        return result
    }

    /// The replies these exchanges wait for (an unsolicited one is not waited for).
    private static func awaitedReplies(_ exchanges: ArraySlice<SessionScript.Exchange>) -> Int {
        exchanges.count { $0.expectation != nil && $0.kind != .unsolicited }
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
        var redacted = words.count > 2 && words[2] == "********"
        while last + 1 < script.exchanges.count, case .saslResponse(let answer) = script.exchanges[last + 1].kind {
            last += 1
            if answer == "********" { redacted = true }
        }
        return redacted ? RedactedAuth(mechanism: mechanism, first: index, last: last, line: script.exchanges[index].line) : nil
    }

    private func runAuth(
        _ auth: RedactedAuth, session: ClientSession, result: inout Result, checks: inout [(exchange: Int, reply: Int)], nextReply: inout Int
    ) -> Bool {
        session.releaseWrites()
        var secret: String?
        do throws(ShellError) {
            secret = values["password"]
            if secret == nil { secret = try credentials.secret() }
        } catch {
            session.warn(error.description)
        }
        guard let user = values["user"] ?? credentials.user, let secret else {
            session.warn(Words["script-auth-needs-secret", ["file": name, "line": String(auth.line)]])
            result.stopped = .noCredentials(line: auth.line)
            return false
        }
        session.authenticate(SASLExchange(mechanism: auth.mechanism, user: user, secret: secret))
        // Only the reply that ends the exchange is compared: the challenges depend on the server.
        let before = session.replyCount
        _ = session.waitUntilSettled()
        let count = session.replyCount - before
        checks.append((auth.last, before + max(count - 1, 0)))
        nextReply = session.replyCount
        return true
    }
}
