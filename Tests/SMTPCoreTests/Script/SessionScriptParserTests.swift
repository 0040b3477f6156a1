import Foundation
import Testing

@testable import SMTPCore

/// The session language: recordings, macros, swaks transcripts and telnet pastes.
@Suite struct SessionScriptParserTests {
    static func parse(_ text: String) throws -> SessionScript {
        try SessionScriptParser.parse(Array(text.utf8))
    }

    static let recording = """
        # smtpsh session
        # smtpsh-version: 0.1.0
        # server: localhost:2525
        # tls: none

        === Trying 127.0.0.1:2525...
        <-  220 practice.localhost ESMTP
         -> EHLO client.example
        <-  250-practice.localhost
        <-  250-PIPELINING
        <-  250 HELP
         -> MAIL FROM:<a@example.org>
         -> RCPT TO:<b@example.org>
         -> DATA
        <-  250 2.1.0 OK
        <-  250 2.1.5 OK
        <-  354 go ahead
         -> Subject: hi
         -> 
         -> ..a line with a dot
         -> .
        <-  250 2.0.0 accepted
         -> QUIT
        <-  221 bye

        """

    @Test func aRecordingBecomesExchangesWithTheirReplies() throws {
        let script = try Self.parse(Self.recording)
        #expect(script.source == .smtpsh)
        #expect(script.headerValue("server") == "localhost:2525")
        #expect(script.headerValue("tls") == "none")
        let kinds = script.exchanges.map(\.kind)
        #expect(kinds == [
            .greeting, .command("EHLO client.example"), .command("MAIL FROM:<a@example.org>"), .command("RCPT TO:<b@example.org>"),
            .command("DATA"), .message(["Subject: hi", "", ".a line with a dot", "."]), .command("QUIT"),
        ])
        #expect(script.exchanges.map { $0.expectation?.recordedCode?.rawValue } == [220, 250, 250, 250, 354, 250, 221])
        #expect(script.exchanges[1].expectation?.lines == ["250-practice.localhost", "250-PIPELINING", "250 HELP"])
        // RCPT and DATA went out before the replies to the commands before them.
        #expect(script.exchanges.map(\.pipelined) == [false, false, false, true, true, false, false])
        // Line numbers point into the file.
        #expect(script.exchanges[1].line == 8)
        #expect(script.exchanges[4].expectation?.line == 17)
    }

    @Test func patternsAndParametersMakeAMacro() throws {
        let script = try Self.parse("""
            # description: probe a recipient
            # param: to = bob@example.org
            # param: from
             -> MAIL FROM:<${from}>
            <- 2xx
             -> RCPT TO:<${to}>
            <- 250|251
             -> NOOP
            <- *
            """)
        #expect(script.source == .swaks)
        #expect(script.parameters == [.init(name: "to", defaultValue: "bob@example.org"), .init(name: "from", defaultValue: nil)])
        #expect(script.variablesUsed == ["from", "to"])
        let patterns = script.exchanges.map { $0.expectation?.pattern?.description }
        #expect(patterns == ["2xx", "250|251", "*"])
        let rcpt = try #require(script.exchanges[1].expectation)
        #expect(rcpt.matches(Reply(code: .ok, "ok"), comparison: .code))
        #expect(rcpt.matches(Reply(code: ReplyCode(rawValue: 251)!, "forwarding"), comparison: .code))
        #expect(!rcpt.matches(Reply(code: ReplyCode(rawValue: 252)!, "cannot verify"), comparison: .code))
    }

    @Test func recordedRepliesCompareByCodeClassOrText() throws {
        let script = try Self.parse("<-  220 mail.example.org ESMTP ready\n")
        let expectation = try #require(script.exchanges.first?.expectation)
        let same = Reply(code: .serviceReady, "mail.example.org ESMTP ready")
        let otherText = Reply(code: .serviceReady, "other.example.org ESMTP")
        let otherCode = Reply(code: ReplyCode(rawValue: 221)!, "mail.example.org ESMTP ready")
        let otherClass = Reply(code: ReplyCode(rawValue: 421)!, "busy")
        #expect(expectation.matches(same, comparison: .text))
        #expect(!expectation.matches(otherText, comparison: .text))
        #expect(expectation.matches(otherText, comparison: .code))
        #expect(!expectation.matches(otherCode, comparison: .code))
        #expect(expectation.matches(otherCode, comparison: .replyClass))
        #expect(!expectation.matches(otherClass, comparison: .replyClass))
        #expect(expectation.summary(comparison: .replyClass) == "2xx")
        #expect(expectation.summary(comparison: .text) == "220 mail.example.org ESMTP ready")
    }

    /// The seed's telnet session, as pasted: telnet's own lines skipped, the message up to the dot.
    @Test func theSeedTelnetSessionIsReadByTheShapeOfItsLines() throws {
        let script = try SessionScriptParser.parse(Array(try SeedDocumentTests.fixture("telnet-session.txt").utf8))
        #expect(script.source == .telnet)
        #expect(script.exchanges.map(\.kind) == [
            .greeting, .command("helo"), .command("mail from: <test@test.com>"), .command("rcpt to: <user@other.com>"),
            .command("data"), .message(["subject: TESTING SMTP", "This is line one.", "This is line two.", "."]), .command("quit"),
        ])
        #expect(script.exchanges.map { $0.expectation?.recordedCode?.rawValue } == [220, 250, 250, 250, 354, 250, 221])
        #expect(script.exchanges.allSatisfy { !$0.pipelined })
    }

    /// `S:`/`C:` (the RFCs' examples) and `<<<`/`>>>`: the prefix says who sent the line, a
    /// message line that starts with a code included; a server line that is no reply is a note.
    @Test(arguments: [("S: ", "C: "), ("<<< ", ">>> "), ("S:", "C:")])
    func aPasteWithPrefixes(prefixes: (server: String, client: String)) throws {
        let (s, c) = prefixes
        let script = try Self.parse("""
            \(s)220 mx.example.org ESMTP
            \(c)EHLO me.example
            \(s)250-mx.example.org
            \(s)250 PIPELINING
            \(c)DATA
            \(s)354 go ahead
            \(c)250 apples
            \(c)
            \(c).
            \(s)250 2.0.0 Ok: queued
            \(s)not a reply
            \(c)QUIT
            \(s)221 Bye
            """)
        #expect(script.source == .telnet)
        #expect(script.exchanges.map(\.kind) == [
            .greeting, .command("EHLO me.example"), .command("DATA"), .message(["250 apples", "", "."]), .command("QUIT"),
        ])
        #expect(script.exchanges.map { $0.expectation?.lines.count } == [1, 2, 1, 1, 1])
        // Without a prefix on its first line, a paste is read by the shape of its lines only.
        let bare = try Self.parse("220 mx ESMTP\nDATA\n354 go ahead\nS: hello\n.\n250 ok\n")
        #expect(bare.exchanges.map(\.kind) == [.greeting, .command("DATA"), .message(["S: hello", "."])])
    }

    /// Pasted from a web page: code fences, spaces at the ends, a body line that looks like a reply.
    @Test func aPasteWithFencesAndTrailingSpaces() throws {
        let script = try Self.parse("""
            ```
            220 my_esa.local ESMTP
            helo  
            250 my_esa.local
            data
            354 go ahead
            ```

            ```
            250 this is a body line, not a reply
            .  
            250 ok: Message 214 accepted  
            ```
            """)
        #expect(script.exchanges.map(\.kind) == [.greeting, .command("helo"), .command("data"), .message(["", "250 this is a body line, not a reply", "."])])
        #expect(script.exchanges.last?.expectation?.lines == ["250 ok: Message 214 accepted"])
    }

    /// A swaks transcript: `<**` for negative replies, `~>` under TLS, base64 AUTH answers.
    @Test func aSwaksTranscript() throws {
        let script = try Self.parse("""
            === Trying 127.0.0.1:2525...
            === Connected to 127.0.0.1.
            <-  220 practice.localhost ESMTP
             -> EHLO vm
            <-  250-practice.localhost
            <-  250 STARTTLS
             -> STARTTLS
            <-  220 2.0.0 Ready to start TLS
            === TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256
             ~> EHLO vm
            <~  250 AUTH LOGIN
             ~> AUTH LOGIN
            <~  334 VXNlcm5hbWU6
             ~> c3R1ZGVudA==
            <~  334 UGFzc3dvcmQ6
             ~> cHJhY3RpY2U=
            <~  235 2.7.0 Authentication successful
             ~> MAIL FROM:<a@example.org>
            <~* 550 5.7.1 not allowed
             ~> QUIT
            <~  221 bye
            === Connection closed with remote host.
            """)
        #expect(script.exchanges.map(\.kind) == [
            .greeting, .command("EHLO vm"), .command("STARTTLS"), .command("EHLO vm"), .command("AUTH LOGIN"),
            .saslResponse("c3R1ZGVudA=="), .saslResponse("cHJhY3RpY2U="), .command("MAIL FROM:<a@example.org>"), .command("QUIT"),
        ])
        #expect(script.exchanges[3].tls)
        #expect(script.exchanges[7].expectation?.recordedCode?.rawValue == 550)
    }

    @Test func aChunkTakesItsLinesUpToItsSize() throws {
        let script = try Self.parse("""
             -> BDAT 13 LAST
             -> Subject: x
             -> 
             -> NOOP
            <-  250 ok
            <-  250 ok
            """)
        // "Subject: x\r\n" + "\r\n" = 14 octets ≥ 13: the chunk ends; NOOP is a command.
        #expect(script.exchanges.map(\.kind) == [.chunk(command: "BDAT 13 LAST", lines: ["Subject: x", ""]), .command("NOOP")])
    }

    @Test func dataRefusedMeansTheNextLinesAreCommands() throws {
        let script = try Self.parse("""
             -> DATA
            <-  554 no valid recipients
             -> RSET
            <-  250 ok
            """)
        #expect(script.exchanges.map(\.kind) == [.command("DATA"), .command("RSET")])
    }

    @Test func badFilesSayWhichLine() {
        #expect(throws: SessionScriptError(line: 3, reason: .notASessionLine("hello there"))) {
            try Self.parse("# smtpsh session\n -> EHLO x\nhello there\n")
        }
        #expect(throws: SessionScriptError(line: 2, reason: .binary)) { try Self.parse(" -> EHLO\n\u{0}\n") }
        #expect(throws: SessionScriptError(line: 1, reason: .invalidParameter("9lives"))) { try Self.parse("# param: 9lives\n -> NOOP\n") }
        #expect(throws: SessionScriptError(line: 2, reason: .duplicateParameter("to"))) {
            try Self.parse("# param: to\n# param: to = x\n -> NOOP\n")
        }
        #expect(throws: SessionScriptError(line: 2, reason: .empty)) { try Self.parse("# nothing\n=== but notes\n") }
        #expect(throws: SessionScriptError(line: 1, reason: .empty)) { try Self.parse("") }
    }

    /// Cut anywhere, a recording still reads (or fails with a line number): never a crash.
    @Test func everyTruncationOfARecordingIsHandled() {
        let bytes = Array(Self.recording.utf8)
        for length in 0...bytes.count {
            do {
                let script = try SessionScriptParser.parse(bytes[..<length])
                #expect(!script.exchanges.isEmpty)
            } catch {
                // Nothing left, or a marker cut in two on the last line: said with its line number.
                let lastLine = bytes[..<length].count(where: { $0 == 10 }) + 1
                #expect(error.reason == .empty || error.line == lastLine, "cut at \(length): \(error)")
            }
        }
    }

    /// Random bytes: an error with a line number, or a script; nothing else.
    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(" -><~*=#0123456789\r\n\tabcDATA.${}|x".utf8) + [0xFF, 0xC3]
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<200, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            do {
                _ = try SessionScriptParser.parse(bytes)
            } catch {
                #expect(error.line >= 1)
            }
        }
    }

    @Test func variablesAreSubstitutedAndEscaped() throws {
        let values = ["to": "bob@example.org", "n": "3"]
        #expect(try VariableText.substitute("RCPT TO:<${to}> ${n}", { values[$0] }) == "RCPT TO:<bob@example.org> 3")
        #expect(try VariableText.substitute("literal $${to} and $5", { values[$0] }) == "literal ${to} and $5")
        #expect(try VariableText.substitute("not a name ${ a b } ${", { values[$0] }) == "not a name ${ a b } ${")
        #expect(throws: MissingVariable(name: "from")) { try VariableText.substitute("MAIL FROM:<${from}>", { values[$0] }) }
        #expect(VariableText.names(in: "${a} ${b_2} ${a}") == ["a", "b_2", "a"])
    }

    @Test func replyPatterns() {
        #expect(ReplyPattern(parsing: "2xx")?.matches(.ok) == true)
        #expect(ReplyPattern(parsing: "25x")?.matches(ReplyCode(rawValue: 251)!) == true)
        #expect(ReplyPattern(parsing: "25x")?.matches(ReplyCode(rawValue: 221)!) == false)
        #expect(ReplyPattern(parsing: "250 OK") == nil)
        #expect(ReplyPattern(parsing: "650") == nil)
        #expect(ReplyPattern(parsing: "4xx|5xx")?.description == "4xx|5xx")
    }
}
