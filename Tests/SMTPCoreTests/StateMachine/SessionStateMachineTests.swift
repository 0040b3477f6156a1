import Testing
@testable import SMTPCore

@Suite struct SessionStateMachineTests {
    private func reply(_ wire: String) -> Reply {
        ReplyParser.parseAll((wire + "\r\n").utf8).first!
    }

    private func greeted(ehlo: String = "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN") -> SessionStateMachine {
        var machine = SessionStateMachine()
        machine.replyReceived(reply("220 mail.example.org ESMTP"))
        machine.commandSent(.ehlo("client"))
        machine.replyReceived(reply(ehlo))
        return machine
    }

    @Test func aWholeTransaction() {
        var machine = SessionStateMachine()
        #expect(machine.phase == .awaitingGreeting)
        #expect(machine.pending == [.greeting])
        machine.replyReceived(reply("220 hi"))
        #expect(machine.phase == .greeted)
        machine.commandSent(.ehlo("c"))
        machine.replyReceived(reply("250-mail\r\n250 8BITMIME"))
        #expect(machine.phase == .ready)
        #expect(machine.greeting == .ehlo)
        #expect(machine.capabilities?.supports("8BITMIME") == true)
        machine.commandSent(.mail(Path("a@b"), []))
        machine.replyReceived(reply("250 ok"))
        #expect(machine.phase == .mailTransaction)
        machine.commandSent(.rcpt(Path("c@d"), []))
        machine.replyReceived(reply("250 ok"))
        machine.commandSent(.rcpt(Path("e@f"), []))
        machine.replyReceived(reply("251 forwarding"))
        #expect(machine.phase == .recipientsAccepted(2))
        machine.commandSent(.data)
        #expect(machine.inputMode == .messageBody)
        let outcome = machine.replyReceived(reply("354 go ahead"))
        #expect(outcome.classification == .intermediate)
        #expect(machine.phase == .data)
        machine.messageLineSent(Array("Subject: x".utf8))
        machine.messageLineSent(Array("..".utf8))
        #expect(machine.inputMode == .messageBody)
        machine.messageLineSent(Array(".".utf8))
        #expect(machine.inputMode == .command)
        machine.replyReceived(reply("250 queued"))
        #expect(machine.phase == .ready)
        #expect(machine.messagesAccepted == 1)
        machine.commandSent(.quit)
        machine.replyReceived(reply("221 bye"))
        #expect(machine.phase == .closed)
    }

    @Test func failedCommandsDoNotAdvance() {
        var machine = greeted()
        machine.commandSent(.mail(Path("a@b"), []))
        let outcome = machine.replyReceived(reply("550 5.7.1 no"))
        #expect(outcome.classification == .failure)
        #expect(!outcome.isPositive)
        #expect(machine.phase == .ready)
        machine.commandSent(.mail(Path("a@b"), []))
        machine.replyReceived(reply("250 ok"))
        machine.commandSent(.rcpt(Path("x@y"), []))
        machine.replyReceived(reply("452 #4.3.1 queue full"))
        #expect(machine.phase == .mailTransaction)
        machine.commandSent(.data)
        machine.replyReceived(reply("503 #5.5.1 RCPT first"))
        #expect(machine.phase == .mailTransaction)
        #expect(machine.inputMode == .command)
    }

    @Test func anUnexpectedCodeIsFlagged() {
        var machine = greeted()
        machine.commandSent(.mail(Path("a@b"), []))
        machine.replyReceived(reply("250 ok"))
        machine.commandSent(.rcpt(Path("c@d"), []))
        machine.replyReceived(reply("250 ok"))
        machine.commandSent(.data)
        let outcome = machine.replyReceived(reply("250 ok"))
        #expect(outcome.classification == .unexpected)
        #expect(machine.phase != .data)
    }

    @Test func pipelinedCommandsAreAnsweredInOrder() {
        var machine = greeted()
        machine.commandSent(.mail(Path("a@b"), []))
        machine.commandSent(.rcpt(Path("c@d"), []))
        machine.commandSent(.rcpt(Path("e@f"), []))
        machine.commandSent(.data)
        #expect(machine.pending.count == 4)
        #expect(machine.projectedPhase == .data)
        #expect(machine.advice(for: .rcpt(Path("g@h"), [])).contains(.mailFirst) == false)
        let first = machine.replyReceived(reply("250 sender ok"))
        #expect(first.answered == .command(.mail(Path("a@b"), [])))
        machine.replyReceived(reply("250 ok"))
        machine.replyReceived(reply("550 no such user"))
        #expect(machine.phase == .recipientsAccepted(1))
        let data = machine.replyReceived(reply("354 go"))
        #expect(data.answered == .command(.data))
        #expect(machine.phase == .data)
        #expect(machine.pending.isEmpty)
    }

