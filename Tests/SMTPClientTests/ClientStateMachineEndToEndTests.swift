import SMTPClient
import SMTPCore
import SMTPPracticeServer
import Testing

/// The client's state machine and the practice server's session, back to back in memory
/// (as swift-nio-ssh's EndToEndTests): no socket, no thread, every byte moved by hand, the
/// clock advanced by hand. Pipelining, BDAT, STARTTLS, AUTH and a 421 at any moment.
@Suite struct ClientStateMachineEndToEndTests {
    /// The two sides and the wire between them.
    struct Pair {
        var client: ClientStateMachine
        var server: ServerSession
        var parser = ReplyParser()
        var now: UInt64 = 1_000_000_000
        /// Everything the client wanted said, and every reply it took in, in order.
        var events: [ClientStateMachine.Event] = []
        var tls = false
        var closed = false
        /// What the server received, as text.
        var wire = ""

        init(configure: (inout PracticeServerConfiguration) -> Void = { _ in }, client configuration: ClientStateMachine.Configuration = .init()) {
            var serverConfiguration = PracticeServerConfiguration()
            configure(&serverConfiguration)
            server = ServerSession(configuration: serverConfiguration, messageIDs: { "42" }, randomToken: { "12345" })
            client = ClientStateMachine(configuration: configuration, now: now)
            apply(client.connected(now: now))
            serve(server.greet())
        }

        /// The server's actions: replies travel to the client, in as many pieces as asked.
        mutating func serve(_ actions: [ServerSession.Action]) {
            for action in actions {
                switch action {
                case .send(let reply), .deliver(_, let reply):
                    var bytes: [UInt8] = []
                    for line in reply.lines {
                        bytes += Array(line.bytes)
                        bytes += [13, 10]
                    }
                    parser.append(bytes)
                    while let event = parser.next() {
                        now += 100_000
                        apply(client.receive(Self.input(event), now: now))
                    }
                case .startTLS:
                    // In memory, TLS is a flag: the server is ready at once, then the client.
                    server.tlsEstablished()
                case .close, .reset:
                    closed = true
                    apply(client.closed(reason: nil))
                case .logClient, .note, .pause:
                    break
                }
            }
        }

        static func input(_ event: ReplyParser.Event) -> ClientStateMachine.Input {
            switch event {
            case .line(let line): return .line(line)
            case .reply(let reply): return .reply(reply)
            case .unparsableLine(let line): return .unparsableLine(line)
            }
        }

        /// The client's actions: bytes travel to the server.
        mutating func apply(_ actions: [ClientStateMachine.Action]) {
            for action in actions {
                switch action {
                case .write(let bytes):
                    wire += String(decoding: bytes, as: UTF8.self)
                    serve(server.receive(bytes))
                case .startTLS:
                    tls = true
                    apply(client.tlsEstablished(now: now))
                case .emit(let event):
                    events.append(event)
                case .close:
                    if !closed {
                        closed = true
                        apply(client.closed(reason: nil))
                    }
                case .stateChanged, .settled:
                    break
                }
            }
        }

        @discardableResult
        mutating func submit(_ text: String, _ options: ClientStateMachine.SubmitOptions = .init()) -> ClientStateMachine.Submission {
            let (submission, actions) = client.submit(text, options, now: now)
            apply(actions)
            return submission
        }

        mutating func code(of ticket: ReplyTicket?) -> Int? {
            guard let ticket, case .answered(let reply) = client.reply(for: ticket) else { return nil }
            return reply.code.rawValue
        }

        var notices: [String] {
            events.compactMap { if case .notice(let notice) = $0 { notice.id } else { nil } }
        }

        var sentTexts: [String] {
            events.compactMap { if case .sent(let line) = $0 { line.text } else { nil } }
        }
    }

