import Testing
@testable import SMTPCore
@testable import SMTPPracticeServer

/// Failures the client chooses by the names it gives (`serve --triggers`, issue 22), without
/// sockets: the words parsed, and the session's replies to them.
@Suite struct TriggerTests {
    typealias S = ServerSessionTests

    static func triggered(ehlo: String = "client.example") -> ServerSession {
        var session = S.session { $0.triggers = true }
        _ = session.greet()
        _ = session.receive(Array("EHLO \(ehlo)\r\n".utf8))
        return session
    }

    // MARK: - Words

    @Test(arguments: [
        ("rcpt550_5.1.1", ClientTriggers.Stage.rcpt, ClientTriggers.Effect.reply(code: 550, enhanced: "5.1.1", close: false)),
        ("data452", .data, .reply(code: 452, enhanced: nil, close: false)),
        ("mail421", .mail, .reply(code: 421, enhanced: nil, close: true)),
        ("rcpt450close", .rcpt, .reply(code: 450, enhanced: nil, close: true)),
        ("dot554_5_7_1", .dot, .reply(code: 554, enhanced: "5.7.1", close: false)),
        ("rcptdelay2.5", .rcpt, .delay(2.5)),
        ("dotdrop", .dot, .drop(reset: false)),
        ("DotReset", .dot, .drop(reset: true)),
    ])
    func words(word: String, stage: ClientTriggers.Stage, effect: ClientTriggers.Effect) {
        let triggers = ClientTriggers(mailbox: "alice-\(word)@example.org")
        #expect(triggers.effects[stage] == [effect])
        #expect(triggers.effects.count == 1)
    }

    /// Words that look like triggers but are not: a 2xx code, an enhanced code of the wrong
    /// class or shape, a delay over the limit, an unknown stage, the EHLO stage in an address.
    @Test(arguments: [
        "rcpt250", "rcpt550_4.1.1", "rcpt550_5.1", "rcpt55", "rcpt5500", "rcptdelay601", "rcptdelayx", "helo550",
        "ehlo550", "nopipelining", "size100", "alice", "rcpt550_5.1.1x",
    ])
    func notTriggers(word: String) {
        #expect(ClientTriggers(mailbox: "\(word)@example.org").isEmpty)
    }

    @Test func ehloNameWords() {
        let triggers = ClientTriggers(clientName: "nopipelining-NoStartTLS-size10000-ehlo554-rcpt451_4_7_1.example")
        #expect(triggers.removedExtensions == ["PIPELINING", "STARTTLS"])
        #expect(triggers.maximumSize == 10000)
        #expect(triggers.outcome(.ehlo) == .reply(code: 554, enhanced: nil, close: false))
        #expect(triggers.outcome(.rcpt) == .reply(code: 451, enhanced: "4.7.1", close: false))
        // Only the first label: the domain's words are the domain's.
        #expect(ClientTriggers(clientName: "client.rcpt550.example").isEmpty)
    }

    // MARK: - The session