    @Test func startTLSForgetsWhatWasLearned() {
        var machine = greeted()
        #expect(machine.capabilities != nil)
        machine.commandSent(.startTLS)
        machine.replyReceived(reply("220 2.0.0 Ready to start TLS"))
        #expect(machine.phase == .tlsNegotiating)
        machine.tlsEstablished()
        #expect(machine.isTLS)
        #expect(machine.capabilities == nil)
        #expect(machine.greeting == nil)
        #expect(machine.phase == .greeted)
        #expect(machine.advice(for: .mail(Path("a@b"), [])).contains(.helloFirst))
        #expect(machine.advice(for: .startTLS) == [.alreadyTLS])
    }

    @Test func authLoginChallengesMakeTheNextLineASecret() {
        var machine = greeted()
        machine.commandSent(.auth(mechanism: "LOGIN", initialResponse: nil))
        #expect(machine.inputMode == .saslResponse)
        machine.replyReceived(reply("334 VXNlcm5hbWU6"))
        #expect(machine.phase == .authenticating)
        machine.saslResponseSent()
        machine.replyReceived(reply("334 UGFzc3dvcmQ6"))
        #expect(machine.inputMode == .saslResponse)
        machine.saslResponseSent()
        machine.replyReceived(reply("235 2.7.0 Authentication successful"))
        #expect(machine.phase == .ready)
        #expect(machine.isAuthenticated)
        #expect(machine.inputMode == .command)
        #expect(machine.advice(for: .auth(mechanism: "PLAIN", initialResponse: "x")).contains(.alreadyAuthenticated))
    }

    @Test func failedAuthReturnsToReady() {
        var machine = greeted()
        machine.commandSent(.auth(mechanism: "PLAIN", initialResponse: "AGEAYg=="))
        #expect(machine.inputMode == .command)
        machine.replyReceived(reply("535 5.7.8 Authentication credentials invalid"))
        #expect(machine.phase == .ready)
        #expect(!machine.isAuthenticated)
    }

    @Test func an421ClosesTheSessionEvenUnsolicited() {
        var machine = greeted()
        let outcome = machine.replyReceived(reply("421 4.4.2 idle timeout"))
        #expect(outcome.answered == nil)
        #expect(machine.phase == .closed)
        #expect(machine.advice(for: .noop(nil)) == [.sessionClosed])
    }

    @Test func anUnsolicitedReplyIsReported() {
        var machine = greeted()
        let outcome = machine.replyReceived(reply("250 what?"))
        #expect(outcome.answered == nil)
        #expect(outcome.classification == .unexpected)
        #expect(machine.phase == .ready)
    }

    @Test func aRejectingGreetingStillLetsTheClientQuit() {
        var machine = SessionStateMachine()
        let outcome = machine.replyReceived(reply("554 no SMTP service here"))
        #expect(outcome.classification == .failure)
        #expect(machine.phase == .greeted)
    }

    @Test func rsetEndsTheTransaction() {
        var machine = greeted()
        machine.commandSent(.mail(Path("a@b"), []))
        machine.replyReceived(reply("250 ok"))
        machine.commandSent(.rset)
        machine.replyReceived(reply("250 ok"))
        #expect(machine.phase == .ready)
    }

    @Test func bdatLastEndsTheMessage() {
        var machine = greeted()
        machine.commandSent(.mail(Path("a@b"), []))
        machine.commandSent(.rcpt(Path("c@d"), []))
        machine.commandSent(.bdat(size: 10, last: false))
        machine.commandSent(.bdat(size: 0, last: true))
        for _ in 0..<4 { machine.replyReceived(reply("250 ok")) }
        #expect(machine.phase == .ready)
        #expect(machine.messagesAccepted == 1)
    }

    // MARK: Advice

    @Test func adviceBeforeTheGreeting() {
        let machine = SessionStateMachine()
        #expect(machine.advice(for: .ehlo("x")) == [.beforeGreeting])
        #expect(machine.advice(for: .quit).isEmpty)
        #expect(machine.advice(forCommandLine: Array("xyzzy".utf8)) == [.beforeGreeting])
    }

