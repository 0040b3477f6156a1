import Testing
@testable import SMTPPracticeServer

/// The rules a teacher writes (issue 19): counts per message as well as per session, rules
/// for one address, `RCPT TO` and `MAIL FROM` written as in a session, warnings for rules that
/// can never fire, a server's own domains, and rules changed while a session goes on.
@Suite struct RuleEngineTests {
    typealias S = ServerSessionTests

    static func rules(_ texts: String...) throws -> PracticeServerConfiguration {
        var configuration = PracticeServerConfiguration()
        for text in texts { configuration.rules.append(try ScenarioRule(parsing: text)) }
        return configuration
    }

    static func session(_ configuration: PracticeServerConfiguration) -> ServerSession {
        var session = ServerSession(configuration: configuration, messageIDs: { "42" }, randomToken: { "1" })
        _ = session.greet()
        _ = session.receive(Array("EHLO client.example\r\n".utf8))
        return session
    }

    // MARK: - Parsing

    @Test(arguments: [
        ("RCPT 3+ per message: 452 4.5.3 Too many recipients",
         ScenarioRule(trigger: .verb("RCPT"), occurrence: .from(3), scope: .message, reply: "452 4.5.3 Too many recipients")),
        ("RCPT TO: 550 5.1.1 no such user", ScenarioRule(trigger: .verb("RCPT"), reply: "550 5.1.1 no such user")),
        ("rcpt to 2: 550 x", ScenarioRule(trigger: .verb("RCPT"), occurrence: .nth(2), reply: "550 x")),
        ("MAIL FROM: 451 later", ScenarioRule(trigger: .verb("MAIL"), reply: "451 later")),
        ("RCPT <nobody@example.org>: 550 5.1.1 <{arg}>: no such user",
         ScenarioRule(trigger: .verb("RCPT"), address: .init("nobody@example.org"), reply: "550 5.1.1 <{arg}>: no such user")),
        ("RCPT TO:<nobody@example.org>: 550 5.1.1 no",
         ScenarioRule(trigger: .verb("RCPT"), address: .init("nobody@example.org"), reply: "550 5.1.1 no")),
        ("RCPT TO: <*@Elsewhere.Example> 2 per message close: 554 x",
         ScenarioRule(trigger: .verb("RCPT"), occurrence: .nth(2), scope: .message, address: .init("*@elsewhere.example"), reply: "554 x", close: true)),
        ("DOT per session: 451 y", ScenarioRule(trigger: .endOfData, reply: "451 y")),
    ])
    func parses(text: String, rule: ScenarioRule) throws {
        let parsed = try ScenarioRule(parsing: text)
        #expect(parsed == rule)
        // The description is a rule that parses back to the same one.
        #expect(try ScenarioRule(parsing: String(parsed.description.dropFirst(3))) == parsed)
    }

    @Test(arguments: [
        "RCPT per day: 452 x", "RCPT <nobody>: 550 x", "GREETING <a@b>: 421 x", "RCPT <a@b> <c@d>: 550 x", "RCPT TO:<a@b> 550 x",
    ])
    func refuses(text: String) {
        #expect(throws: ScenarioError.self) { try ScenarioRule(parsing: text) }
    }

    @Test func addressPatterns() throws {
        let exact = try #require(ScenarioRule.AddressPattern("<Nobody@Example.org>"))
        #expect(exact.matches("nobody@example.org"))
        #expect(!exact.matches("somebody@example.org"))
        let domain = try #require(ScenarioRule.AddressPattern("*@elsewhere.example"))
        #expect(domain.matches("anyone@ELSEWHERE.example"))
        #expect(!domain.matches("anyone@example.org"))
        let local = try #require(ScenarioRule.AddressPattern("postmaster@*"))
        #expect(local.matches("postmaster@example.org"))
        #expect(ScenarioRule.AddressPattern("no-at-sign") == nil)
    }

    // MARK: - Counting

