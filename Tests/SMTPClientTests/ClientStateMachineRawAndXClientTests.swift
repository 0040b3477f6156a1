import SMTPClient
import SMTPCore
import SMTPPracticeServer
import Testing

/// Bytes sent on purpose as written (`:raw`, `send --raw-data`) and Postfix's XCLIENT, back
/// to back with the practice server (issue 21, items 4 and 6).
@Suite struct ClientStateMachineRawAndXClientTests {
    typealias Pair = ClientStateMachineEndToEndTests.Pair

    static func replyNotices(_ pair: Pair) -> [String] {
        pair.events.flatMap { event -> [String] in
            if case .reply(_, _, _, _, let notices) = event { notices.map(\.id) } else { [] }
        }
    }

    static func answered(_ pair: Pair) -> [String] {
        pair.events.compactMap { event in
            guard case .reply(let reply, let outcome, _, _, _) = event else { return nil }
            switch outcome.answered {
            case .command(let command)?: return "\(command.verb) \(reply.code.rawValue)"
            case .endOfData?: return ". \(reply.code.rawValue)"
            case .greeting?: return "greeting \(reply.code.rawValue)"
            case nil: return "? \(reply.code.rawValue)"
            default: return "other \(reply.code.rawValue)"
            }
        }
    }

    /// Complete CRLF lines are followed as commands: each reply finds its own, and the bytes
    /// on the wire are exactly those given, in one write, without waiting for each reply.
    @Test func rawCommandLinesAreFollowed() throws {
        var pair = Pair()
        pair.submit("EHLO client.example")
        let bytes = Array("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n".utf8)
        let (ticket, actions) = pair.client.submitRaw(bytes, track: true, now: pair.now)
        let writes = actions.compactMap { if case .write(let bytes) = $0 { bytes } else { nil } }
        #expect(writes == [bytes], "one write, the bytes exactly")
        pair.apply(actions)
        #expect(pair.notices.contains("raw-bytes"))
        #expect(Self.answered(pair) == ["greeting 220", "EHLO 250", "MAIL 250", "RCPT 250"])
        #expect(pair.code(of: ticket) == 250, "the ticket names the first reply (MAIL's)")
        #expect(pair.client.session.phase == .recipientsAccepted(1))
        #expect(!Self.replyNotices(pair).contains("unsolicited-reply"))
        #expect(!Self.replyNotices(pair).contains("reply-beyond-raw-lines"))
        #expect(pair.client.isSettled)
        // Shown a line per LF, in the notation it was written in.
        let raw = pair.events.compactMap { event -> String? in
            if case .sent(let line) = event, line.kind == .raw { line.text } else { nil }
        }
        #expect(raw == ["MAIL FROM:<a@example.org>\\r\\n", "RCPT TO:<b@example.org>\\r\\n"])
    }