    @Test func adviceOnSequenceMistakes() {
        var machine = SessionStateMachine()
        machine.replyReceived(reply("220 hi"))
        #expect(machine.advice(for: .mail(Path("a@b"), [])) == [.helloFirst])
        let ready = greeted()
        #expect(ready.advice(for: .rcpt(Path("a@b"), [])) == [.mailFirst])
        #expect(ready.advice(for: .data) == [.mailFirst])
        var inMail = ready
        inMail.commandSent(.mail(Path("a@b"), []))
        #expect(inMail.advice(for: .data) == [.recipientFirst])
        #expect(inMail.advice(for: .mail(Path("a@b"), [])) == [.nestedMail])
        #expect(inMail.advice(for: .auth(mechanism: "PLAIN", initialResponse: nil)).contains(.duringMailTransaction))
        #expect(inMail.advice(for: .startTLS) == [.duringMailTransaction])
    }

    @Test func adviceOnExtensions() {
        let machine = greeted(ehlo: "250-mail\r\n250-SIZE 1000\r\n250 AUTH PLAIN")
        #expect(machine.advice(for: .startTLS) == [.notAdvertised("STARTTLS")])
        #expect(machine.advice(for: .auth(mechanism: "CRAM-MD5", initialResponse: nil)) == [.mechanismNotAdvertised("CRAM-MD5"), .credentialsInClear])
        #expect(machine.advice(for: .auth(mechanism: "plain", initialResponse: nil)) == [.credentialsInClear])
        #expect(machine.advice(for: .mail(Path("a@b"), [.size(5000)])) == [.messageTooBig(declared: 5000, limit: 1000)])
        #expect(machine.advice(for: .mail(Path("a@b"), [.smtpUTF8])) == [.notAdvertised("SMTPUTF8")])
        #expect(machine.advice(for: .mail(Path("用户@例子"), [])) == [.needsSMTPUTF8])
        #expect(machine.advice(for: .mail(Path("a@b"), [.body(.eightBitMIME)])) == [.notAdvertised("8BITMIME")])
    }