    @Test func aWholeSessionEachReplyMatchedToItsCommand() {
        var pair = Pair()
        #expect(pair.client.greeting?.code.rawValue == 220)
        let ehlo = pair.submit("EHLO client.example", .init(track: true)).ticket
        let mail = pair.submit("MAIL FROM:<a@example.org>", .init(track: true)).ticket
        let rcpt = pair.submit("RCPT TO:<b@example.org>", .init(track: true)).ticket
        let data = pair.submit("DATA", .init(track: true)).ticket
        pair.submit("Subject: hi")
        pair.submit("")
        pair.submit(".starts with a dot")
        let dot = pair.submit(".", .init(track: true)).ticket
        #expect(pair.code(of: ehlo) == 250)
        #expect(pair.code(of: mail) == 250)
        #expect(pair.code(of: rcpt) == 250)
        #expect(pair.code(of: data) == 354)
        #expect(pair.code(of: dot) == 250)
        // Asked once: the ticket is forgotten.
        if case .unanswered = pair.client.reply(for: dot!) {} else { Issue.record("a ticket answered twice") }
        #expect(pair.wire.contains("\r\n..starts with a dot\r\n"), "dot-stuffed: \(pair.wire)")
        #expect(pair.sentTexts.contains("..starts with a dot"))
        #expect(pair.server.messagesAccepted == 1)
        #expect(pair.client.isSettled)
    }

