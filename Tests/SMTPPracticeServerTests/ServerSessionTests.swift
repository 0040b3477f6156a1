import Crypto
import Testing
@testable import SMTPCore
@testable import SMTPPracticeServer

/// The practice server's protocol logic, without sockets: bytes in, actions out.
@Suite struct ServerSessionTests {
    static func session(_ configure: (inout PracticeServerConfiguration) -> Void = { _ in }, tls: Bool = false) -> ServerSession {
        var configuration = PracticeServerConfiguration()
        configure(&configuration)
        return ServerSession(configuration: configuration, tls: tls, messageIDs: { "42" }, randomToken: { "12345" })
    }

    /// The reply lines (as text) in a list of actions, including delivered messages' replies.
    static func replies(_ actions: [ServerSession.Action]) -> [String] {
        actions.flatMap { action -> [String] in
            switch action {
            case .send(let reply), .deliver(_, let reply): reply.lines.map { String(decoding: $0.bytes, as: UTF8.self) }
            default: []
            }
        }
    }

    static func greeted(_ configure: (inout PracticeServerConfiguration) -> Void = { _ in }) -> ServerSession {
        var session = session(configure)
        _ = session.greet()
        _ = session.receive(Array("EHLO client.example\r\n".utf8))
        return session
    }

    /// Sends lines one by one and returns the first reply line to each.
    static func exchange(_ session: inout ServerSession, _ lines: [String]) -> [String] {
        lines.map { line in replies(session.receive(Array((line + "\r\n").utf8))).first ?? "(none)" }
    }

    @Test func greetingAndEHLO() {
        var session = Self.session()
        #expect(Self.replies(session.greet()) == ["220 practice.localhost ESMTP smtpsh practice server"])
        let ehlo = Self.replies(session.receive(Array("EHLO client.example\r\n".utf8)))
        #expect(ehlo.first == "250-practice.localhost greets client.example")
        #expect(ehlo.contains("250-STARTTLS"))
        #expect(ehlo.contains("250-SIZE 52428800"))
        #expect(ehlo.contains("250-AUTH PLAIN LOGIN CRAM-MD5"))
        #expect(ehlo.last == "250 HELP")
    }