    @Test func adviceOnLines() {
        let machine = greeted()
        #expect(machine.advice(forCommandLine: Array("MAIL FROM:alice@example.org".utf8))
            == [.missingAngleBrackets("MAIL", corrected: "MAIL FROM:<alice@example.org>")])
        #expect(machine.advice(forCommandLine: Array("EHLO".utf8)) == [.missingArgument("EHLO")])
        let long = Array("NOOP ".utf8) + [UInt8](repeating: 65, count: 1000)
        #expect(machine.advice(forCommandLine: long) == [.lineTooLong(1005)])
        let medium = Array("NOOP ".utf8) + [UInt8](repeating: 65, count: 600)
        #expect(machine.advice(forCommandLine: medium) == [.commandLineTooLong(605)])
        #expect(SequenceAdvice.mailFirst.likelyReply == .badSequence)
        #expect(SequenceAdvice.lineTooLong(1).likelyReply == .syntaxError)
    }

    /// Issue 18: a suggestion shows the user's own line, corrected.
    @Test(arguments: [
        ("mail from: alice@example.net", "MAIL FROM:<alice@example.net>"),
        ("RCPT TO:dave@postfix.test", "RCPT TO:<dave@postfix.test>"),
        ("rcpt to:<carol@example.org NOTIFY=NEVER", "RCPT TO:<carol@example.org> NOTIFY=NEVER"),
        ("mail from <alice@example.org>", "MAIL FROM:<alice@example.org>"),
    ])
    func suggestionsShowTheUsersLineCorrected(typed: String, corrected: String) {
        #expect(CommandLineCorrection.pathCommand(typed) == corrected)
        let advice = greeted().advice(forCommandLine: Array(typed.utf8))
        let shown = advice.compactMap { item -> String? in
            switch item {
            case .missingAngleBrackets(_, let fix), .syntax(_, let fix): fix
            default: nil
            }
        }
        #expect(shown == [corrected], "\(advice)")
    }

    /// Issue 18: a typo of a verb is said, with the verb meant; an extension the server
    /// offers is not a typo; full-width input is said before anything else.
    @Test func typosAndFullWidthInput() {
        var machine = greeted()
        #expect(machine.advice(forCommandLine: Array("HLEO me.example".utf8)) == [.unknownVerb("HLEO", suggestion: "HELO")])
        #expect(machine.advice(forCommandLine: Array("RCTP TO:<a@b>".utf8)) == [.unknownVerb("RCTP", suggestion: "RCPT")])
        #expect(machine.advice(forCommandLine: Array("XYZZY".utf8)) == [])
        // ETRN is two letters from EXPN: not a typo to point at.
        #expect(machine.advice(forCommandLine: Array("ETRN example.org".utf8)) == [])
        #expect(machine.advice(forCommandLine: Array("ＮＯＯＰ".utf8)) == [.fullWidth(corrected: "NOOP")])
        #expect(machine.advice(forCommandLine: Array("MAIL FROM：<you@example.org>".utf8)) == [.fullWidth(corrected: "MAIL FROM:<you@example.org>")])
        #expect(machine.advice(forCommandLine: Array("NOOP\u{3000}now".utf8)) == [.fullWidth(corrected: "NOOP now")])
        machine.commandSent(.ehlo("me.example"))
        machine.replyReceived(reply("250-mx.example\r\n250 XSTA"))
        #expect(machine.advice(forCommandLine: Array("XSTA".utf8)) == [])
    }

    /// Issue 18: STARTTLS before EHLO gets no prediction (Postfix answers 220); a 554 or 504
    /// to RCPT, a 554 to VRFY or STARTTLS is a failure, not an unexpected reply.
    @Test func predictionsRightForCommonServers() {
        var machine = SessionStateMachine()
        machine.replyReceived(reply("220 mx.example ESMTP"))
        #expect(machine.advice(for: .startTLS) == [])
        #expect(ExpectedReplies.rcpt.classify(ReplyCode(rawValue: 554)!) == .failure)
        #expect(ExpectedReplies.rcpt.classify(ReplyCode(rawValue: 504)!) == .failure)
        #expect(ExpectedReplies.vrfy.classify(ReplyCode(rawValue: 554)!) == .failure)
        #expect(ExpectedReplies.startTLS.classify(ReplyCode(rawValue: 554)!) == .failure)
        // A positive reply a command cannot get is still said.
        #expect(ExpectedReplies.data.classify(ReplyCode(rawValue: 250)!) == .unexpected)
        #expect(ExpectedReplies.rcpt.classify(ReplyCode(rawValue: 354)!) == .unexpected)
    }

    /// Feeds `wire` through a parser with `keptLines` lines per reply, line events first as the
    /// client does, and returns the machine after the EHLO reply.
    private func afterEHLO(_ lines: [String], keptLines: Int) -> SessionStateMachine {
        var machine = SessionStateMachine()
        machine.replyReceived(reply("220 mail.example.org ESMTP"))
        machine.commandSent(.ehlo("client"))
        var parser = ReplyParser(limits: .init(maximumLinesPerReply: keptLines))
        parser.append(lines.map { $0 + "\r\n" }.joined().utf8)
        while let event = parser.next() {
            switch event {
            case .line(let line): machine.replyLineReceived(line, keptLinesPerReply: keptLines)
            case .reply(let reply): machine.replyReceived(reply)
            case .unparsableLine: Issue.record("unparsable line")
            }
        }
        return machine
    }

    @Test func extensionsPastTheKeptLinesOfAnEHLOReplyAreStillSeen() {
        let lines = ["250-mail.example.org", "250-SIZE 1000"]
            + (0..<50).map { "250-X-KEYWORD-\($0) some parameters" }
            + ["250-AUTH PLAIN", "250-SIZE 2000", "250-X-UNKNOWN", "250 PIPELINING"]
        let machine = afterEHLO(lines, keptLines: 10)
        let capabilities = machine.capabilities
        #expect(capabilities?.supports(Capability.pipelining) == true)
        #expect(capabilities?.authMechanisms == ["PLAIN"])
        // What was kept comes first: the first SIZE wins, a later one is not added.
        #expect(capabilities?.size == .limit(1000))
        #expect(capabilities?.supports("X-KEYWORD-20") == false)
        #expect(capabilities?.supports("X-UNKNOWN") == false)
        #expect(capabilities?.keywords.count == 10 - 1 + 2)
    }

    @Test func linesOfOtherRepliesAreNotTakenForExtensions() {
        // The same long reply to NOOP, then a short EHLO reply: nothing from the NOOP's lines.
        var machine = SessionStateMachine()
        machine.replyReceived(reply("220 mail.example.org ESMTP"))
        machine.commandSent(.noop(nil))
        machine.commandSent(.ehlo("client"))
        var parser = ReplyParser(limits: .init(maximumLinesPerReply: 2))
        let noop = ["250-a", "250-b", "250-c", "250 PIPELINING"]
        parser.append((noop + ["250-mail", "250 SIZE 10"]).map { $0 + "\r\n" }.joined().utf8)
        while let event = parser.next() {
            switch event {
            case .line(let line): machine.replyLineReceived(line, keptLinesPerReply: 2)
            case .reply(let reply): machine.replyReceived(reply)
            case .unparsableLine: Issue.record("unparsable line")
            }
        }
        #expect(machine.capabilities?.keywords == ["SIZE"])
    }
}