    /// Typed without waiting: each command waits for the reply to the one before (no early
    /// talker); pipelined, they leave together and each reply still finds its command.
    @Test func queuedAndPipelinedCommands() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        // Held: nothing is written until released, then all in one write.
        pair.client.holdWritesUntilReleased()
        let tickets = ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "RCPT TO:<nobody@example.org>", "DATA"].map {
            pair.submit($0, .init(pipelined: true, track: true)).ticket
        }
        #expect(!pair.wire.contains("MAIL"))
        pair.apply(pair.client.releaseWrites(now: pair.now))
        #expect(pair.wire.contains("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n"))
        #expect(tickets.map { pair.code(of: $0) } == [250, 250, 250, 354])
        #expect(pair.client.inputMode == .messageBody)
    }

    @Test func aRefusedDataDropsTheMessageTypedAfterIt() {
        var pair = Pair(configure: { $0.rules.append(try! ScenarioRule(parsing: "DATA: 554 5.5.1 no valid recipients")) })
        pair.submit("EHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<b@example.org>")
        // Typed before DATA's reply: held until 354, dropped at 554.
        pair.client.holdWritesUntilReleased()
        pair.submit("DATA")
        pair.submit("Subject: x")
        pair.submit("QUIT")
        let dot = pair.submit(".", .init(track: true)).ticket
        pair.apply(pair.client.releaseWrites(now: pair.now))
        #expect(pair.notices.contains("data-refused-lines-dropped"), "\(pair.notices)")
        #expect(!pair.wire.contains("Subject: x"), "\(pair.wire)")
        if case .unanswered = pair.client.reply(for: dot!) {} else { Issue.record("the dot's ticket") }
    }

    /// BDAT typed by hand: the chunk's lines follow it at once; its reply comes after them.
    @Test func bdatTypedByHand() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<b@example.org>")
        pair.submit("BDAT 15 LAST")
        #expect(pair.client.inputMode == .chunkData(remaining: 15, size: 15))
        #expect(pair.notices.last == "chunk-follows")
        let first = pair.submit("Subject: hi", .init(track: true))
        #expect(first.ticket == nil, "the chunk is not complete yet")
        let last = pair.submit("", .init(track: true)).ticket
        #expect(pair.client.inputMode == .command)
        #expect(pair.code(of: last) == 250)
        #expect(pair.server.messagesAccepted == 1)
    }

    /// STARTTLS in place; with `startTLS`, the client greets, upgrades and greets again itself.
    @Test func startTLSBySelfAndByHand() {
        var configuration = ClientStateMachine.Configuration()
        configuration.startTLS = true
        configuration.ehloName = "client.example"
        var pair = Pair(client: configuration)
        #expect(pair.tls)
        #expect(pair.client.session.isTLS)
        #expect(pair.sentTexts == ["EHLO client.example", "STARTTLS", "EHLO client.example"], "\(pair.sentTexts)")
        #expect(pair.client.session.capabilities?.supports("AUTH") == true)
        #expect(pair.client.isSettled)

        var byHand = Pair()
        byHand.submit("EHLO client.example")
        byHand.submit("STARTTLS")
        #expect(byHand.tls)
        #expect(byHand.notices.contains("send-ehlo-again"))
        #expect(byHand.client.session.capabilities == nil)
    }

    struct LoginExchange: SASLClient {
        var user = "student"
        var command: String { "AUTH LOGIN" }
        var answered = 0
        var lastAnswerCarriesSecret = true
        mutating func respond(to challenge: String) -> String {
            defer { answered += 1 }
            lastAnswerCarriesSecret = answered > 0
            return Base64.encode(Array((answered == 0 ? "student" : "practice").utf8))
        }
    }

    /// AUTH the client leads: it answers each 334 itself; the ticket names the final reply;
    /// the user name goes as it is, the password redacted.
    @Test func authLedByTheClient() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        let (ticket, actions) = pair.client.authenticate(LoginExchange(), adviceShown: false, now: pair.now)
        pair.apply(actions)
        #expect(pair.code(of: ticket) == 235)
        #expect(pair.client.session.isAuthenticated)
        #expect(pair.client.session.authenticatedUser == "student")
        #expect(pair.sentTexts.suffix(3) == ["AUTH LOGIN", Base64.encode(Array("student".utf8)), "********"], "\(pair.sentTexts)")
        // Without TLS, the advice says so (before it went).
        #expect(pair.notices.contains("advice.credentials-in-clear"), "\(pair.notices)")
    }

    /// A 421 at any moment ends the session: what is queued is said and not sent, what was
    /// awaited is unanswered, the state is closed.
    @Test(arguments: ["EHLO", "MAIL", "RCPT", "DATA", "DOT"])
    func a421AtAnyMoment(trigger: String) {
        var pair = Pair(configure: { $0.rules.append(try! ScenarioRule(parsing: "\(trigger) close: 421 4.3.2 shutting down")) })
        var tickets: [ReplyTicket?] = []
        pair.client.holdWritesUntilReleased()
        for line in ["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"] {
            tickets.append(pair.submit(line, .init(pipelined: true, track: true)).ticket)
        }
        pair.apply(pair.client.releaseWrites(now: pair.now))
        if pair.client.inputMode == .messageBody {
            pair.submit("hello")
            tickets.append(pair.submit(".", .init(track: true)).ticket)
        }
        let codes = tickets.map { pair.code(of: $0) }
        #expect(codes.contains(421), "\(codes)")
        #expect(pair.closed)
        #expect(pair.client.isClosed)
        #expect(pair.client.session.phase == .closed)
        // Nothing after the 421 was answered.
        if let index = codes.firstIndex(of: 421) { #expect(codes[(index + 1)...].allSatisfy { $0 == nil }, "\(codes)") }
        // Closed as the server said it would: not "unexpectedly".
        #expect(!pair.client.closedByServerUnexpectedly)
    }

    /// Silence: the reply times out after the configured seconds; a late reply ends the
    /// timeout (the session goes on).
    @Test func aTimeoutAndALateReply() {
        var configuration = ClientStateMachine.Configuration()
        configuration.replyTimeout = 2
        var client = ClientStateMachine(configuration: configuration, now: 0)
        #expect(client.tick(now: 1_000_000_000).isEmpty)
        let actions = client.tick(now: 2_100_000_000)
        #expect(client.timedOut)
        let notices = actions.compactMap { if case .emit(.notice(let notice)) = $0 { notice.id } else { nil } }
        #expect(notices == ["reply-timed-out", "greeting-timeout-tls-hint"])
        var parser = ReplyParser()
        parser.append(Array("220 late ESMTP\r\n".utf8))
        while let event = parser.next() {
            if case .reply(let reply) = event { _ = client.receive(.reply(reply), now: 3_000_000_000) }
        }
        #expect(!client.timedOut)
        #expect(client.greeting?.code.rawValue == 220)
    }

    /// Ctrl-C takes back what was typed and not sent; the session forgets it.
    @Test func droppingTheQueue() {
        var pair = Pair()
        pair.submit("EHLO client.example")
        var client = pair.client
        // A reply is awaited: what is typed now waits.
        let (_, first) = client.submit("NOOP", .init(), now: pair.now)
        #expect(first.contains { if case .write = $0 { true } else { false } })
        let (queued, _) = client.submit("HELO again.example", .init(), now: pair.now)
        #expect(queued.queued)
        #expect(client.awaited == .reply(.command(.noop(nil))))
        let (count, actions) = client.dropQueuedLines()
        #expect(count == 1)
        #expect(actions.contains { if case .emit(.notice(.queueDropped(1, ["HELO again.example"]))) = $0 { true } else { false } })
        #expect(client.session.pending == [.command(.noop(nil))])
    }
}