    @Test func aWholeTransactionDeliversTheUnstuffedMessage() throws {
        var session = Self.greeted()
        #expect(Self.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"]) == [
            "250 2.1.0 Sender <a@example.org> OK", "250 2.1.5 Recipient <b@example.org> OK",
            "354 End data with <CR><LF>.<CR><LF>",
        ])
        let actions = session.receive(Array("Subject: x\r\n\r\n..dot\r\n.\r\n".utf8))
        let delivered = try #require(actions.compactMap { action -> ReceivedMessage? in
            if case .deliver(let message, _) = action { return message }
            return nil
        }.first)
        #expect(delivered.content == Array("Subject: x\r\n\r\n.dot\r\n".utf8))
        #expect(delivered.sender == Path("a@example.org"))
        #expect(delivered.recipients == [Path("b@example.org")])
        #expect(delivered.clientName == "client.example")
        #expect(Self.replies(actions) == ["250 2.0.0 OK: message 42 accepted"])
        #expect(session.messagesAccepted == 1)
    }

    @Test func pipelinedCommandsInOneChunkAreAnsweredInOrder() {
        var session = Self.greeted()
        let actions = session.receive(Array("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n".utf8))
        #expect(Self.replies(actions).map { String($0.prefix(3)) } == ["250", "250", "250", "354", "250", "221"])
        #expect(actions.last == .close)
        #expect(session.isClosed)
    }

    @Test func anyChunkingGivesTheSameReplies() {
        let wire = Array("EHLO x\r\nMAIL FROM:<a@b> SIZE=10\r\nRCPT TO:<c@d>\r\nDATA\r\n.a\r\n..\r\n.\r\nRSET\r\nQUIT\r\n".utf8)
        var reference = Self.session()
        _ = reference.greet()
        let expected = Self.replies(reference.receive(wire))
        for split in 0...wire.count {
            var session = Self.session()
            _ = session.greet()
            let replies = Self.replies(session.receive(wire[..<split])) + Self.replies(session.receive(wire[split...]))
            #expect(replies == expected, "split at \(split)")
        }
        var byteByByte = Self.session()
        _ = byteByByte.greet()
        #expect(wire.flatMap { Self.replies(byteByByte.receive([$0])) } == expected)
    }

    @Test func sequenceErrors() {
        var fresh = Self.session()
        _ = fresh.greet()
        #expect(Self.exchange(&fresh, ["MAIL FROM:<a@b>"]) == ["503 5.5.1 Bad sequence of commands: send EHLO or HELO first"])
        var session = Self.greeted()
        #expect(Self.exchange(&session, ["RCPT TO:<a@b>", "DATA", "MAIL FROM:<a@b>", "DATA", "MAIL FROM:<x@y>"]) == [
            "503 5.5.1 Bad sequence of commands: need MAIL before RCPT",
            "503 5.5.1 Bad sequence of commands: need MAIL before DATA",
            "250 2.1.0 Sender <a@b> OK",
            "503 5.5.1 Bad sequence of commands: need RCPT before DATA",
            "503 5.5.1 Bad sequence of commands: sender already given (RSET first)",
        ])
    }

    @Test func syntaxErrors() {
        var session = Self.greeted()
        #expect(Self.exchange(&session, [
            "MAIL FROM:a@b", "EHLO", "XYZZY", "", "EXPN staff", "TURN", "MAIL FROM:<a@b> FOO=BAR", "MAIL FROM:<a@b> SIZE=-1",
            "MAIL FROM:<a@b> BODY=9BIT", "DATA now", "AUTH",
        ]) == [
            "501 5.5.2 Syntax error in MAIL",
            "501 5.5.4 EHLO requires a domain name",
            "500 5.5.2 Command not recognized: XYZZY",
            "500 5.5.2 Command not recognized: (empty line)",
            "502 5.5.1 EXPN not available",
            "502 5.5.1 TURN not implemented",
            "555 5.5.4 Unsupported parameter FOO",
            "501 5.5.4 Invalid parameter SIZE=-1",
            "501 5.5.4 Invalid parameter BODY=9BIT",
            "501 5.5.2 Syntax error in DATA",
            "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
        ])
    }

    @Test func theApplianceStyle() {
        var session = Self.session { $0.style = .appliance; $0.hostname = "my_esa.local" }
        #expect(Self.replies(session.greet()) == ["220 my_esa.local ESMTP"])
        #expect(Self.exchange(&session, [
            "helo x", "rcpt to: <user@other.com>", "mail from: <test@test.com>", "data", "rcpt to: <user@other.com>", "data",
        ]) == [
            "250 my_esa.local", "503 #5.5.1 MAIL first", "250 sender <test@test.com> ok", "503 #5.5.1 RCPT first",
            "250 recipient <user@other.com> ok", "354 go ahead",
        ])
        #expect(Self.replies(session.receive(Array("subject: TESTING SMTP\r\nThis is line one.\r\n.\r\n".utf8))) == [
            "250 ok: Message 42 accepted",
        ])
        #expect(Self.exchange(&session, ["FOO", "EHLO", "quit"]) == [
            "500 #5.5.1 command not recognized", "501 #5.0.0 EHLO requires domain address", "221 my_esa.local",
        ])
    }

    @Test func limits() {
        var session = Self.greeted { $0.maximumRecipients = 2; $0.maximumMessageSize = 20; $0.maximumLineLength = 64 }
        #expect(Self.exchange(&session, [
            "MAIL FROM:<a@b> SIZE=21", "MAIL FROM:<a@b> SIZE=20", "RCPT TO:<1@x>", "RCPT TO:<2@x>", "RCPT TO:<3@x>", "DATA",
        ]).map { String($0.prefix(9)) } == ["552 5.3.4", "250 2.1.0", "250 2.1.5", "250 2.1.5", "452 4.5.3", "354 End d"])
        let big = Self.replies(session.receive(Array((String(repeating: "x", count: 100) + "\r\n.\r\n").utf8)))
        #expect(big == ["552 5.3.4 Message size exceeds fixed limit of 20 octets"])
        #expect(session.messagesAccepted == 0)
        let long = Self.replies(session.receive(Array(("NOOP " + String(repeating: "y", count: 500) + "\r\nNOOP\r\n").utf8)))
        #expect(long == ["500 5.5.2 Line too long", "250 2.0.0 OK"])
    }

    @Test func anEndlessLineIsDroppedAsItArrives() {
        var session = Self.greeted { $0.maximumLineLength = 1024 }
        let chunk = [UInt8](repeating: 65, count: 65536)
        for _ in 0..<16 {
            #expect(session.receive(chunk).isEmpty)
        }
        #expect(Self.replies(session.receive(Array("\r\nNOOP\r\n".utf8))) == ["500 5.5.2 Line too long", "250 2.0.0 OK"])
    }

    @Test func requirements() {
        var tlsRequired = Self.greeted { $0.requireTLS = true }
        #expect(Self.exchange(&tlsRequired, ["MAIL FROM:<a@b>", "NOOP"]) == ["530 5.7.0 Must issue a STARTTLS command first", "250 2.0.0 OK"])
        var authRequired = Self.greeted { $0.requireAuth = true }
        #expect(Self.exchange(&authRequired, ["MAIL FROM:<a@b>"]) == ["530 5.7.0 Authentication required"])
        var encryption = Self.greeted { $0.authRequiresTLS = true }
        #expect(Self.exchange(&encryption, ["AUTH PLAIN"]) == ["538 5.7.11 Encryption required for requested authentication mechanism"])
    }

    @Test func startTLSDiscardsWhatFollowsAndForgetsTheSession() {
        var session = Self.greeted()
        let actions = session.receive(Array("STARTTLS\r\nMAIL FROM:<injected@evil>\r\n".utf8))
        #expect(Self.replies(actions) == ["220 2.0.0 Ready to start TLS"])
        #expect(actions.contains(.startTLS))
        #expect(actions.contains(.note("discarded 27 octets sent after STARTTLS before TLS")))
        session.tlsEstablished()
        #expect(Self.exchange(&session, ["MAIL FROM:<a@b>"]) == ["503 5.5.1 Bad sequence of commands: send EHLO or HELO first"])
        let ehlo = Self.replies(session.receive(Array("EHLO again\r\n".utf8)))
        #expect(!ehlo.contains("250-STARTTLS"))
        #expect(Self.exchange(&session, ["STARTTLS"]) == ["503 5.5.1 TLS already active"])
    }

    @Test func authPlainLoginAndCramMD5() {
        var plain = Self.greeted()
        let good = Base64.encode(Array("\u{0}student\u{0}practice".utf8))
        #expect(Self.exchange(&plain, ["AUTH PLAIN " + good, "AUTH PLAIN " + good]) == [
            "235 2.7.0 Authentication successful", "503 5.5.1 Already authenticated",
        ])
        var wrong = Self.greeted()
        #expect(Self.exchange(&wrong, ["AUTH PLAIN", Base64.encode(Array("\u{0}student\u{0}nope".utf8))]) == [
            "334 ", "535 5.7.8 Authentication credentials invalid",
        ])
        var login = Self.greeted()
        #expect(Self.exchange(&login, ["AUTH LOGIN", Base64.encode(Array("student".utf8)), Base64.encode(Array("practice".utf8))]) == [
            "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful",
        ])
        var cram = Self.greeted()
        let challenge = Self.exchange(&cram, ["AUTH CRAM-MD5"])[0]
        let decoded = String(decoding: Base64.decode(String(challenge.dropFirst(4)))!, as: UTF8.self)
        #expect(decoded == "<12345@practice.localhost>")
        let digest = HMAC<Insecure.MD5>.authenticationCode(for: Array(decoded.utf8), using: SymmetricKey(data: Array("practice".utf8)))
            .map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(Self.exchange(&cram, [Base64.encode(Array("student \(digest)".utf8))]) == ["235 2.7.0 Authentication successful"])
        var badBase64 = Self.greeted()
        #expect(Self.exchange(&badBase64, ["AUTH LOGIN", "not base64!", "AUTH LOGIN", "*", "AUTH GSSAPI"]) == [
            "334 VXNlcm5hbWU6", "501 5.5.2 Cannot decode the response (not base64)", "334 VXNlcm5hbWU6",
            "501 5.7.0 Authentication cancelled", "504 5.5.4 Unrecognized authentication mechanism GSSAPI",
        ])
    }

    @Test func secretsNeverReachTheLog() {
        var session = Self.greeted()
        let secret = Base64.encode(Array("\u{0}student\u{0}practice".utf8))
        func logged(_ actions: [ServerSession.Action]) -> [String] {
            actions.compactMap { action -> String? in
                if case .logClient(let text) = action { return text }
                return nil
            }
        }
        #expect(logged(session.receive(Array("AUTH PLAIN \(secret)\r\n".utf8))) == ["AUTH PLAIN ********"])
        var login = Self.greeted()
        #expect(logged(login.receive(Array("AUTH LOGIN\r\nc3R1ZGVudA==\r\ncHJhY3RpY2U=\r\n".utf8))) == ["AUTH LOGIN", "********", "********"])
        // A response pipelined after a refused AUTH is kept out of the log as well.
        #expect(logged(session.receive(Array("AUTH LOGIN\r\nc3R1ZGVudA==\r\nNOOP\r\n".utf8))) == ["AUTH LOGIN", "********", "NOOP"])
    }

    @Test func bareLineFeeds() {
        var session = Self.greeted { $0.rejectBareLineFeed = true }
        let actions = session.receive(Array("NOOP\n".utf8))
        #expect(Self.replies(actions) == ["521 5.5.2 practice.localhost Error: bare <LF> received"])
        #expect(session.isClosed)
        var data = Self.greeted { $0.rejectBareLineFeed = true }
        _ = Self.exchange(&data, ["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA"])
        #expect(Self.replies(data.receive(Array("a\nb\r\n.\r\n".utf8))) == ["521 5.5.2 practice.localhost Error: bare <LF> received"])
        var lenient = Self.greeted()
        #expect(Self.exchange(&lenient, ["NOOP"]) == ["250 2.0.0 OK"])
        #expect(Self.replies(lenient.receive(Array("NOOP\n".utf8))) == ["250 2.0.0 OK"])
    }

    @Test func anEarlyTalkerIsRefused() {
        var session = Self.session { $0.greetingDelay = 1 }
        let actions = session.receive(Array("EHLO hasty\r\n".utf8))
        #expect(Self.replies(actions) == ["554 5.5.0 practice.localhost SMTP synchronization error: input before the greeting"])
        #expect(actions.last == .close)
        #expect(session.greet().isEmpty)
    }

    @Test func idleTimeout() {
        var session = Self.greeted()
        #expect(Self.replies(session.idleTimedOut()) == ["421 4.4.2 practice.localhost Error: timeout exceeded"])
        #expect(session.isClosed)
        #expect(session.receive(Array("NOOP\r\n".utf8)).isEmpty)
    }

    @Test func bdatChunks() throws {
        var session = Self.greeted()
        _ = Self.exchange(&session, ["MAIL FROM:<a@b>", "RCPT TO:<c@d>"])
        let first = session.receive(Array("BDAT 5\r\nhello".utf8))
        #expect(Self.replies(first) == ["250 2.0.0 5 octets received"])
        let last = session.receive(Array("BDAT 10 LAST\r\n\r\n.world\r\nQUIT\r\n".utf8))
        let message = try #require(last.compactMap { action -> ReceivedMessage? in
            if case .deliver(let message, _) = action { return message }
            return nil
        }.first)
        #expect(message.content == Array("hello\r\n.world\r\n".utf8))
        #expect(message.viaBDAT)
        #expect(Self.replies(last) == ["250 2.0.0 OK: message 42 accepted", "221 2.0.0 practice.localhost closing connection"])
        var noMail = Self.greeted()
        #expect(Self.replies(noMail.receive(Array("BDAT 4\r\nQUITNOOP\r\n".utf8))) == [
            "503 5.5.1 Bad sequence of commands: need MAIL before BDAT", "250 2.0.0 OK",
        ])
    }

    @Test func smtpUTF8Addresses() {
        var session = Self.greeted()
        #expect(Self.exchange(&session, ["MAIL FROM:<用户@例子.中国>", "MAIL FROM:<用户@例子.中国> SMTPUTF8", "RCPT TO:<ö@example.org>"]) == [
            "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter", "250 2.1.0 Sender <用户@例子.中国> OK",
            "250 2.1.5 Recipient <ö@example.org> OK",
        ])
    }

    // MARK: Rules

    static func rule(_ text: String) -> ScenarioRule { try! ScenarioRule(parsing: text) }

    @Test func rulesForceReplies() {
        var session = Self.greeted { $0.rules = [Self.rule("RCPT: 452 #4.3.1 queue full")] }
        #expect(Self.exchange(&session, ["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "RCPT TO:<e@f>", "DATA"]) == [
            "250 2.1.0 Sender <a@b> OK", "452 #4.3.1 queue full", "452 #4.3.1 queue full",
            "503 5.5.1 Bad sequence of commands: need RCPT before DATA",
        ])
    }

    @Test func nthAndFromRules() {
        var session = Self.greeted { $0.rules = [Self.rule("MAIL 3 close: 421 #4.x.2 Too many messages to this session")] }
        for _ in 0..<2 {
            #expect(Self.exchange(&session, ["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "."]).last == "250 2.0.0 OK: message 42 accepted")
        }
        let third = session.receive(Array("MAIL FROM:<a@b>\r\n".utf8))
        #expect(Self.replies(third) == ["421 #4.x.2 Too many messages to this session"])
        #expect(third.last == .close)
        var from = Self.greeted { $0.rules = [Self.rule("RCPT 2+: 452 #4.5.3 Too many recipients")] }
        #expect(Self.exchange(&from, ["MAIL FROM:<a@b>", "RCPT TO:<1@x>", "RCPT TO:<2@x>", "RCPT TO:<3@x>"]).dropFirst() == [
            "250 2.1.5 Recipient <1@x> OK", "452 #4.5.3 Too many recipients", "452 #4.5.3 Too many recipients",
        ])
    }

    @Test func greetingDotBadAndTimeRules() {
        var greeting = Self.session { $0.rules = [Self.rule("GREETING close: 421 {host} Service not available, closing transaction channel")] }
        let actions = greeting.greet()
        #expect(Self.replies(actions) == ["421 practice.localhost Service not available, closing transaction channel"])
        #expect(actions.last == .close)

        var dot = Self.greeted { $0.rules = [Self.rule("DOT: 451 #4.3.0 Server Error")] }
        #expect(Self.exchange(&dot, ["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "."]).last == "451 #4.3.0 Server Error")
        #expect(dot.messagesAccepted == 0)

        var bad = Self.greeted { $0.rules = [Self.rule("BAD 2 close: 421 Exceeded bad SMTP command limit, disconnecting")] }
        #expect(Self.exchange(&bad, ["FOO", "BAR"]) == ["500 5.5.2 Command not recognized: FOO", "421 Exceeded bad SMTP command limit, disconnecting"])
        #expect(bad.isClosed)

        var timed = Self.greeted { $0.rules = [Self.rule("TIME 20 close: 421 Exceeded allowable connection time")] }
        #expect(timed.timedRules.map(\.seconds) == [20])
        #expect(Self.replies(timed.timeElapsed(ruleIndex: 0)) == ["421 Exceeded allowable connection time"])
        #expect(timed.isClosed)
    }

    @Test func aPositiveRuleKeepsTheCommandsEffect() {
        var session = Self.greeted { $0.rules = [Self.rule("MAIL: 250 sender ok, go on"), Self.rule("DOT: 250 queued as {id}")] }
        #expect(Self.exchange(&session, ["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "."]) == [
            "250 sender ok, go on", "250 2.1.5 Recipient <c@d> OK", "354 End data with <CR><LF>.<CR><LF>", "250 queued as 42",
        ])
        #expect(session.messagesAccepted == 1)
    }

    @Test func unknownVerbRulesWork() {
        var session = Self.greeted { $0.rules = [Self.rule("XDFN: 504 Invalid XDFN syntax"), Self.rule("XPRT: 504 Invalid part number {arg}")] }
        #expect(Self.exchange(&session, ["XDFN a=b", "XPRT 7"]) == ["504 Invalid XDFN syntax", "504 Invalid part number 7"])
    }
}
