import Testing
@testable import SMTPCatalog
@testable import SMTPCore
@testable import SMTPPracticeServer

/// Vendor personas (`smtpsh serve --persona`): every reply a persona words is a line of its
/// vendor's catalogue entry, read back by the catalogue as that very entry; a client's trigger
/// takes the vendor's line for its code; the standard style stays as it was.
@Suite struct PersonaTests {
    static let vendors: [ReplyStyle] = [.postfix, .exim, .microsoft, .google, .yahoo]

    /// A template filled as the server fills it.
    static func rendered(_ template: String) -> String {
        let reply = ReplyStyle.render(
            template, host: "mx.persona.test", arg: "bob@example.org", id: "xq7Rt2", size: "5000", client: "192.0.2.7",
            sender: "alice@example.org")
        return reply.lines.map { "\(reply.code.rawValue) " + $0.textString }.joined(separator: "\n")
    }

    /// Each line of the table resolves to its entry, and the catalogue reads the line the server
    /// sends back as that entry, whether the server is recognised or not (a line only that vendor
    /// sends), never as another vendor's.
    @Test(arguments: vendors)
    func everyReplyIsItsVendorsEntry(style: ReplyStyle) throws {
        let persona = try #require(Persona.of(style))
        let catalog = Catalog.shared
        let lines = persona.lines.map { ($0.key.rawValue, $0.value) } + persona.triggerLines.flatMap { stage, lines in
            lines.map { ("trigger \(stage.rawValue)", $0) }
        }
        #expect(!lines.isEmpty)
        for (what, line) in lines {
            let template = try #require(persona.template(line), "\(style) \(what): no \(persona.prefix)\(line.key) line \(line.line)")
            let text = Self.rendered(template)
            let known = catalog.textMatch(text, server: persona.vendor)
            #expect(known?.entry.key.rawValue == persona.prefix + line.key, "\(style) \(what): '\(text)' read as \(known?.entry.key.rawValue ?? "nothing")")
            // Without knowing the server: the vendor's own line, or a generic one (no vendor).
            if let unknown = catalog.textMatch(text, server: nil), !unknown.isGeneric {
                #expect(unknown.entry.key.vendor == persona.vendor, "\(style) \(what): '\(text)' read as \(unknown.entry.key.rawValue)")
            }
        }
    }

    /// The server's templates are the table's lines: every kind the table names has one, and
    /// the kinds it does not name keep the standard wording.
    @Test(arguments: vendors)
    func theTemplatesAreTheTablesLines(style: ReplyStyle) throws {
        let persona = try #require(Persona.of(style))
        for kind in ReplyKind.allCases {
            if let line = persona.lines[kind] {
                #expect(style.template(kind) == persona.template(line), "\(style) \(kind)")
            } else {
                #expect(style.template(kind) == ReplyStyle.standard.template(kind), "\(style) \(kind)")
            }
        }
    }