    /// DATA, the message and its end in one raw write: 354 then 250, the message stored.
    @Test func rawDataWithItsMessage() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<b@example.org>")
        let (_, actions) = pair.client.submitRaw(Array("DATA\r\nSubject: raw\r\n\r\nbody\r\n.\r\n".utf8), now: pair.now)
        pair.apply(actions)
        #expect(Self.answered(pair).suffix(2) == ["DATA 354", ". 250"], "\(Self.answered(pair))")
        #expect(pair.server.messagesAccepted == 1)
        #expect(pair.client.session.phase == .ready)
        #expect(!Self.replyNotices(pair).contains("reply-beyond-raw-lines"))
    }

    /// A command ended by a bare LF is read as a line (as servers read commands) and its
    /// reply awaited; the warning counts the bare LF.
    @Test func aCommandEndedByABareLineFeed() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        let (_, actions) = pair.client.submitRaw(Array("NOOP\n".utf8), now: pair.now)
        let warning = actions.compactMap { action -> ClientNotice? in
            if case .emit(.notice(let notice)) = action { notice } else { nil }
        }.first
        #expect(warning == .rawBytes(octets: 5, oddities: EscapedBytes.Oddities(of: Array("NOOP\n".utf8)), unterminated: 0))
        #expect(EscapedBytes.Oddities(of: Array("NOOP\n".utf8)).bareLineFeeds == 1)
        pair.apply(actions)
        #expect(Self.answered(pair).last == "NOOP 250")
        #expect(!Self.replyNotices(pair).contains("reply-beyond-raw-lines"))
    }

    /// SMTP smuggling: in a message, `<LF>.<LF>` is not its end (only CRLF "." CRLF is), and
    /// the practice server reads it so too: one message, one reply, nothing smuggled. (A
    /// server that takes `<LF>.<LF>` for the end answers the smuggled commands as well: see
    /// XClientAndRawPostfixTests, against a Postfix that does.)
    @Test func aSmugglingProbeAgainstAServerThatReadsItRight() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<b@example.org>")
        pair.submit("DATA")
        let smuggled = "first\n.\nMAIL FROM:<m@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nsecond\r\n.\r\n"
        let (ticket, actions) = pair.client.submitRaw(Array(smuggled.utf8), track: true, now: pair.now)
        pair.apply(actions)
        #expect(pair.code(of: ticket) == 250)
        #expect(pair.server.messagesAccepted == 1)
        #expect(!Self.replyNotices(pair).contains("reply-beyond-raw-lines"), "\(Self.answered(pair))")
        #expect(!Self.replyNotices(pair).contains("unsolicited-reply"))
        #expect(pair.client.isSettled)
    }

    /// `--reject-bare-lf`: the practice server answers a bare LF as Postfix does, and closes.
    @Test func aServerThatRejectsBareLineFeeds() {
        var pair = Pair(configure: { $0.rejectBareLineFeed = true })
        pair.submit("EHLO client.example")
        pair.apply(pair.client.submitRaw(Array("MAIL FROM:<a@example.org>\n".utf8), now: pair.now).1)
        let last = pair.events.compactMap { event -> Reply? in if case .reply(let reply, _, _, _, _) = event { reply } else { nil } }.last
        #expect(last?.code.rawValue == 521)
        #expect(last?.textLines.first?.contains("bare <LF> received") == true)
        #expect(pair.closed)
    }

    /// Before the greeting: raw bytes leave at once (talking early on purpose); a typed
    /// command waits for the greeting.
    @Test func rawBytesGoBeforeTheGreeting() {
        var machine = ClientStateMachine(configuration: .init(), now: 1)
        _ = machine.connected(now: 1)
        let typed = machine.submit("NOOP", now: 2).1
        #expect(!typed.contains { if case .write = $0 { true } else { false } }, "a typed line waits for the greeting")
        _ = machine.dropQueuedLines()
        let raw = machine.submitRaw(Array("EHLO early.example\r\n".utf8), now: 3).1
        #expect(raw.contains { if case .write(let bytes) = $0 { bytes == Array("EHLO early.example\r\n".utf8) } else { false } })
        #expect(machine.session.pending.count == 2, "the greeting, then EHLO: \(machine.session.pending)")
    }

    /// Lines split across two raw writes are read whole; a message ended in a later write.
    @Test func aLineSplitAcrossRawWrites() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        let first = pair.client.submitRaw(Array("MAIL FROM:<a@ex".utf8), now: pair.now).1
        #expect(first.contains { if case .emit(.notice(.rawBytes(_, _, unterminated: 15))) = $0 { true } else { false } })
        pair.apply(first)
        #expect(pair.client.session.pending.isEmpty)
        pair.apply(pair.client.submitRaw(Array("ample.org>\r\n".utf8), now: pair.now).1)
        #expect(Self.answered(pair).last == "MAIL 250")
        #expect(pair.client.session.phase == .mailTransaction)
    }

    /// An AUTH with its secret in raw bytes is masked where it is shown and recorded.
    @Test func aSecretInRawBytesIsMasked() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        let secret = Base64.encode(Array("\0student\0practice".utf8))
        pair.apply(pair.client.submitRaw(Array("AUTH PLAIN \(secret)\r\n".utf8), now: pair.now).1)
        #expect(!pair.sentTexts.joined().contains(secret))
        #expect(pair.sentTexts.contains(Redaction.mask))
        #expect(pair.wire.contains(secret), "sent as written")
    }

    // MARK: - XCLIENT

    static func xclientPair() -> Pair {
        Pair(configure: { server in
            server.rules.append(try! ScenarioRule(parsing: "EHLO: 250 {host}\\nXCLIENT NAME ADDR HELO"))
            server.rules.append(try! ScenarioRule(parsing: "XCLIENT: 220 mx.example ESMTP"))
        })
    }

    /// 220 to XCLIENT: the session starts again (EHLO's capabilities forgotten, the prompt
    /// back to "greeted"), and a note says EHLO comes next.
    @Test func xclientsGreetingStartsTheSessionAgain() throws {
        var pair = Self.xclientPair()
        pair.submit("EHLO client.example")
        #expect(pair.client.session.capabilities?.capability("XCLIENT")?.parameters == ["NAME", "ADDR", "HELO"])
        let command = try XClientCommand(parsing: "name=relay.example ADDR=192.0.2.7")
        let submission = pair.submit(command.line, .init(track: true))
        #expect(submission.advice.isEmpty)
        #expect(pair.code(of: submission.ticket) == 220)
        #expect(pair.client.session.phase == .greeted)
        #expect(pair.client.session.capabilities == nil)
        #expect(pair.client.session.greeting == nil)
        #expect(pair.events.contains { if case .notice(.xclientAccepted) = $0 { true } else { false } })
        #expect(pair.wire.contains("XCLIENT NAME=relay.example ADDR=192.0.2.7\r\n"))
    }

    /// Advice before XCLIENT: an attribute the server does not list (501), XCLIENT not
    /// offered at all, inside a transaction (503).
    @Test func xclientAdvice() {
        var pair = Self.xclientPair()
        pair.submit("EHLO client.example")
        #expect(pair.submit("XCLIENT LOGIN=alice ADDR=192.0.2.7").advice == [.xclientAttributesNotOffered(["LOGIN"], offered: ["NAME", "ADDR", "HELO"])])
        var plain = Pair()
        plain.submit("EHLO client.example")
        #expect(plain.submit("XCLIENT ADDR=192.0.2.7").advice == [.notAdvertised("XCLIENT")])
        var busy = Self.xclientPair()
        busy.submit("EHLO client.example")
        busy.submit("MAIL FROM:<a@example.org>")
        #expect(busy.submit("XCLIENT ADDR=192.0.2.7").advice == [.duringMailTransaction])
    }
}
