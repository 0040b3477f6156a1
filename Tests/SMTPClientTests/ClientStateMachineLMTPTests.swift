import SMTPClient
import SMTPCore
import SMTPPracticeServer
import Testing

/// LMTP (RFC 2033) back to back with the practice server speaking it: LHLO, and after the
/// final dot one reply per accepted recipient, each matched to its recipient.
@Suite struct ClientStateMachineLMTPTests {
    typealias Pair = ClientStateMachineEndToEndTests.Pair

    static func lmtpPair(rules: [String] = []) -> Pair {
        var configuration = ClientStateMachine.Configuration()
        configuration.lmtp = true
        return Pair(
            configure: { server in
                server.lmtp = true
                server.localDomains = ["example.org"]
                for rule in rules { server.rules.append(try! ScenarioRule(parsing: rule)) }
            }, client: configuration)
    }

    static func recipients(of pair: Pair) -> [String] {
        pair.events.compactMap { event in
            guard case .reply(_, let outcome, _, _, _) = event, case .delivery(let path)? = outcome.answered else { return nil }
            return path.mailbox
        }
    }

    /// Every notice, said alone or with a reply.
    static func notices(of pair: Pair) -> [String] {
        pair.events.flatMap { event -> [String] in
            switch event {
            case .notice(let notice): [notice.id]
            case .reply(_, _, _, _, let notices): notices.map(\.id)
            default: []
            }
        }
    }

    static func counted(in pair: Pair) -> [ClientNotice] {
        pair.events.compactMap { event in
            if case .notice(let notice) = event, case .deliveriesCounted = notice { notice } else { nil }
        }
    }

    /// Three RCPTs, the second refused at RCPT (relay), the third refused at delivery: two
    /// replies after the dot, for the first and the third, in that order.
    @Test func oneReplyPerAcceptedRecipientAfterTheDot() {
        var pair = Self.lmtpPair(rules: ["DOT 2: 452 4.2.2 Mailbox full"])
        #expect(pair.submit("LHLO client.example", .init(track: true)).advice.isEmpty)
        #expect(pair.client.session.phase == .ready, "LHLO greets as EHLO does")
        #expect(pair.client.session.capabilities?.supports("PIPELINING") == true)
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<one@example.org>")
        pair.submit("RCPT TO:<elsewhere@other.example>")
        pair.submit("RCPT TO:<three@example.org>")
        pair.submit("DATA")
        pair.submit("Subject: hi")
        pair.submit("")
        let dot = pair.submit(".", .init(track: true)).ticket
        #expect(Self.recipients(of: pair) == ["one@example.org", "three@example.org"])
        let codes = pair.client.session.deliveries.map(\.code.rawValue)
        #expect(codes == [250, 452])
        #expect(pair.client.session.deliveries.map(\.delivered) == [true, false])
        // The dot's ticket names the last reply of the message.
        #expect(pair.code(of: dot) == 452)
        #expect(Self.counted(in: pair) == [.deliveriesCounted(delivered: 1, of: 2)])
        #expect(Self.notices(of: pair).filter { $0 == "lmtp-delivery-for" }.count == 2)
        #expect(pair.client.session.phase == .ready)
        #expect(pair.client.session.messagesAccepted == 1)
        #expect(pair.client.isSettled)
        // Nothing unsolicited: each reply found its recipient.
        #expect(!Self.notices(of: pair).contains("unsolicited-reply"), "\(Self.notices(of: pair))")
    }

    /// The next envelope pipelined behind the dot: the deliveries come first, then MAIL's
    /// reply, each to its own.
    @Test func pipelinedEnvelopeBehindTheDot() {
        var pair = Self.lmtpPair()
        pair.submit("LHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<one@example.org>")
        pair.submit("RCPT TO:<two@example.org>")
        pair.submit("DATA")
        pair.client.holdWritesUntilReleased()
        pair.submit("Subject: first")
        let dot = pair.submit(".", .init(track: true)).ticket
        let mail = pair.submit("MAIL FROM:<b@example.org>", .init(pipelined: true, track: true)).ticket
        let rcpt = pair.submit("RCPT TO:<three@example.org>", .init(pipelined: true, track: true)).ticket
        pair.apply(pair.client.releaseWrites(now: pair.now))
        #expect(pair.wire.contains(".\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<three@example.org>\r\n"), "\(pair.wire)")
        #expect(Self.recipients(of: pair) == ["one@example.org", "two@example.org"])
        #expect(pair.code(of: dot) == 250)
        #expect(pair.code(of: mail) == 250)
        #expect(pair.code(of: rcpt) == 250)
        #expect(pair.client.session.phase == .recipientsAccepted(1))
        #expect(pair.client.session.acceptedRecipients.map(\.mailbox) == ["three@example.org"])
        #expect(!Self.notices(of: pair).contains("unexpected-code"), "\(Self.notices(of: pair))")
    }

    /// BDAT … LAST in LMTP gets one reply per recipient too (RFC 2033, 4.3 with RFC 3030).
    @Test func bdatLastGetsOneReplyPerRecipient() {
        var pair = Self.lmtpPair(rules: ["DOT 1: 550 5.1.1 No such user"])
        pair.submit("LHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<one@example.org>")
        pair.submit("RCPT TO:<two@example.org>")
        let (ticket, actions) = pair.client.submitChunk(Array("Subject: x\r\n\r\nbody\r\n".utf8), last: true, pipelined: false, now: pair.now)
        pair.apply(actions)
        #expect(pair.code(of: ticket) == 250)
        #expect(pair.client.session.deliveries.map(\.code.rawValue) == [550, 250])
        #expect(Self.counted(in: pair) == [.deliveriesCounted(delivered: 1, of: 2)])
        #expect(pair.client.isSettled)
    }

    /// `--starttls` greets with LHLO, before and after TLS.
    @Test func startTLSGreetsWithLHLO() {
        var configuration = ClientStateMachine.Configuration()
        configuration.lmtp = true
        configuration.startTLS = true
        configuration.ehloName = "client.example"
        let pair = Pair(configure: { $0.lmtp = true }, client: configuration)
        #expect(pair.sentTexts == ["LHLO client.example", "STARTTLS", "LHLO client.example"], "\(pair.sentTexts)")
        #expect(pair.client.session.isTLS)
    }

    /// The same server without LMTP on the client's side: the second reply is unsolicited, as
    /// an SMTP client would see it (which is why `--lmtp` exists).
    @Test func withoutLMTPTheSecondReplyIsUnsolicited() {
        var pair = Pair(configure: { $0.lmtp = true })
        pair.submit("LHLO client.example")
        pair.submit("MAIL FROM:<a@example.org>")
        pair.submit("RCPT TO:<one@example.org>")
        pair.submit("RCPT TO:<two@example.org>")
        pair.submit("DATA")
        pair.submit(".")
        #expect(Self.notices(of: pair).contains("unsolicited-reply"), "\(Self.notices(of: pair))")
        #expect(pair.client.session.deliveries.isEmpty)
    }

    /// The practice server in LMTP mode refuses EHLO and HELO; in SMTP mode, LHLO.
    @Test func practiceServerKnowsOneGreetingVerb() {
        var lmtp = Self.lmtpPair()
        #expect(lmtp.code(of: lmtp.submit("EHLO client.example", .init(track: true)).ticket) == 500)
        var smtp = Pair()
        #expect(smtp.code(of: smtp.submit("LHLO client.example", .init(track: true)).ticket) == 500)
    }
}