    @Test func offByDefault() {
        var session = S.greeted()
        #expect(S.exchange(&session, ["MAIL FROM:<mail451@example.org>", "RCPT TO:<rcpt550_5.1.1@example.org>"]) == [
            "250 2.1.0 Sender <mail451@example.org> OK", "250 2.1.5 Recipient <rcpt550_5.1.1@example.org> OK",
        ])
    }

    @Test func aRecipientChoosesItsRefusal() {
        var session = Self.triggered()
        #expect(S.exchange(&session, [
            "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>", "RCPT TO:<carol-rcpt550_5.1.1@example.org>",
            "RCPT TO:<dave+rcpt452@example.org>", "DATA",
        ]) == [
            "250 2.1.0 Sender <alice@example.org> OK", "250 2.1.5 Recipient <bob@example.org> OK",
            "550 5.1.1 <carol-rcpt550_5.1.1@example.org> Failure requested by the client (rcpt550)",
            "452 4.0.0 <dave+rcpt452@example.org> Failure requested by the client (rcpt452)",
            "354 End data with <CR><LF>.<CR><LF>",
        ])
        // The refused recipients are not in the message.
        let delivered = session.receive(Array("Subject: x\r\n\r\nbody\r\n.\r\n".utf8)).compactMap { action -> ReceivedMessage? in
            if case .deliver(let message, _) = action { return message }
            return nil
        }
        #expect(delivered.map(\.recipients) == [[Path("bob@example.org")]])
    }

    @Test func theSenderChoosesDATAAndTheDot() {
        var session = Self.triggered()
        #expect(S.exchange(&session, ["MAIL FROM:<data452@example.org>", "RCPT TO:<bob@example.org>", "DATA"]) == [
            "250 2.1.0 Sender <data452@example.org> OK", "250 2.1.5 Recipient <bob@example.org> OK",
            "452 4.0.0 Failure requested by the client (data452)",
        ])
        // Still in the transaction: RSET, then a message refused at its end.
        #expect(S.exchange(&session, ["RSET", "MAIL FROM:<dot554_5.7.1@example.org>", "RCPT TO:<b@example.org>", "DATA"]).last
            == "354 End data with <CR><LF>.<CR><LF>")
        let end = session.receive(Array("Subject: x\r\n\r\nbody\r\n.\r\n".utf8))
        #expect(S.replies(end) == ["554 5.7.1 Failure requested by the client (dot554)"])
        #expect(!end.contains { if case .deliver = $0 { true } else { false } })
        // The next transaction has no trigger left.
        #expect(S.exchange(&session, ["MAIL FROM:<a@example.org>"]) == ["250 2.1.0 Sender <a@example.org> OK"])
    }

    @Test func aRecipientsDotWordsCountOnceItIsAccepted() {
        var session = Self.triggered()
        _ = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<dotdrop@example.org>", "DATA"])
        let end = session.receive(Array("body\r\n.\r\n".utf8))
        #expect(end.contains(.close))
        #expect(S.replies(end).isEmpty)
        #expect(session.isClosed)
    }

    @Test func aResetAndACloseAfter421() {
        var reset = Self.triggered()
        let actions = reset.receive(Array("MAIL FROM:<mailreset@example.org>\r\n".utf8))
        #expect(actions.contains(.reset) && S.replies(actions).isEmpty)
        var closed = Self.triggered()
        let refused = closed.receive(Array("MAIL FROM:<mail421_4.7.0@example.org>\r\n".utf8))
        #expect(S.replies(refused) == ["421 4.7.0 <mail421_4.7.0@example.org> Failure requested by the client (mail421)"])
        #expect(refused.last == .close)
    }

    @Test func delaysComeBeforeTheUsualReply() {
        var session = Self.triggered()
        let actions = session.receive(Array("MAIL FROM:<a-rcptdelay3@example.org>\r\nRCPT TO:<b@example.org>\r\n".utf8))
        let interesting = actions.filter { if case .logClient = $0 { false } else { true } }
        #expect(interesting.count == 3)
        #expect(interesting[1] == .pause(3))
        #expect(S.replies([interesting[2]]) == ["250 2.1.5 Recipient <b@example.org> OK"])
    }

    @Test func theEHLONameSwitchesCapabilitiesAndSetsSIZE() {
        var session = S.session { $0.triggers = true }
        _ = session.greet()
        let ehlo = S.replies(session.receive(Array("EHLO nopipelining-nostarttls-noauth-size1000.example\r\n".utf8)))
        #expect(!ehlo.contains { $0.contains("PIPELINING") || $0.contains("STARTTLS") || $0.contains("AUTH") })
        #expect(ehlo.contains("250-SIZE 1000"))
        #expect(ehlo.contains("250-8BITMIME"))
        #expect(S.exchange(&session, ["STARTTLS", "AUTH PLAIN", "MAIL FROM:<a@example.org> SIZE=2000"]) == [
            "454 4.7.0 TLS not available", "503 5.5.1 AUTH not available",
            "552 5.3.4 Message size exceeds fixed limit of 1000 octets",
        ])
        _ = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"])
        let big = session.receive(Array((String(repeating: "x", count: 1200) + "\r\n.\r\n").utf8))
        #expect(S.replies(big) == ["552 5.3.4 Message size exceeds fixed limit of 1000 octets"])
    }

    @Test func anEHLORefusalLeavesHELOToWork() {
        var session = S.session { $0.triggers = true }
        _ = session.greet()
        #expect(S.exchange(&session, ["EHLO ehlo550.example", "HELO ehlo550.example", "MAIL FROM:<a@example.org>"]) == [
            "550 5.0.0 Failure requested by the client (ehlo550)", "250 practice.localhost",
            "250 2.1.0 Sender <a@example.org> OK",
        ])
    }

    @Test func theEHLONamesStagesApplyToEveryMessage() {
        var session = Self.triggered(ehlo: "rcpt451_4_7_1.example")
        for _ in 0..<2 {
            #expect(S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "RSET"])[1]
                == "451 4.7.1 <b@example.org> Failure requested by the client (rcpt451)")
        }
    }

    /// A scenario rule comes first: the teacher's server wins over the client's word.
    @Test func rulesComeFirst() throws {
        var session = S.session {
            $0.triggers = true
            $0.rules = [try! ScenarioRule(parsing: "RCPT: 452 4.3.1 queue full")]
        }
        _ = session.greet()
        _ = session.receive(Array("EHLO client.example\r\n".utf8))
        #expect(S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<rcpt550@example.org>"]).last == "452 4.3.1 queue full")
    }

    /// What the client sent is echoed safely, and a huge local part chooses nothing.
    @Test func hostileNames() {
        var session = Self.triggered()
        _ = S.exchange(&session, ["MAIL FROM:<a@example.org>"])
        let long = String(repeating: "rcpt550-", count: 40)
        #expect(S.exchange(&session, ["RCPT TO:<\(long)x@example.org>"]).first?.hasPrefix("550") == false)
    }
}