    /// The built-in scenario's hint says "send the rest in another transaction": that works.
    @Test func tooManyRecipientsCountsPerMessage() throws {
        var configuration = PracticeServerConfiguration()
        try configuration.apply(#require(BuiltInScenarios.named("too-many-recipients")))
        var session = Self.session(configuration)
        let first = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b1@example.org>", "RCPT TO:<b2@example.org>", "RCPT TO:<b3@example.org>"])
        #expect(first.last == "452 #4.5.3 Too many recipients")
        let second = S.exchange(&session, ["RSET", "MAIL FROM:<a@example.org>", "RCPT TO:<c1@example.org>", "RCPT TO:<c2@example.org>", "RCPT TO:<c3@example.org>"])
        #expect(second == ["250 reset", "250 sender <a@example.org> ok", "250 recipient <c1@example.org> ok", "250 recipient <c2@example.org> ok", "452 #4.5.3 Too many recipients"])
    }

    @Test func aSessionCountStaysASessionCount() throws {
        var session = Self.session(try Self.rules("RCPT 3+: 452 4.5.3 Too many recipients"))
        _ = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b1@example.org>", "RCPT TO:<b2@example.org>", "RSET", "MAIL FROM:<a@example.org>"])
        #expect(S.exchange(&session, ["RCPT TO:<c1@example.org>"]) == ["452 4.5.3 Too many recipients"])
    }

    /// One unknown user among valid ones, whatever order the student types them in.
    @Test func aRuleForOneAddress() throws {
        var session = Self.session(try Self.rules("RCPT TO:<nobody@example.org>: 550 5.1.1 <{arg}>: no such user"))
        let replies = S.exchange(&session, [
            "MAIL FROM:<a@example.org>", "RCPT TO:<friend@example.org>", "RCPT TO:<NOBODY@example.org>", "RCPT TO:<other@example.org>",
        ])
        #expect(replies == [
            "250 2.1.0 Sender <a@example.org> OK", "250 2.1.5 Recipient <friend@example.org> OK",
            "550 5.1.1 <NOBODY@example.org>: no such user", "250 2.1.5 Recipient <other@example.org> OK",
        ])
    }

    /// With an address, the count counts that address: the second try of the same recipient.
    @Test func anAddressRuleCountsItsOwnAddress() throws {
        var session = Self.session(try Self.rules("RCPT <slow@example.org> 1: 451 4.7.1 try again later"))
        let replies = S.exchange(&session, [
            "MAIL FROM:<a@example.org>", "RCPT TO:<x@example.org>", "RCPT TO:<slow@example.org>", "RCPT TO:<slow@example.org>",
        ])
        #expect(replies.suffix(2) == ["451 4.7.1 try again later", "250 2.1.5 Recipient <slow@example.org> OK"])
    }

    // MARK: - Domains and AUTH

    @Test func relayIsRefusedOnlyForOtherDomainsAndNotAfterAuth() throws {
        var configuration = PracticeServerConfiguration()
        try configuration.apply(setting: "local-domains", value: "example.org")
        var session = Self.session(configuration)
        let replies = S.exchange(&session, [
            "MAIL FROM:<a@example.org>", "RCPT TO:<friend@example.org>", "RCPT TO:<someone@elsewhere.example>", "RCPT TO:<Friend@EXAMPLE.org>",
        ])
        #expect(replies == [
            "250 2.1.0 Sender <a@example.org> OK", "250 2.1.5 Recipient <friend@example.org> OK",
            "550 5.7.1 <someone@elsewhere.example>: Relay access denied", "250 2.1.5 Recipient <Friend@EXAMPLE.org> OK",
        ])
        var authenticated = Self.session(configuration)
        #expect(S.exchange(&authenticated, ["AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=", "MAIL FROM:<a@example.org>", "RCPT TO:<someone@elsewhere.example>"]).last
            == "250 2.1.5 Recipient <someone@elsewhere.example> OK")
    }

    /// The same recipient twice is one recipient: accepted again, not counted again.
    @Test func theSameRecipientTwiceIsOneRecipient() throws {
        var configuration = PracticeServerConfiguration()
        configuration.maximumRecipients = 2
        var session = Self.session(configuration)
        let replies = S.exchange(&session, [
            "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "RCPT TO:<B@Example.org>", "RCPT TO:<c@example.org>",
            "RCPT TO:<d@example.org>", "DATA",
        ])
        #expect(replies.suffix(3) == ["250 2.1.5 Recipient <c@example.org> OK", "452 4.5.3 Too many recipients", "354 End data with <CR><LF>.<CR><LF>"])
        let actions = session.receive(Array("x\r\n.\r\n".utf8))
        let message = try #require(actions.compactMap { action -> ReceivedMessage? in
            if case .deliver(let message, _) = action { return message }
            return nil
        }.first)
        #expect(message.recipients.map(\.mailbox) == ["b@example.org", "c@example.org"])
    }

    @Test func authCanBeSwitchedOff() throws {
        var configuration = PracticeServerConfiguration()
        try configuration.apply(setting: "auth", value: "no")
        var session = ServerSession(configuration: configuration, messageIDs: { "1" }, randomToken: { "1" })
        _ = session.greet()
        let ehlo = S.replies(session.receive(Array("EHLO client.example\r\n".utf8)))
        #expect(!ehlo.contains { $0.contains("AUTH") })
        #expect(S.exchange(&session, ["AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U="]) == ["503 5.5.1 AUTH not available"])
    }

    // MARK: - Rules that can never fire

    @Test func shadowedAndImpossibleRulesAreFound() throws {
        var configuration = try Self.rules(
            "RCPT: 452 #4.3.1 queue full",  // 0
            "RCPT 1: 250 recipient <{arg}> ok",  // 1: shadowed by 0
            "DOT 2 per message: 451 later",  // 2: one dot per message
            "GREETING 2: 421 x",  // 3: one greeting
            "RSET 2 per message: 500 x",  // 4: RSET ends the transaction
            "BAD 30: 421 x",  // 5: the server hangs up at the 21st
            "MAIL 2 per message: 503 nested",  // 6: possible (a second MAIL inside a transaction)
            "DOT 2: 451 later")  // 7: possible (the second message of the session)
        configuration.rules.append(try ScenarioRule(parsing: "RCPT <a@example.org> 2: 550 x"))  // 8: shadowed by 0
        #expect(configuration.ruleFindings == [
            RuleFinding(index: 1, reason: .shadowed(by: 0)),
            RuleFinding(index: 2, reason: .oncePerMessage),
            RuleFinding(index: 3, reason: .oncePerSession),
            RuleFinding(index: 4, reason: .oncePerMessage),
            RuleFinding(index: 5, reason: .afterBadCommandLimit(20)),
            RuleFinding(index: 8, reason: .shadowed(by: 0)),
        ])
    }

    @Test func rulesThatOnlyLookAlikeAreNotShadowed() throws {
        let configuration = try Self.rules(
            "RCPT 2: 452 x",
            "RCPT <a@example.org> 2: 550 x",  // the 2nd a@ need not be the 2nd RCPT
            "RCPT 3 per message: 452 y",
            "RCPT 3: 452 z",  // the 3rd of the session need not be the 3rd of a message
            "RCPT <*@example.org>: 550 w",
            "RCPT <a@elsewhere.example>: 550 v")  // another domain
        #expect(configuration.ruleFindings == [])
    }

    /// `--on` rules come before a scenario's: the more specific intent of the command line wins.
    @Test func scenarioRulesComeAfterThoseAlreadyThere() throws {
        var configuration = try Self.rules("RCPT 1: 250 recipient <{arg}> ok")
        try configuration.apply(#require(BuiltInScenarios.named("queue-full")))
        #expect(configuration.rules.map(\.reply) == ["250 recipient <{arg}> ok", "452 #4.3.1 queue full"])
        #expect(configuration.ruleFindings.isEmpty)
    }

    // MARK: - Rules changed while the session goes on

    @Test func reconfiguringKeepsTheSessionAndTheCountsOfKeptRules() throws {
        var configuration = try Self.rules("RCPT 3+ per message: 452 4.5.3 Too many recipients")
        var session = Self.session(configuration)
        _ = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b1@example.org>", "RCPT TO:<b2@example.org>"])
        configuration.rules.insert(try ScenarioRule(parsing: "RCPT <nobody@example.org>: 550 5.1.1 no such user"), at: 0)
        session.reconfigure(configuration)
        // The new rule applies at once; the kept rule remembers its two recipients.
        #expect(S.exchange(&session, ["RCPT TO:<nobody@example.org>", "RCPT TO:<b3@example.org>"]) == [
            "550 5.1.1 no such user", "452 4.5.3 Too many recipients",
        ])
        #expect(!session.isClosed)
        session.reconfigure(PracticeServerConfiguration())
        #expect(S.exchange(&session, ["RCPT TO:<nobody@example.org>"]) == ["250 2.1.5 Recipient <nobody@example.org> OK"])
    }
}