    @Test func placeholdersBecomeTheServers() {
        #expect(Persona.convert("554 5.7.1 <{addr}>: Relay access denied", texts: [], arg: "{arg}", tag: "")
            == "554 5.7.1 <{arg}>: Relay access denied")
        // An empty {text} leaves no double space, and none at the end.
        #expect(Persona.convert("220 {host} ESMTP Postfix {text}", texts: [""], arg: "", tag: "") == "220 {host} ESMTP Postfix")
        #expect(Persona.convert("550 5.7.26 {text} Blocked. {text} gsmtp", texts: ["", "{id} -"], arg: "", tag: "")
            == "550 5.7.26 Blocked. {id} - gsmtp")
        #expect(Persona.convert("421 4.7.0 [{tag}] Messages from {ip} deferred", texts: [], arg: "", tag: "TSS04")
            == "421 4.7.0 [TSS04] Messages from {client} deferred")
        #expect(Persona.convert("451 {ip} from <{addr}> to <{addr}>", texts: [], arg: "", tag: "", addresses: ["{sender}", "{arg}"])
            == "451 {client} from <{sender}> to <{arg}>")
    }

    static func session(_ style: ReplyStyle) -> ServerSession {
        var configuration = PracticeServerConfiguration()
        configuration.style = style
        configuration.triggers = true
        configuration.localDomains = ["example.org"]
        configuration.greylistDelay = 0
        var session = ServerSession(configuration: configuration, messageIDs: { "4A1B2C" }, randomToken: { "1234567890" })
        _ = session.greet()
        _ = session.receive(Array("EHLO client.example.org\r\n".utf8))
        return session
    }

    /// A session with a persona: the greeting, relay, greylisting and a trigger in its words.
    @Test func aPostfixSession() {
        var session = Self.session(.postfix)
        #expect(ServerSessionTests.exchange(&session, [
            "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@elsewhere.example>", "RCPT TO:<rcpt550_5.1.1@example.org>",
            "RCPT TO:<carol@example.org>", "RCPT TO:<carol@example.org>", "RCPT TO:<rcpt599@example.org>",
        ]) == [
            "250 2.1.0 Ok", "554 5.7.1 <bob@elsewhere.example>: Relay access denied",
            "550 5.1.1 <rcpt550_5.1.1@example.org>: Recipient address rejected: User unknown in local recipient table",
            "450 4.2.0 <carol@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/practice.localhost.html",
            "250 2.1.5 Ok",
            // A code Postfix has no line for: the trigger's own text.
            "599 5.0.0 <rcpt599@example.org> Failure requested by the client (rcpt599)",
        ])
        var greeting = ServerSession(configuration: { var c = PracticeServerConfiguration(); c.style = .postfix; return c }(),
            messageIDs: { "1" }, randomToken: { "1" })
        #expect(ServerSessionTests.replies(greeting.greet()) == ["220 practice.localhost ESMTP Postfix"])
    }

    /// Exim's greylisting names the client, the sender and the recipient; Gmail's replies end in
    /// the session's trace id.
    @Test func eximAndGoogleFillWhatTheirLinesName() {
        var exim = Self.session(.exim)
        #expect(ServerSessionTests.exchange(&exim, ["MAIL FROM:<alice@example.org>", "RCPT TO:<carol@example.org>"]) == [
            "250 OK",
            "451 127.0.0.1 is not yet authorized to deliver mail from <alice@example.org> to <carol@example.org>. Please try later.",
        ])
        var google = Self.session(.google)
        let replies = ServerSessionTests.exchange(&google, ["MAIL FROM:<alice@example.org>", "RCPT TO:<rcpt550_5.1.1@example.org>"])
        let trace = ServerSession.traceID("1234567890")
        #expect(replies == [
            "250 2.1.0 OK \(trace) - gsmtp",
            "550 5.1.1 The email account that you tried to reach does not exist. \(trace) - gsmtp",
        ])
    }

    /// The EHLO reply's first line names the client's address where the vendor's does.
    @Test func theEHLOReplyNamesTheClient() {
        for (style, first) in [
            (ReplyStyle.microsoft, "250-practice.localhost Hello [127.0.0.1]"),
            (.google, "250-practice.localhost at your service, [127.0.0.1]"),
            (.exim, "250-practice.localhost Hello client.example.org [127.0.0.1]"),
        ] {
            var configuration = PracticeServerConfiguration()
            configuration.style = style
            var session = ServerSession(configuration: configuration, messageIDs: { "1" }, randomToken: { "1" })
            _ = session.greet()
            #expect(ServerSessionTests.replies(session.receive(Array("EHLO client.example.org\r\n".utf8))).first == first)
        }
    }

    /// The appliance's triggers take its own lines (`#` codes), as its other replies do.
    @Test func applianceTriggersTakeItsLines() {
        var session = Self.session(.appliance)
        #expect(ServerSessionTests.exchange(&session, ["MAIL FROM:<alice@example.org>", "RCPT TO:<rcpt452_4.3.1@example.org>"]) == [
            "250 sender <alice@example.org> ok", "452 #4.3.1 queue full",
        ])
    }

    /// A scenario file chooses a persona with `persona:` (or `style:`, its older name).
    @Test func scenarioFilesChooseAPersona() throws {
        #expect(try Scenario(parsing: "persona: google\n", defaultName: "x").style == .google)
        #expect(try Scenario(parsing: "style: Exim\n", defaultName: "x").style == .exim)
        #expect(try Scenario(parsing: "persona: yahoo\n", defaultName: "x").fileText.contains("persona: yahoo"))
        do {
            _ = try Scenario(parsing: "persona: sendmail\n", defaultName: "x")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "line 1: persona must be one of standard, appliance, postfix, exim, microsoft, google, yahoo, found 'sendmail'")
        }
    }
}
